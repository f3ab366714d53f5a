"""The colour challenge: a random sequence of screen colours lights the face while the page records, and
the colour reflected on the skin must follow that sequence in time. A recording made before the task (a
replay, an animation made in advance) cannot know the sequence; see docs/identify.md for what it does not
stop (an attacker who reads the page and tints a live feed).

The face's colour is read as log-chromaticity of the cheeks, ``(log R/G, log B/G)``: under a screen's
light of colour S added to the room's light, a skin pixel of albedo ``a`` becomes ``a * (A + k S)``, so
its log-chromaticity moves by about ``k/A * (S_R - S_G, S_B - S_G)`` whatever the skin's own colour.
"""

from __future__ import annotations

import json
import math
import random
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from webcam_flow.errors import BadInput
from webcam_flow.tracking import Observation

# Saturated hues far apart in the (R-G, B-G) plane the check reads: red (1, 0), yellow (0, -1), green
# (-1, -1), cyan (-1, 0), blue (0, 1), magenta (1, 1).
PALETTE: dict[str, str] = {
    "red": "#ff0000",
    "yellow": "#ffff00",
    "green": "#00ff00",
    "cyan": "#00ffff",
    "blue": "#0000ff",
    "magenta": "#ff00ff",
}
# Each colour stays on the screen 0.6-1.0 s: the screen changes at most ~2 times a second, below
# WCAG 2.3.1's limit of three flashes in any one second (photosensitive seizures).
MIN_SECONDS = 0.6
MAX_SECONDS = 1.0
# The sequence covers the recording plus this: the page's timers slip and the frames may span the slots
# plus 1.5 s (liveness.SPAN_SLACK_S); past its end the last colour stays.
SLACK_SECONDS = 2.0
# The camera shows the screen's colour this much later than the page set it (display refresh, camera
# exposure and pipeline): 0 to 0.4 s, searched in steps of LAG_STEP_S.
MAX_LAG_S = 0.4
LAG_STEP_S = 0.05
# Thresholds, measured on the real videos of ../shared/testdata with a simulated reflection
# (tests/reflection.py; benchmarks/colour_challenge.py; docs/identify.md "The colour challenge"):
# - MIN_CORRELATION: the task's own sequence reflected at 3% gave 0.77-0.99 on the LivePortrait clips (9 s;
#   d13, the weakest, 0.71-0.77 at 2%); another random sequence (a recording made against another task)
#   reached at most 0.73 in 14,000 tries on 9 s recordings, and 0.75 or more in 14 of 24,000 (0.06%) on
#   6 s; a replay without reflection or the right sequence 3 s late: -0.23 to 0.41.
# - MIN_AMPLITUDE: the fitted reflection's RMS in log-chromaticity (~ the relative change of the skin's
#   chroma); a 0.5% reflection fits 0.002-0.004, too little to tell from the camera's noise.
# - SEEN_VARIATION: the face's colour varied this much (RMS, slow drift removed) without following the
#   sequence: something else lights it (another screen, a recording's own light): colour_mismatch, an
#   attack signal, rather than a reflection too weak to see (colour_not_seen). Replays without reflection
#   measure 0.0017-0.0067 on the calm clips, 0.011 on d13, 0.016-0.026 under Hamilton's stage lights.
MIN_CORRELATION = 0.75
MIN_AMPLITUDE = 0.004
SEEN_VARIATION = 0.008
MIN_FRAMES = 10
# A recording this short shows too few colours for the correlation to mean anything: on 3 s (4-5
# colours) another random sequence reached the threshold 2% of the time. The service's shortest task is
# 2 movements x 3 s.
MIN_SPAN_S = 5.0
# Slow drifts (the camera's white balance and exposure, a head turning out of the light) are removed by
# subtracting a moving average over this window, from the measured and the expected colour alike.
DETREND_S = 2.0
# The cheeks: polygons of landmarks (jaw, nose, lower eyelid, mouth corner), shrunk toward their centre so
# neither the background nor the beard line is read.
_CHEEKS = ((1, 2, 3, 4, 48, 31, 40, 41), (15, 14, 13, 12, 54, 35, 47, 46))
_CHEEK_SHRINK = 0.6


