"""Presentation attacks against liveness, and the real people it refuses: APCER per attack type and the
genuine-task refusal rate, with counts and 95% Wilson intervals, without and with the colour challenge.

Attacks are generated from ../shared/testdata by tests/attacks.py (nothing is committed), on the service's
schedule (3 s per movement, 10 frames a second), each answering its task's movements in their slots (the
attacker knows the task):

  printed   a photo held up to the camera and moved as a plane (paper reflects the screen's light like
            skin does: lit by the task's colours at the genuine amplitude, over the whole picture);
  animated  a photo animated with 2D warps on its landmarks (the rehearsed attack of docs/identify.md),
            made before the task: played on a screen held to the camera (its glass reflects a tenth of the
            genuine amplitude) or injected as a camera (no reflection at all);
  replayed  a real video of the person doing the movements at the right times (the genuine tasks below),
            re-filmed from a screen (moire, gamma, blur, bezel), its glass reflecting a tenth;
  swapped   another person's real video with the victim's face warped onto it (a cheap face swap), injected;
  injector  the animated photo rendered after the task was handed out, lit with the task's own colours:
            a real-time injection attacker who reads the page. The colour challenge does not stop it.

Genuine: the fair tasks of benchmarks/liveness_genuine.py; with the colour challenge only the tasks of two
or three movements (the service asks for 2-3; the check needs 5 s), lit by the reflection simulator
(tests/reflection.py) at ``--amplitude`` (default 3%: a channel rises 3% under a saturated primary).
All reflection figures are simulated: there is no real camera here.

    .venv/bin/python benchmarks/presentation_attacks.py [--quick] [--amplitude 0.03]
    .venv/bin/python benchmarks/presentation_attacks.py --animated-only [--untuned] \
        [--warp spline] [--shading 0.15]

The full table takes about 15 minutes on one core (``--quick``: one task per photo, about 6).
"""

from __future__ import annotations

import argparse
import random
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.liveness_genuine import SECONDS_PER_CHALLENGE, fair_tasks, task_frames  # noqa: E402
from eds_toolkit.intervals import wilson  # noqa: E402
from tests.attacks import animated, load_photo, printed, replayed, swapped  # noqa: E402
from tests.reflection import reflect  # noqa: E402
from webcam_flow.colour import ColourSequence, new_sequence  # noqa: E402
from webcam_flow.liveness import check_liveness  # noqa: E402
from webcam_flow.video import Frame  # noqa: E402

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
# Share of the genuine reflection that a screen held up to the camera shows (it emits its own light).
SCREEN_GLASS = 0.1


def rate(errors: int, n: int) -> str:
    low, high = wilson(errors, n)
    return f"{errors}/{n} {100 * errors / max(n, 1):.0f}% ({100 * low:.0f}-{100 * high:.0f}%)"


@dataclass
class Trial:
    """One attempt: its frames, the task, and how the screen's light reaches the camera."""

    kind: str
    name: str
    frames: list[Frame]
    challenges: tuple[str, ...]
    light: str  # "face": the task's colours on the face; "everywhere"; "glass": a tenth, everywhere; "none"


def sequence_for(challenges: Sequence[str], rng: random.Random) -> ColourSequence:
    return new_sequence(len(challenges) * SECONDS_PER_CHALLENGE, rng)


def lit(trial: Trial, sequence: ColourSequence, amplitude: float, seed: int) -> list[Frame]:
    """The trial's frames as the camera sees them while the page shows ``sequence``."""
    if trial.light == "none":
        return reflect(trial.frames, None, seed=seed)
    if trial.light == "face":
        return reflect(trial.frames, sequence, amplitude=amplitude, seed=seed)
    share = SCREEN_GLASS if trial.light == "glass" else 1.0
    return reflect(trial.frames, sequence, amplitude=amplitude * share, everywhere=True, seed=seed)


def decide(trial: Trial, colours: ColourSequence | None, frames: list[Frame] | None = None) -> list[str]:
    verdict = check_liveness(
        frames or trial.frames, trial.challenges, seconds_per_challenge=SECONDS_PER_CHALLENGE, colours=colours
    )
    return list(verdict.reasons)


def attack_trials(quick: bool) -> dict[str, Callable[[], list[Trial]]]:
    """Each attack type's trials, generated when asked for (the animated ones take a while)."""
    tasks = TASKS[:1] if quick else TASKS
    genuine = [t for t in fair_tasks() if len(t.challenges) > 1]
    if quick:
        genuine = genuine[::3]

    def photos(kind: str, make, light: str) -> list[Trial]:
        return [
            Trial(kind, f"{name}:{','.join(task)}", make(load_photo(name), task, seed), task, light)
            for name in PHOTOS
            for seed, task in enumerate(tasks)
        ]

    def victims(kind: str, light: str) -> list[Trial]:
        trials = []
        for i, task in enumerate(genuine):
            victim = PHOTOS[i % len(PHOTOS)]
            frames = swapped(task_frames(task), load_photo(victim), seed=i)
            trials.append(Trial(kind, f"{victim} on {task.name}", frames, task.challenges, light))
        return trials

    return {
        "printed": lambda: photos("printed", lambda p, t, s: printed(p, t, seed=s), "everywhere"),
        "animated": lambda: photos("animated", lambda p, t, s: animated(p, t, seed=s, **REHEARSED), "glass"),
        "animated, injected": lambda: photos(
            "animated, injected", lambda p, t, s: animated(p, t, seed=s, **REHEARSED), "none"
        ),
        "replayed": lambda: [
            Trial("replayed", t.name, replayed(task_frames(t), seed=i), t.challenges, "glass")
            for i, t in enumerate(genuine)
        ],
        "swapped": lambda: victims("swapped", "none"),
        "injector": lambda: photos("injector", lambda p, t, s: animated(p, t, seed=s, **REHEARSED), "face"),
    }


