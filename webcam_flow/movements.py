"""Movements read off a clip: clear, deliberate excursions from the person's own neutral pose.

A threshold crossing in one frame is not a movement: a glance, a laugh, a word sung with the mouth
open and a blink between two frames all cross some threshold now and then. A movement here is an
excursion away from the person's neutral (for the head: where it rests near facing the camera; for the
mouth: its closed rest; for the eyes: their median opening) that is large enough and lasts long enough;
its time is the first frame at full amplitude.

- **Turns**: head yaw in degrees (:mod:`webcam_flow.pose`) at least :data:`TURN_MIN_DEG` from the
  neutral yaw, held for :data:`TURN_MIN_HOLD_S`. Only these count, in its slot and out of it.
- **Open mouth**: an inner-lip gap of at least :data:`OPEN_MOUTH_MIN` mouth widths, well above the
  person's own (talking) level, counts inside its slot. Before its slot only a *deliberate* opening
  counts against the citizen (wide and held, :data:`DELIBERATE_MOUTH_MIN`): talking and laughing do not.
- **Blinks**: the eye aspect ratio below both :data:`BLINK_MAX_EAR` and :data:`BLINK_MAX_SHARE_OF_MEDIAN`
  of the person's median, in any frame. Blinks are involuntary: never held against the citizen.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from webcam_flow.tracking import Observation

# Turns, measured with webcam_flow.pose on ../shared/testdata: Lin-Manuel Miranda's turns in the Hamilton
# clip reach 20-30 degrees from his neutral and stay there 0.3-1 s (his second left turn only 16 degrees,
# 12-20 from his neutral depending on the window: the marginal case); the talking heads who do not turn
# stay within 8 degrees of theirs (d19's glances 6-7; d6's largest landmark jump, 24 for one frame at
# 30 fps, is dropped by the hold time). 15 keeps a 10-degree glance out with room for the pose's noise
# (about 2 degrees). The yaw index this replaces read 0.25 for 10 to 18 degrees across people.
TURN_MIN_DEG = 15.0
TURN_MIN_HOLD_S = 0.1  # two frames at the page's 10 per second
# A turn lasts until the head is back within this many degrees of neutral: a turn that wavers at its far
# end (Hamilton's dips from 24 to 14 degrees and back) is one movement, not two.
TURN_RETURN_DEG = 8.0
# The neutral yaw is the median of the frames within this many degrees of facing the camera (neutral_yaw).
NEUTRAL_BAND_DEG = 8.0
# Blink: as measured before (d18 blinks 0.14-0.17 against a median of 0.29; d19 0.07-0.16 against 0.25;
# Hamilton, no blink, never below 0.28 = 0.7 of his median 0.40).
BLINK_MAX_EAR = 0.2
BLINK_MAX_SHARE_OF_MEDIAN = 0.7
# Open mouth inside its slot: the gap over the mouth's width (Hamilton sings 0.31-0.42, d18 opens
# 0.65-0.71; talking and laughing, d0 d13 d19 d20, stay at 0.35 or below), and at least this much above
# the person's resting opening.
OPEN_MOUTH_MIN = 0.3
OPEN_MOUTH_ABOVE_NEUTRAL = 0.1
# The mouth's rest is a low percentile of the clip, not its median: d18 holds the mouth open for 70% of
# some stretches. A still photo with the mouth open (the d18 person's) therefore never opens it.
MOUTH_REST_PERCENTILE = 20
# A deliberate opening (what counts as out of order before the slot): wide and held (d18's 0.65-0.71 for 1 s).
DELIBERATE_MOUTH_MIN = 0.45
DELIBERATE_MOUTH_HOLD_S = 0.3


@dataclass(frozen=True)
class Movement:
    """One movement of the clip: what (a challenge's name), when first seen in full, how far."""

    kind: str
    seen_t: float
    amplitude: float
    deliberate: bool  # clear enough to hold against the citizen when it comes before its slot


@dataclass(frozen=True)
class Neutral:
    """The person's own resting pose in this clip."""

    yaw_deg: float
    mouth: float
    ear: float


def neutral_yaw(yaws: np.ndarray) -> float:
    """Where the head rests: the median of the frames within :data:`NEUTRAL_BAND_DEG` of facing the
    camera (of all frames when none is). Not the median of the whole clip: a turn held for half the
    clip would become the neutral, and the same turn would read differently depending on the window.
    Not iterated either: from a neutral moved toward a long-held turn, the next step moves further."""
    if not yaws.size:
        return 0.0
    near = yaws[np.abs(yaws) <= NEUTRAL_BAND_DEG]
    return float(np.median(near if near.size else yaws))


def neutral_pose(observations: Sequence[Observation]) -> Neutral:
    """The person's resting yaw (:func:`neutral_yaw`), resting mouth opening and median eye aspect ratio."""
    faces = [o for o in observations if o.face is not None]
    if not faces:
        return Neutral(0.0, 0.0, 0.0)
    yaw = neutral_yaw(np.array([o.yaw_deg for o in faces if np.isfinite(o.yaw_deg)]))
    return Neutral(
        yaw_deg=yaw,
        mouth=float(np.percentile([o.mouth for o in faces], MOUTH_REST_PERCENTILE)),
        ear=float(np.median([o.ear for o in faces])),
    )


def _runs(
    observations: Sequence[Observation], inside: Callable[[Observation], bool]
) -> list[list[Observation]]:
    """Maximal runs of consecutive face frames for which ``inside`` holds (frames without a face are
    skipped: a missed detection does not cut a movement in two; a face lost for long is ``face_lost``)."""
    runs: list[list[Observation]] = []
    current: list[Observation] = []
    for obs in observations:
        if obs.face is None:
            continue
        if inside(obs):
            current.append(obs)
        elif current:
            runs.append(current)
            current = []
    if current:
        runs.append(current)
    return runs


def _held(run: list[Observation], hold_s: float) -> bool:
    return len(run) >= 2 and run[-1].t - run[0].t >= hold_s - 1e-6


def _turns(observations: Sequence[Observation], neutral: Neutral) -> list[Movement]:
    found = []
    for kind, sign in (("turn_left", 1.0), ("turn_right", -1.0)):

        def away(o: Observation, sign: float = sign) -> float:
            return sign * (o.yaw_deg - neutral.yaw_deg)

        for excursion in _runs(observations, lambda o: away(o) >= TURN_RETURN_DEG):
            full = [
                part
                for part in _runs(excursion, lambda o: away(o) >= TURN_MIN_DEG)
                if _held(part, TURN_MIN_HOLD_S)
            ]
            if full:
                found.append(Movement(kind, full[0][0].t, max(away(o) for o in excursion), deliberate=True))
    return found


def _mouth(observations: Sequence[Observation], neutral: Neutral) -> list[Movement]:
    bar = max(OPEN_MOUTH_MIN, neutral.mouth + OPEN_MOUTH_ABOVE_NEUTRAL)
    found = []
    for run in _runs(observations, lambda o: o.mouth >= bar):
        wide = _runs(run, lambda o: o.mouth >= DELIBERATE_MOUTH_MIN)
        deliberate = any(_held(part, DELIBERATE_MOUTH_HOLD_S) for part in wide)
        found.append(Movement("open_mouth", run[0].t, max(o.mouth for o in run), deliberate))
    return found


def blink_threshold(neutral: Neutral) -> float:
    return min(BLINK_MAX_EAR, BLINK_MAX_SHARE_OF_MEDIAN * neutral.ear)


def _blinks(observations: Sequence[Observation], neutral: Neutral) -> list[Movement]:
    below = blink_threshold(neutral)
    return [
        Movement("blink", run[0].t, min(o.ear for o in run), deliberate=False)
        for run in _runs(observations, lambda o: o.ear < below)
    ]


def find_movements(observations: Sequence[Observation]) -> tuple[Neutral, list[Movement]]:
    """The person's neutral pose and every movement of the clip, in the order they were first seen."""
    neutral = neutral_pose(observations)
    found = _turns(observations, neutral) + _mouth(observations, neutral) + _blinks(observations, neutral)
    return neutral, sorted(found, key=lambda m: m.seen_t)
