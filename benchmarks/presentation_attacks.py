"""How often photos animated with 2D warps (tests/attacks.py) pass liveness: 6 photos of ../shared/testdata,
3 tasks with turns, on the service's schedule (3 s per movement, 10 frames a second).

    .venv/bin/python benchmarks/presentation_attacks.py            # the rehearsed attack (docs/identify.md)
    .venv/bin/python benchmarks/presentation_attacks.py --untuned  # its first version
    .venv/bin/python benchmarks/presentation_attacks.py --warp spline [--shading 0.15]  # a smooth field

Prints each attack's reasons, parallax and turn texture scores, then the count passed (about 6 minutes on
one core). ``--warp spline`` animates with a thin-plate spline field and a softer camera instead of the
triangles webcam_flow.turn_texture predicts with; ``--shading`` renders a light change across the turn.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.attacks import animated, load_photo  # noqa: E402
from webcam_flow.liveness import check_liveness  # noqa: E402

PHOTOS = (
    "obama.jpg",
    "biden.jpg",
    "lin-manuel-miranda.png",
    "liveportrait_s42.jpg",
    "kit_harington1.jpeg",
    "liveportrait_person_d18.jpg",
)
TASKS = (("turn_left", "blink"), ("open_mouth", "turn_right"), ("turn_right", "blink", "turn_left"))
REHEARSED = {"nose_shift": 0.45, "nose_extra": 0.2, "mouth_drop": 0.45, "idle": 0.04}
UNTUNED = {"nose_shift": 0.45, "nose_extra": 0.2}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--untuned", action="store_true", help="the attack's first parameters")
    parser.add_argument("--warp", choices=("affine", "spline"), default="affine", help="the animator's warp")
    parser.add_argument("--shading", type=float, default=0.0, help="light change across the turn (0..1)")
    args = parser.parse_args()
    settings = {**(UNTUNED if args.untuned else REHEARSED), "warp": args.warp, "shading": args.shading}
    passed = total = 0
    for name in PHOTOS:
        photo = load_photo(name)
        for seed, task in enumerate(TASKS):
            frames = animated(photo, task, seed=seed, **settings)
            verdict = check_liveness(frames, task, seconds_per_challenge=3)
            parallax = {
                k: v for k, v in verdict.scores.items() if k.startswith(("parallax_", "turn_texture_"))
            }
            print(f"{name:28} {','.join(task):32} {','.join(verdict.reasons) or 'PASSED':28} {parallax}")
            passed += verdict.ok
            total += 1
    print(f"\n{passed}/{total} animated photos passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
