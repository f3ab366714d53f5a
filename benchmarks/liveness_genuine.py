"""How often liveness refuses a real person who did what was asked: fair tasks cut from the real videos of
../shared/testdata, decided on the service's own schedule (3 s per movement, 10 frames a second).

A fair task is one a cooperative citizen could have recorded: every asked movement happens inside its
own slot (at least MARGIN_S from the slot's edges), and no deliberate movement of an asked kind happens
before its slot. Each is cut at the earliest and the latest start that fits, each at three sampling
phases (the page's 10 frames a second fall anywhere in a 30 fps video: a short blink may fall between
them). The movements and their times were read off every frame of each video (head pose,
eye aspect ratio, mouth opening; see docs/identify.md) and are listed in GROUND_TRUTH.

    .venv/bin/python benchmarks/liveness_genuine.py                      # this code
    .venv/bin/python benchmarks/liveness_genuine.py --before /tmp/main   # and the old code, side by side

``--before`` runs the same tasks with the ``webcam_flow`` of another checkout (e.g. ``git worktree add
/tmp/main main``) in a subprocess, with the old page's 10 frames a second throughout, and prints both
columns with their counts; this code gets the page's 25 frames a second in a blink's slot
(``--blink-fps 10`` shows what the new semantics alone do).
"""

from __future__ import annotations

import argparse
import itertools
import json
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TESTDATA = ROOT.parent / "shared" / "testdata" / "video"
SECONDS_PER_CHALLENGE = 3.0
FPS = 10.0
MARGIN_S = 0.3
PHASES_S = (0.0, 1 / 30, 2 / 30)
# The page now records a blink's slot at up to 25 frames a second (identify.js); it recorded 10 before.
BLINK_FPS = 25.0

# (kind, source time in s, deliberate). Deliberate: a clear movement a citizen would make only when asked
# (turns, a wide mouth held open); not deliberate: blinks, a mouth opened while singing.
GROUND_TRUTH: dict[str, dict[str, object]] = {
    # Lin-Manuel Miranda, frames 82-210 (one shot): turns to his right and left, sings.
    "short_hamilton_clip.mp4": {
        "span": (2.74, 7.0),
        "moves": [
            ("turn_left", 2.74, True),
            ("turn_right", 3.5, True),
            ("open_mouth", 3.77, False),
            ("open_mouth", 4.4, False),
            ("turn_left", 5.25, True),
            ("turn_right", 6.45, True),
            ("open_mouth", 6.5, False),
        ],
    },
    # Opens the mouth wide twice, blinks twice.
    "liveportrait_d18.mp4": {
        "span": (0.0, 7.2),
        "moves": [
            ("open_mouth", 2.1, True),
            ("blink", 3.15, False),
            ("open_mouth", 3.75, True),
            ("blink", 6.2, False),
        ],
    },
    # Talks, smiles, glances a few degrees, blinks.
    "liveportrait_d19.mp4": {
        "span": (0.0, 8.3),
        "moves": [("blink", t, False) for t in (2.85, 3.1, 3.3, 3.95, 5.6, 7.8)],
    },
    # Talks, blinks (several East Asian speakers are in d13, d14, d20).
    "liveportrait_d13.mp4": {
        "span": (0.0, 11.7),
        "moves": [("blink", t, False) for t in (1.45, 2.65, 3.45, 10.5)],
    },
    # Blinks, then keeps the eyes closed for 2.5 s, then blinks again.
    "liveportrait_d14.mp4": {
        "span": (0.0, 17.8),
        "moves": [("blink", t, False) for t in (0.55, 3.6, 9.47, 11.55, 12.37, 15.23)],
    },
    # Laughs (mouth widened, half open) for 2 s, then blinks (25 fps, 3.1 s).
    "liveportrait_d0.mp4": {"span": (0.0, 3.1), "moves": [("blink", 2.6, False)]},
    # Sings with the mouth wide open much of the time, blinks.
    "liveportrait_d6.mp4": {
        "span": (0.0, 33.6),
        "moves": [("blink", t, False) for t in (6.9, 7.3, 12.6, 13.1, 15.6, 31.0, 31.9)],
    },
}


@dataclass(frozen=True)
class Task:
    video: str
    start: float
    challenges: tuple[str, ...]
    stop: float

    @property
    def name(self) -> str:
        return f"{self.video}@{self.start:.2f}s:{','.join(self.challenges)}"


def _fits(moves, chosen, start: float) -> bool:
    for slot, (kind, t, _) in enumerate(chosen):
        opens = start + slot * SECONDS_PER_CHALLENGE
        if not opens + MARGIN_S <= t <= opens + SECONDS_PER_CHALLENGE - MARGIN_S:
            return False
        # No deliberate movement of this kind inside the recording before its slot.
        if any(k == kind and d and start <= u < opens for k, u, d in moves):
            return False
    return True


