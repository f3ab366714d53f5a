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

from liveness_genuine import fair_tasks, task_frames  # noqa: E402

from webcam_flow.liveness import _validated_images, parse_challenges  # noqa: E402
from webcam_flow.tracking import track  # noqa: E402
from webcam_flow.turn_texture import turn_agreements  # noqa: E402


def main() -> int:
    scores = []
    for task in fair_tasks():
        if not any(kind.startswith("turn_") for kind in task.challenges):
            continue
        frames = task_frames(task)
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
