"""3D consistency of head turns: a turning head shows parallax, a flat photo warped in 2D does not.

When a head turns by yaw θ, each point moves sideways in proportion to its depth: the nose tip (about
37 mm in front of the eye corners) moves about twice as far as the nose bridge between the eyes (about
17 mm in front). A photo animated with 2D warps (one half of the face compressed, the other stretched,
the nose moved) moves the bridge and the tip together: the photo has no depth.

Score of a turn (:func:`turn_parallax`), measured along the eye line from the eye corners' centre, between
the person's neutral frames and the turn's peak frames:

    parallax = (shift of the nose tip - shift of the nose bridge) / shift of the nose tip

A rigid generic head (webcam_flow.pose's model) gives (37 - 17) / (37 + 3) = 0.49 whatever the yaw, the
distance to the camera or the face's size; the landmarks a 2D warp moves (tests/attacks.py) give 0.

**It does not separate them on dlib's landmarks, so it refuses nothing.** dlib's predictor re-fits a shape
it learnt from real 3D faces to every frame: on a warped photo it puts the nose bridge where a real turned
head would have it. Measured (docs/identify.md): the Hamilton clip's real turns 0.24-0.50; animated photos
0.29-0.47 (36 turns, 18 attacks). The score is reported in the verdict (``parallax_<turn>``) so real
enrolments can show whether another landmark model or an image-based measure separates them.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from webcam_flow.movements import TURN_MIN_DEG, TURN_RETURN_DEG, Neutral, find_movements
from webcam_flow.tracking import Observation

# Frames counted as the neutral: within this many degrees of the person's neutral yaw.
NEUTRAL_WITHIN_DEG = 5.0
# Frames counted as a turn's peak: at least this share of the turn's amplitude (and TURN_MIN_DEG).
PEAK_SHARE = 0.75

_EYE_CORNERS = [36, 39, 42, 45]
_NOSE_TIP = 30
_NOSE_BRIDGE = [27, 28]


def nose_offsets(points: np.ndarray) -> tuple[float, float]:
    """(nose tip, nose bridge) along the eye line from the eye corners' centre, in pixels."""
    origin = points[_EYE_CORNERS].mean(axis=0)
    across = points[[42, 45]].mean(axis=0) - points[[36, 39]].mean(axis=0)
    across /= np.linalg.norm(across) + 1e-9
    tip = float((points[_NOSE_TIP] - origin) @ across)
    bridge = float((points[_NOSE_BRIDGE].mean(axis=0) - origin) @ across)
    return tip, bridge


def turn_parallax(neutral: Sequence[np.ndarray], peak: Sequence[np.ndarray]) -> float:
    """How much further the nose tip moved than the bridge, over the tip's move (see the module)."""
    (tip0, bridge0), (tip1, bridge1) = (
        np.median([nose_offsets(p) for p in frames], axis=0) for frames in (neutral, peak)
    )
    tip_shift = tip1 - tip0
    if abs(tip_shift) < 1e-6:
        return 0.0
    return float((tip_shift - (bridge1 - bridge0)) / tip_shift)


def _excursion(observations: Sequence[Observation], neutral: Neutral, sign: float, seen_t: float) -> list:
    """The frames of the turn first seen in full at ``seen_t``, until the head is back near neutral."""
    frames = []
    for obs in observations:
        if obs.points is None or not np.isfinite(obs.yaw_deg) or obs.t < seen_t:
            continue
        if sign * (obs.yaw_deg - neutral.yaw_deg) < TURN_RETURN_DEG:
            break
        frames.append(obs)
    return frames


def parallax_scores(observations: Sequence[Observation], asked: Sequence[str]) -> dict[str, float]:
    """``parallax_<turn>`` for each asked turn found (the smallest of that kind's turns)."""
    neutral, movements = find_movements(observations)
    at_rest = [
        o.points
        for o in observations
        if o.points is not None and abs(o.yaw_deg - neutral.yaw_deg) <= NEUTRAL_WITHIN_DEG
    ]
    scores: dict[str, float] = {}
    for movement in movements:
        if movement.kind not in asked or not movement.kind.startswith("turn_") or not at_rest:
            continue
        sign = 1.0 if movement.kind == "turn_left" else -1.0
        turn = _excursion(observations, neutral, sign, movement.seen_t)
        least = max(TURN_MIN_DEG, PEAK_SHARE * movement.amplitude)
        peak = [o.points for o in turn if sign * (o.yaw_deg - neutral.yaw_deg) >= least]
        if not peak:
            continue
        score = turn_parallax(at_rest, peak)
        key = f"parallax_{movement.kind}"
        scores[key] = min(score, scores.get(key, score))
    return scores