@dataclass(frozen=True)
class ColourSequence:
    """Screen colours (names of :data:`PALETTE`) and how long each is shown, from the first frame on."""

    colours: tuple[str, ...]
    seconds: tuple[float, ...]

    def __post_init__(self) -> None:
        if not self.colours or len(self.colours) != len(self.seconds):
            raise ValueError("a colour sequence needs one duration per colour")
        if any(c not in PALETTE for c in self.colours):
            raise ValueError(f"colours must be among {', '.join(PALETTE)}")
        if any(a == b for a, b in zip(self.colours, self.colours[1:], strict=False)):
            raise ValueError("consecutive colours must differ")
        if any(not MIN_SECONDS <= s <= MAX_SECONDS for s in self.seconds):
            raise ValueError(f"each colour lasts {MIN_SECONDS}-{MAX_SECONDS} s")

    @property
    def total_seconds(self) -> float:
        return float(sum(self.seconds))

    def colour_at(self, t: float) -> str:
        """The colour shown ``t`` seconds after the first frame (the first before it, the last after)."""
        end = 0.0
        for colour, seconds in zip(self.colours, self.seconds, strict=True):
            end += seconds
            if t < end:
                return colour
        return self.colours[-1]

    def to_text(self) -> str:
        """Compact text for the database: ``red/0.72,green/0.91,...``."""
        return ",".join(f"{c}/{s:.2f}" for c, s in zip(self.colours, self.seconds, strict=True))

    @classmethod
    def from_text(cls, text: str) -> ColourSequence:
        try:
            pairs = [item.split("/") for item in text.split(",")]
            return cls(tuple(c for c, _ in pairs), tuple(float(s) for _, s in pairs))
        except ValueError as error:
            raise BadInput(f"not a colour sequence: {text[:80]!r} ({error})") from None

    def to_json(self) -> list[dict[str, object]]:
        """What the page shows: each colour as RGB hex and its duration in seconds, in order."""
        return [
            {"name": c, "rgb": PALETTE[c], "seconds": s}
            for c, s in zip(self.colours, self.seconds, strict=True)
        ]

    @classmethod
    def from_json(cls, data: str | list[dict[str, object]]) -> ColourSequence:
        items = json.loads(data) if isinstance(data, str) else data
        return cls(tuple(str(i["name"]) for i in items), tuple(float(i["seconds"]) for i in items))  # type: ignore[arg-type]


def new_sequence(total_seconds: float, rng: random.Random | None = None) -> ColourSequence:
    """Random colours, each 0.6-1.0 s and different from the one before, covering ``total_seconds``
    plus :data:`SLACK_SECONDS`."""
    rng = rng if rng is not None else secrets.SystemRandom()
    colours: list[str] = []
    seconds: list[float] = []
    while sum(seconds) < total_seconds + SLACK_SECONDS:
        colours.append(rng.choice([c for c in PALETTE if not colours or c != colours[-1]]))
        seconds.append(round(rng.uniform(MIN_SECONDS, MAX_SECONDS), 2))
    return ColourSequence(tuple(colours), tuple(seconds))


def _rgb(name: str) -> np.ndarray:
    value = PALETTE[name].lstrip("#")
    return np.array([int(value[i : i + 2], 16) / 255 for i in (0, 2, 4)])


def expected_chroma(sequence: ColourSequence, times: Sequence[float]) -> np.ndarray:
    """The screen colour's (R-G, B-G) at each time (seconds after the first frame), shape (n, 2)."""
    rgb = np.array([_rgb(sequence.colour_at(t)) for t in times]).reshape(-1, 3)
    return np.stack([rgb[:, 0] - rgb[:, 1], rgb[:, 2] - rgb[:, 1]], axis=1)


