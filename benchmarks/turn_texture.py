"""The turn texture score (webcam_flow.turn_texture) of every real turn: Lin-Manuel Miranda's turns in every
fair task window and sampling phase of benchmarks/liveness_genuine.py (frames 82-210 of the Hamilton clip).

    .venv/bin/python benchmarks/turn_texture.py

Prints each turn's yaw, far half, near half and nose agreement and their mean (the score), then the range
(about 5 minutes on one core). The attacks' scores are printed by benchmarks/presentation_attacks.py.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import cv2  # noqa: E402
from liveness_genuine import BLINK_FPS, FPS, SECONDS_PER_CHALLENGE, TESTDATA, fair_tasks  # noqa: E402

from webcam_flow.liveness import _validated_images, parse_challenges  # noqa: E402
from webcam_flow.tracking import track  # noqa: E402
from webcam_flow.turn_texture import turn_agreements  # noqa: E402
from webcam_flow.video import frames_from_video  # noqa: E402


def main() -> int:
    scores = []
    for task in fair_tasks():
        if not any(kind.startswith("turn_") for kind in task.challenges):
            continue
        path = TESTDATA / task.video
        fps = cv2.VideoCapture(str(path)).get(cv2.CAP_PROP_FPS)
        frames = []
        for slot, kind in enumerate(task.challenges):
            opens = task.start + slot * SECONDS_PER_CHALLENGE
            closes = min(task.stop, opens + SECONDS_PER_CHALLENGE)
            if closes - opens < 1 / FPS:
                continue
            rate = BLINK_FPS if kind == "blink" else FPS
            frames += frames_from_video(path, fps=rate, start=round(opens * fps), stop=round(closes * fps))
        images, times = _validated_images(frames)
        asked = [c.value for c in parse_challenges(task.challenges)]
        for turn in turn_agreements(images, track(images, times), asked):
            scores.append(turn["agreement"])
            print(
                f"{task.name:52} {turn['kind']:10} {turn['yaw']:5.1f} deg  far {turn['far']:.3f}  "
                f"near {turn['near']:.3f}  nose {turn['nose']:.3f}  score {turn['agreement']:.3f}"
            )
    print(f"\n{len(scores)} real turns: turn texture {min(scores):.3f}-{max(scores):.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
