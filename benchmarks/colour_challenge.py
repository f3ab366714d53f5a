"""The colour challenge's margins, measured on the real videos of ../shared/testdata with a simulated
reflection (tests/reflection.py; there is no real camera here).

For each video (its first 9 s, or 6 s with ``--seconds 6``, at 10 frames a second) the face is tracked
once; then, for the task's random sequence:

- genuine: the sequence reflected at several amplitudes (relative change of a channel under a saturated
  primary), seen 0.1 s late: the correlation and amplitude the check reads, and whether it passes;
- replay: no reflection at all (camera noise and JPEG only);
- another task: the reflection (3%) of the task's sequence checked against ``--others`` other random
  sequences: the highest correlation any reached (a recording made against an earlier task);
- late: the right sequence reflected 3 s late.

    .venv/bin/python benchmarks/colour_challenge.py [--seconds 9] [--others 2000]
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.reflection import reflect  # noqa: E402
from webcam_flow.colour import (  # noqa: E402
    MIN_CORRELATION,
    chroma_response,
    face_chroma,
    new_sequence,
)
from webcam_flow.tracking import track  # noqa: E402
from webcam_flow.video import frames_from_video  # noqa: E402

VIDEOS = ROOT.parent / "shared" / "testdata" / "video"
AMPLITUDES = (0.005, 0.01, 0.015, 0.02, 0.03, 0.04)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=9.0)
    parser.add_argument("--others", type=int, default=2000)
    args = parser.parse_args()
    rng = random.Random(10)
    worst_other = []
    print("video            genuine corr/amp per amplitude " + " ".join(f"{a:>11}" for a in AMPLITUDES))
    for path in sorted(VIDEOS.glob("*.mp4")):
        frames = [f for f in frames_from_video(path, fps=10) if f.t < args.seconds]
        sequence = new_sequence(frames[-1].t - frames[0].t, rng)
        observations = track([f.image for f in frames], [f.t for f in frames])
        boxes = [o.face for o in observations]

        def measured(seq, amplitude, lag_s=0.1, frames=frames, boxes=boxes, observations=observations):
            reflected = reflect(frames, seq, amplitude=amplitude, lag_s=lag_s, boxes=boxes)
            return face_chroma(observations, [f.image for f in reflected])

        cells = []
        for amplitude in AMPLITUDES:
            reasons, scores = chroma_response(*measured(sequence, amplitude), sequence)
            mark = "ok" if not reasons else reasons[0].split("_")[-1][:4]
            cells.append(f"{scores['colour_correlation']:.2f}/{scores['colour_amplitude']:.3f}{mark:>5}")
        replay_reasons, replay = chroma_response(*measured(None, 0.0), sequence)
        late_reasons, late = chroma_response(*measured(sequence, 0.03, lag_s=3.0), sequence)
        times, chroma = measured(sequence, 0.03)
        others = [
            chroma_response(times, chroma, new_sequence(frames[-1].t - frames[0].t, rng))[1][
                "colour_correlation"
            ]
            for _ in range(args.others)
        ]
        worst_other.append(max(others))
        print(f"{path.stem:<17}{len(frames):>3} frames " + " ".join(cells))
        print(
            f"{'':<17}replay {replay['colour_correlation']:.2f} var {replay['colour_variation']:.4f} "
            f"{replay_reasons}; 3 s late {late['colour_correlation']:.2f} {late_reasons}; "
            f"other sequences: max {max(others):.2f}, 99th pct {np.percentile(others, 99):.2f}, "
            f"passing {sum(o >= MIN_CORRELATION for o in others)}/{len(others)}"
        )
    print(f"highest correlation of another sequence over all videos: {max(worst_other):.2f}")


if __name__ == "__main__":
    main()