def skin_colour(image: np.ndarray, points: np.ndarray) -> np.ndarray | None:
    """Mean RGB of both cheeks (unclipped pixels only), or None when too little skin is visible."""
    height, width = image.shape[:2]
    cheeks = points[np.array(_CHEEKS)].astype(np.float64)
    centres = cheeks.mean(axis=1, keepdims=True)
    polygons = np.round(centres + _CHEEK_SHRINK * (cheeks - centres)).astype(np.int32)
    x0, y0 = np.clip(polygons.min(axis=(0, 1)), 0, [width - 1, height - 1])
    x1, y1 = np.clip(polygons.max(axis=(0, 1)) + 1, 1, [width, height])
    if x1 <= x0 or y1 <= y0:
        return None
    crop = image[y0:y1, x0:x1]
    mask = np.zeros(crop.shape[:2], np.uint8)
    cv2.fillPoly(mask, list(polygons - np.array([x0, y0], np.int32)), 255)
    usable = cv2.bitwise_and(mask, cv2.inRange(crop, (9, 9, 9), (249, 249, 249)))  # no channel clipped
    count = cv2.countNonZero(usable)
    if count < 30:
        return None
    # sums of whole numbers are exact: the same mean as averaging the pixels as floats
    return np.array(cv2.sumElems(cv2.bitwise_and(crop, crop, mask=usable))[:3]) / count


def _detrending(times: np.ndarray) -> np.ndarray:
    """The matrix that subtracts from each frame's value the mean over :data:`DETREND_S` around it."""
    near = (np.abs(times[:, None] - times[None, :]) <= DETREND_S / 2).astype(np.float64)
    return np.eye(len(times)) - near / near.sum(axis=1, keepdims=True)


def face_chroma(
    observations: Sequence[Observation], images: Sequence[np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """The frames' times (seconds after the first frame) and the cheeks' ``(log R/G, log B/G)``, for the
    frames where the face's cheeks are visible."""
    start = observations[0].t if observations else 0.0
    times, chroma = [], []
    for obs in observations:
        if obs.face is None or obs.points is None:
            continue
        mean = skin_colour(images[obs.index], obs.points)
        if mean is None:
            continue
        times.append(obs.t - start)
        chroma.append([math.log(mean[0] / mean[1]), math.log(mean[2] / mean[1])])
    return np.array(times), np.array(chroma).reshape(-1, 2)


def colour_response(
    observations: Sequence[Observation], images: Sequence[np.ndarray], sequence: ColourSequence
) -> tuple[list[str], dict[str, float]]:
    """Did the skin's colour follow ``sequence``? Reasons ``colour_mismatch`` (it varied, but not with the
    screen: a recording or another light) or ``colour_not_seen`` (no reflection measurable: a quality
    problem); scores ``colour_correlation``, ``colour_amplitude``, ``colour_lag_s``, ``colour_variation``."""
    return chroma_response(*face_chroma(observations, images), sequence)


def chroma_response(
    times: np.ndarray, chroma: np.ndarray, sequence: ColourSequence
) -> tuple[list[str], dict[str, float]]:
    """:func:`colour_response` on measured chromaticities (:func:`face_chroma`)."""
    scores: dict[str, float] = {"colour_frames": len(times)}
    if len(times) < MIN_FRAMES or times[-1] - times[0] < MIN_SPAN_S:
        return ["colour_not_seen"], scores
    detrend = _detrending(times)
    measured = (detrend @ chroma).ravel()
    variation = float(np.sqrt(np.mean(measured**2)))
    best = (-math.inf, 0.0, 0.0)  # correlation, amplitude, lag
    for lag in np.arange(0.0, MAX_LAG_S + 1e-9, LAG_STEP_S):
        expected = (detrend @ expected_chroma(sequence, times - lag)).ravel()
        power = float(expected @ expected)
        if power <= 1e-12:
            continue
        gain = float(measured @ expected) / power
        correlation = float(measured @ expected) / math.sqrt(power * float(measured @ measured) + 1e-18)
        if correlation > best[0]:
            best = (correlation, gain * math.sqrt(power / len(measured)), float(lag))
    correlation, amplitude, lag = best
    scores.update(
        colour_correlation=correlation if math.isfinite(correlation) else 0.0,
        colour_amplitude=amplitude,
        colour_lag_s=lag,
        colour_variation=variation,
    )
    if correlation >= MIN_CORRELATION and amplitude >= MIN_AMPLITUDE:
        return [], scores
    if variation >= SEEN_VARIATION:
        return ["colour_mismatch"], scores
    return ["colour_not_seen"], scores