def colour_windows(seconds: float, step: float) -> list[tuple[str, list[Frame]]]:
    """Windows of the real videos as long as the page's recording of a 2- or 3-movement task (the fair
    tasks above are cut at the end of the video's shot: the Hamilton shot is 4.3 s, too short for any)."""
    import cv2

    from benchmarks.liveness_genuine import GROUND_TRUTH, TESTDATA
    from webcam_flow.video import frames_from_video

    windows = []
    for video, truth in GROUND_TRUTH.items():
        first, last = truth["span"]
        fps = cv2.VideoCapture(str(TESTDATA / video)).get(cv2.CAP_PROP_FPS)
        start = first
        while start + seconds <= last:
            frames = frames_from_video(
                TESTDATA / video, fps=10, start=round(start * fps), stop=round((start + seconds) * fps)
            )
            windows.append((f"{video}@{start:.1f}s", frames))
            start += step
    return windows


def genuine_rows(amplitude: float, quick: bool) -> None:
    """Liveness on the fair tasks (no colour challenge), and the colour check alone on real videos lit by
    the simulator: what it adds to the genuine refusals."""
    from webcam_flow.colour import colour_response
    from webcam_flow.tracking import track

    tasks = fair_tasks()
    if quick:
        tasks = tasks[::3]
    without = [decide(Trial("genuine", t.name, task_frames(t), t.challenges, "face"), None) for t in tasks]
    refused = [r for r in without if r]
    print(f"{'genuine liveness, fair tasks':34} {len(tasks):<8} {rate(len(refused), len(tasks)):26}")
    rng = random.Random(7)
    windows = colour_windows(6.0, 3.0 if quick else 1.5)
    for share in (1.0, 0.5):
        reasons: Counter = Counter()
        refused_count = 0
        for i, (_, frames) in enumerate(windows):
            sequence = new_sequence(6.0, rng)
            shown = reflect(frames, sequence, amplitude=amplitude * share, seed=i)
            images = [f.image for f in shown]
            got, _ = colour_response(track(images, [f.t for f in shown]), images, sequence)
            refused_count += bool(got)
            reasons.update(got)
        label = f"genuine colour check, {100 * amplitude * share:.1f}%"
        detail = ", ".join(f"{r} {n}" for r, n in reasons.most_common(3))
        print(f"{label:34} {len(windows):<8} {'':26} {rate(refused_count, len(windows)):26} {detail}")


def table(amplitude: float, quick: bool) -> None:
    print(f"{'':34} {'':8} {'refused (BPCER) / passed (APCER)':54}")
    print(f"{'':34} {'':8} {'without colour challenge':26} {'with it':26} main reasons with it")
    genuine_rows(amplitude, quick)
    rng = random.Random(11)
    for kind, make in attack_trials(quick).items():
        trials = make()
        passed_without = passed_with = 0
        reasons: Counter = Counter()
        for i, trial in enumerate(trials):
            passed_without += not decide(trial, None)
            sequence = sequence_for(trial.challenges, rng)
            got = decide(trial, sequence, lit(trial, sequence, amplitude, seed=i))
            passed_with += not got
            reasons.update(got)
        detail = ", ".join(f"{r} {n}" for r, n in reasons.most_common(3))
        n = len(trials)
        print(f"{kind:34} {n:<8} {rate(passed_without, n):26} {rate(passed_with, n):26} {detail}")


def animated_only(args: argparse.Namespace) -> None:
    """The earlier study: each animated photo's reasons and turn scores, without the colour challenge."""
    settings = {**(UNTUNED if args.untuned else REHEARSED), "warp": args.warp, "shading": args.shading}
    passed = total = 0
    for name in PHOTOS:
        photo = load_photo(name)
        for seed, task in enumerate(TASKS):
            frames = animated(photo, task, seed=seed, **settings)
            verdict = check_liveness(frames, task, seconds_per_challenge=SECONDS_PER_CHALLENGE)
            turn = {k: v for k, v in verdict.scores.items() if k.startswith(("parallax_", "turn_texture_"))}
            print(f"{name:28} {','.join(task):32} {','.join(verdict.reasons) or 'PASSED':28} {turn}")
            passed += verdict.ok
            total += 1
    print(f"\n{passed}/{total} animated photos passed")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one task per photo, a third of the tasks")
    parser.add_argument("--amplitude", type=float, default=0.03, help="simulated genuine reflection")
    parser.add_argument("--animated-only", action="store_true", help="the animated-photo study only")
    parser.add_argument("--untuned", action="store_true", help="(--animated-only) the attack's first version")
    parser.add_argument("--warp", choices=("affine", "spline"), default="affine", help="(--animated-only)")
    parser.add_argument("--shading", type=float, default=0.0, help="(--animated-only) light change, 0..1")
    args = parser.parse_args()
    if args.animated_only:
        animated_only(args)
    else:
        table(args.amplitude, args.quick)
    return 0


if __name__ == "__main__":
    sys.exit(main())