def fair_tasks() -> list[Task]:
    """Every fair task of 1 to 3 distinct movements, at the earliest and the latest start that fits."""
    tasks = []
    for video, truth in GROUND_TRUTH.items():
        first, last = truth["span"]
        moves = truth["moves"]
        seen = set()
        for count in (1, 2, 3):
            for chosen in itertools.combinations(moves, count):
                kinds = tuple(kind for kind, _, _ in chosen)
                if len(set(kinds)) != count or kinds in seen:
                    continue
                # The recording may end with the video's shot (Hamilton's is 4.3 s): the movements must
                # still fall inside their slots.
                starts = [
                    round(first + i / FPS, 2)
                    for i in range(int((last - first) * FPS) + 1)
                    if _fits(moves, chosen, first + i / FPS)
                ]
                if not starts:
                    continue
                seen.add(kinds)
                for start in sorted({starts[0], starts[-1]}):
                    for phase in PHASES_S:
                        stop = min(last, start + count * SECONDS_PER_CHALLENGE)
                        tasks.append(Task(video, round(start + phase, 3), kinds, stop))
    return tasks


def decide(tasks: list[Task], blink_fps: float) -> dict[str, list[str]]:
    """Each task's refusal reasons with the importable webcam_flow (empty: passed). The frames are taken
    as the page takes them: 10 a second, ``blink_fps`` in a blink's slot."""
    from webcam_flow.liveness import check_liveness

    results = {}
    for task in tasks:
        verdict = check_liveness(
            task_frames(task, blink_fps), task.challenges, seconds_per_challenge=SECONDS_PER_CHALLENGE
        )
        results[task.name] = list(verdict.reasons)
    return results


def task_frames(task: Task, blink_fps: float = BLINK_FPS) -> list:
    """The frames the page would send for ``task``: 10 a second, ``blink_fps`` in a blink's slot."""
    import cv2

    from webcam_flow.video import frames_from_video

    path = TESTDATA / task.video
    fps = cv2.VideoCapture(str(path)).get(cv2.CAP_PROP_FPS)
    frames = []
    for slot, kind in enumerate(task.challenges):
        opens = task.start + slot * SECONDS_PER_CHALLENGE
        closes = min(task.stop, opens + SECONDS_PER_CHALLENGE)
        if closes - opens < 1 / FPS:
            continue
        rate = blink_fps if kind == "blink" else FPS
        frames += frames_from_video(path, fps=rate, start=round(opens * fps), stop=round(closes * fps))
    return frames


def _summary(results: dict[str, list[str]]) -> tuple[int, int, Counter]:
    refused = [reasons for reasons in results.values() if reasons]
    return len(refused), len(results), Counter(reason for reasons in refused for reason in reasons)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, help="a checkout of the code to compare with")
    parser.add_argument("--json", action="store_true", help="print the reasons per task as JSON")
    parser.add_argument("--code", type=Path, default=ROOT, help="the checkout whose webcam_flow decides")
    parser.add_argument(
        "--blink-fps", type=float, default=BLINK_FPS, help="frames a second in a blink's slot (old page: 10)"
    )
    args = parser.parse_args()
    sys.path.insert(0, str(args.code.resolve()))  # never the installed package of another checkout
    tasks = fair_tasks()
    if args.json:
        print(json.dumps(decide(tasks, args.blink_fps)))
        return 0
    before = None
    if args.before:
        command = [
            sys.executable,
            __file__,
            "--json",
            "--code",
            str(args.before.resolve()),
            "--blink-fps",
            "10",
        ]
        output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
        before = json.loads(output.strip().splitlines()[-1])
    after = decide(tasks, args.blink_fps)
    width = max(len(t.name) for t in tasks)
    print(f"{'task':{width}}  {'before':28}  after")
    for task in tasks:
        old = ",".join(before[task.name]) or "passed" if before else ""
        new = ",".join(after[task.name]) or "passed"
        print(f"{task.name:{width}}  {old:28}  {new}")
    sizes = Counter(len(t.challenges) for t in tasks)
    counts = ", ".join(f"{n} of {k} movement(s)" for k, n in sorted(sizes.items()))
    print(f"\n{len(tasks)} fair tasks ({counts})")
    for label, results in (("before", before), ("after", after)):
        if results is None:
            continue
        refused, total, reasons = _summary(results)
        detail = ", ".join(f"{reason} {count}" for reason, count in reasons.most_common())
        share = f"{refused}/{total} refused ({100 * refused / total:.0f}%)"
        print(f"{label:6}: {share}{': ' + detail if detail else ''}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
