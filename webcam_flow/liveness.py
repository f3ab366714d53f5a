"""Active, randomised liveness: the server asks for two or three movements in a random order
with a one-time nonce and a deadline; the frames the page sends must show them, in order,
by one live face, with no cut.

Direction convention: ``turn_left`` means the citizen turns their head to THEIR left. The page
must send the camera's frames as captured (not mirrored): the nose then moves toward the
image's RIGHT. ``turn_right`` is the opposite. (A mirrored preview on screen is fine; only the
frames sent must not be flipped.)
"""

from __future__ import annotations

import hmac
import math
import random
import secrets
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

import numpy as np

from webcam_flow.colour import ColourSequence, colour_response, new_sequence
from webcam_flow.errors import BadInput
from webcam_flow.images import ensure_rgb
from webcam_flow.injection import camera_reasons, timing_reasons
from webcam_flow.match import sampled_template, video_template
from webcam_flow.movements import find_movements
from webcam_flow.parallax import parallax_scores
from webcam_flow.passive import passive_reasons
from webcam_flow.tracking import FRONTAL_FOR_ENCODING, Observation, track
from webcam_flow.turn_texture import turn_texture_scores
from webcam_flow.verdict import Verdict
from webcam_flow.video import Frame, fit_width

MIN_FRAMES = 5
MAX_FRAMES = 300
MAX_WIDTH = 640
# More than this share of frames without the face: the face left the picture.
MAX_MISSING_SHARE = 0.2
# What counts as a movement (turn, open mouth, blink) is webcam_flow.movements'.
# The schedule (when the page says how long each challenge is shown): challenge k is on the screen
# from k * seconds_per_challenge after the first frame. Its movement must start no earlier than
# SLOT_EARLY_S before that (the prompt and the frame clock differ by a timer tick or two, and a head
# already moving at the prompt; the Hamilton clip's left turn starts 0.6 s before a 3 s boundary) and
# be seen no later than SLOT_LATE_S after the slot ends (a movement begun at the end of its slot).
SLOT_EARLY_S = 0.75
SLOT_LATE_S = 1.0
# The page records the slots back to back; its timers fire up to ~0.1 s late per slot. A recording
# longer than the slots plus this is not the page's recording of this task.
SPAN_SLACK_S = 1.5
# Blinks are involuntary: a blink before its slot is normal, so a blink only has to happen inside its
# slot, and a blink not seen there is "not seen", never "wrong order". A deliberate movement (a clear turn,
# a wide held opening of the mouth) must not happen before its slot: a replayed recording that shows every
# movement would otherwise answer any order. Glances, talking and laughing are not deliberate movements.
INVOLUNTARY = frozenset({"blink"})


class Challenge(StrEnum):
    """A movement the citizen is asked to make."""

    BLINK = "blink"
    TURN_LEFT = "turn_left"
    TURN_RIGHT = "turn_right"
    OPEN_MOUTH = "open_mouth"


@dataclass(frozen=True)
class LivenessTask:
    """What the server asked for: a one-time nonce, the challenges in order, and when; ``colours``: the
    screen colours the page lights the face with while it records (None: no colour challenge)."""

    nonce: str
    challenges: tuple[Challenge, ...]
    issued_at: float
    deadline: float
    colours: ColourSequence | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "nonce": self.nonce,
            "challenges": [str(c) for c in self.challenges],
            "issued_at": self.issued_at,
            "deadline": self.deadline,
            "colours": self.colours.to_json() if self.colours else None,
        }


class NonceRegistry(Protocol):
    """Remembers used nonces; the service backs it with its database."""

    def consume(self, nonce: str) -> bool:
        """True the first time ``nonce`` is consumed, False ever after."""
        ...


@dataclass
class MemoryNonceRegistry:
    """A thread-safe in-process :class:`NonceRegistry` (CLI, tests, a single worker)."""

    _used: set[str] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def consume(self, nonce: str) -> bool:
        with self._lock:
            if nonce in self._used:
                return False
            self._used.add(nonce)
            return True


def new_task(
    *,
    rng: random.Random | None = None,
    now: float,
    ttl: float = 60,
    count: int | None = None,
    colour_seconds_per_challenge: float | None = None,
) -> LivenessTask:
    """A random task: ``count`` (default 2 or 3) distinct challenges in random order, a 128-bit nonce;
    with ``colour_seconds_per_challenge``, a colour sequence covering a recording of that many seconds per
    challenge (:func:`~webcam_flow.colour.new_sequence`)."""
    rng = rng if rng is not None else secrets.SystemRandom()
    if count is None:
        count = rng.choice((2, 3))
    if not 1 <= count <= len(Challenge):
        raise ValueError(f"count must be between 1 and {len(Challenge)}")
    if ttl <= 0:
        raise ValueError("ttl must be positive")
    challenges = tuple(rng.sample(list(Challenge), count))
    nonce = f"{rng.getrandbits(128):032x}"
    colours = None
    if colour_seconds_per_challenge is not None:
        colours = new_sequence(count * colour_seconds_per_challenge, rng)
    return LivenessTask(
        nonce=nonce, challenges=challenges, issued_at=now, deadline=now + ttl, colours=colours
    )


def parse_challenges(values: Sequence[str | Challenge]) -> tuple[Challenge, ...]:
    """Challenges from their names; unknown or repeated names are bad input."""
    try:
        parsed = tuple(Challenge(str(v).strip()) for v in values)
    except ValueError as exc:
        names = ", ".join(c.value for c in Challenge)
        raise BadInput(f"unknown challenge in {list(map(str, values))}; use: {names}") from exc
    if not parsed:
        raise BadInput("at least one challenge is needed")
    if len(set(parsed)) != len(parsed):
        raise BadInput("a challenge may be asked only once per task")
    return parsed


def challenge_reasons(
    observations: Sequence[Observation],
    challenges: Sequence[Challenge],
    *,
    seconds_per_challenge: float | None = None,
) -> tuple[list[str], dict[str, float]]:
    """Each challenge must be seen (:func:`~webcam_flow.movements.find_movements`) after the previous one.

    With ``seconds_per_challenge`` the page's schedule is checked too: challenge k must be seen in its
    own slot (see :data:`SLOT_EARLY_S`), a deliberate movement of its kind must not come before the slot
    (``wrong_order``), and the frames may span no more than the slots (``video_too_long``). A blink not
    seen in its slot is ``challenge_missing:blink``.
    """
    neutral, movements = find_movements(observations)
    reasons: list[str] = []
    scores: dict[str, float] = {"yaw_neutral_deg": neutral.yaw_deg}
    start = observations[0].t if observations else 0.0
    after = -math.inf
    for k, challenge in enumerate(challenges):
        kind = challenge.value
        candidates = [m for m in movements if m.kind == kind and m.seen_t > after]
        if seconds_per_challenge is None:
            seen = candidates[0] if candidates else None
            early = None
        else:
            opens = start + k * seconds_per_challenge - SLOT_EARLY_S
            closes = start + (k + 1) * seconds_per_challenge + SLOT_LATE_S
            scores[f"{kind}_slot_s"] = k * seconds_per_challenge
            # Counted from the previous challenge's movement, as the citizen lives it: what they did
            # before that answered an earlier instruction (d18 opens the mouth wide at 2.1 s, blinks
            # at 3.2 s, opens it again at 3.75 s: blink then open mouth is what they did).
            early = next((m for m in candidates if m.seen_t < opens and m.deliberate), None)
            if kind in INVOLUNTARY:
                early = None
            seen = next((m for m in candidates if opens <= m.seen_t <= closes), None)
            if early is None and seen is None and kind not in INVOLUNTARY:
                early = next((m for m in candidates if m.seen_t > closes and m.deliberate), None)
        if early is not None:
            scores[f"{kind}_at_s"] = early.seen_t
            reasons.append("wrong_order")
            after = early.seen_t
        elif seen is not None:
            scores[f"{kind}_at_s"] = seen.seen_t
            if kind.startswith("turn_"):
                scores[f"{kind}_deg"] = seen.amplitude
            after = seen.seen_t
        elif kind not in INVOLUNTARY and any(m.kind == kind and m.deliberate for m in movements):
            reasons.append("wrong_order")
        else:
            reasons.append(f"challenge_missing:{kind}")
    if seconds_per_challenge is not None and observations:
        span = observations[-1].t - start
        scores["span_s"] = span
        if span > len(challenges) * seconds_per_challenge + SPAN_SLACK_S:
            reasons.append("video_too_long")
    return list(dict.fromkeys(reasons)), scores


def _validated_images(frames: Sequence[Frame]) -> tuple[list[np.ndarray], list[float]]:
    if len(frames) > MAX_FRAMES:
        raise BadInput(f"{len(frames)} frames sent; at most {MAX_FRAMES} are accepted")
    images, times = [], []
    for frame in frames:
        if not isinstance(frame, Frame):
            raise BadInput("expected a sequence of Frame(t, image)")
        images.append(fit_width(ensure_rgb(frame.image), MAX_WIDTH))
        times.append(float(frame.t))
    if any(b <= a for a, b in zip(times, times[1:], strict=False)):
        raise BadInput("frame times must increase: send the frames in the order they were captured")
    return images, times


def check_liveness(
    frames: Sequence[Frame],
    challenges: Sequence[Challenge | str],
    *,
    reference_encoding: np.ndarray | None = None,
    naive: bool = False,
    seconds_per_challenge: float | None = None,
    colours: ColourSequence | None = None,
    camera: str | None = None,
) -> Verdict:
    """Did one live face make the asked movements in order? ``reference_encoding`` (e.g. the
    selfie's) must then be the same face. ``seconds_per_challenge``: the page's schedule, checked when
    given (see :func:`challenge_reasons`). ``colours``: the screen colours shown from the first frame on,
    which the skin must reflect (:func:`~webcam_flow.colour.colour_response`); None: not checked.
    ``camera``: the camera's name as the page read it (:func:`~webcam_flow.injection.camera_reasons`).
    ``naive=True`` is the slow reference path."""
    return liveness_and_probes(
        frames,
        challenges,
        reference_encoding=reference_encoding,
        naive=naive,
        seconds_per_challenge=seconds_per_challenge,
        colours=colours,
        camera=camera,
    )[0]


def liveness_and_probes(
    frames: Sequence[Frame],
    challenges: Sequence[Challenge | str],
    *,
    reference_encoding: np.ndarray | None = None,
    naive: bool = False,
    seconds_per_challenge: float | None = None,
    colours: ColourSequence | None = None,
    camera: str | None = None,
) -> tuple[Verdict, list[np.ndarray]]:
    """:func:`check_liveness` plus the encodings of the roughly frontal frames it computed, so
    the face match can use the video without encoding its frames again."""
    asked = parse_challenges(challenges)
    images, times = _validated_images(frames)
    scores: dict[str, float] = {"frames": len(images)}
    if len(images) < MIN_FRAMES:
        return Verdict.decide("liveness", ["too_few_frames"], scores), []
    # Cheap signs of an injected video (webcam_flow.injection): a virtual camera, frame times no page makes.
    camera_found, camera_scores = camera_reasons(camera)
    timing_found, timing_scores = timing_reasons(times)
    scores.update(camera_scores, **timing_scores)
    if camera_found or timing_found:  # not a camera's recording: nothing more to spend on it
        return Verdict.decide("liveness", camera_found + timing_found, scores), []
    observations = track(images, times, naive=naive)
    with_face = [o for o in observations if o.face is not None]
    scores["frames_with_face"] = len(with_face)
    if not with_face:
        return Verdict.decide("liveness", ["no_face"], scores), []
    reasons: list[str] = []
    missing_share = 1 - len(with_face) / len(observations)
    if missing_share > MAX_MISSING_SHARE:
        reasons.append("face_lost")
    found, timing = challenge_reasons(observations, asked, seconds_per_challenge=seconds_per_challenge)
    passive, passive_scores = passive_reasons(observations, reference_encoding)
    reasons += passive + found
    if colours is not None:
        colour, colour_scores = colour_response(observations, images, colours)
        reasons += colour
        scores.update(colour_scores)
    # Only asked turns are measured; kept for data collection, it refuses nothing (webcam_flow.turn_texture).
    texture = turn_texture_scores(images, observations, [c.value for c in asked])
    scores.update(
        missing_share=missing_share,
        ear_median=float(np.median([o.ear for o in with_face])),
        ear_min=min(o.ear for o in with_face),
        yaw_min_deg=min(o.yaw_deg for o in with_face),
        yaw_max_deg=max(o.yaw_deg for o in with_face),
        mouth_max=max(o.mouth for o in with_face),
        **timing,
        **passive_scores,
        **parallax_scores(observations, [c.value for c in asked]),
        **texture,
    )
    probes = [
        o.encoding for o in observations if o.encoding is not None and abs(o.yaw) <= FRONTAL_FOR_ENCODING
    ]
    return Verdict.decide("liveness", reasons, scores), probes


def check_task(
    task: LivenessTask | None,
    nonce: str,
    frames: Sequence[Frame],
    *,
    now: float,
    registry: NonceRegistry,
    reference_encoding: np.ndarray | None = None,
    seconds_per_challenge: float | None = None,
    newest: bool = True,
    camera: str | None = None,
) -> Verdict:
    """The nonce must be this task's (``task`` None: no task was handed out with it), of the newest task
    handed out (``newest``; a service closes older ones), unused and inside the deadline; then
    :func:`check_liveness` (on the page's schedule when ``seconds_per_challenge`` is given, with the
    task's colour challenge when it has one).

    The nonce is consumed on the first attempt whatever the outcome, so a refused attempt
    cannot be replayed either.
    """
    return _task_and_probes(
        task, nonce, frames, now, registry, reference_encoding, seconds_per_challenge, newest, camera
    )[0]


def _task_and_probes(
    task: LivenessTask | None,
    nonce: str,
    frames: Sequence[Frame],
    now: float,
    registry: NonceRegistry,
    reference_encoding: np.ndarray | None,
    seconds_per_challenge: float | None,
    newest: bool,
    camera: str | None = None,
) -> tuple[Verdict, list[np.ndarray]]:
    """:func:`check_task` and the encodings of the frontal frames its liveness check computed."""
    if task is None:
        return Verdict.decide("liveness", ["nonce_mismatch"], {}), []
    scores = {"age_s": now - task.issued_at}
    if not isinstance(nonce, str) or not hmac.compare_digest(nonce.encode(), task.nonce.encode()):
        return Verdict.decide("liveness", ["nonce_mismatch"], scores), []
    if not newest:
        return Verdict.decide("liveness", ["nonce_superseded"], {}), []
    reasons = []
    if not registry.consume(task.nonce):
        reasons.append("nonce_reused")
    if now > task.deadline:
        reasons.append("nonce_expired")
    if reasons:
        return Verdict.decide("liveness", reasons, scores), []
    verdict, probes = liveness_and_probes(
        frames,
        task.challenges,
        reference_encoding=reference_encoding,
        seconds_per_challenge=seconds_per_challenge,
        colours=task.colours,
        camera=camera,
    )
    return Verdict.decide("liveness", list(verdict.reasons), {**scores, **verdict.scores}), probes


def check_task_and_template(
    task: LivenessTask | None,
    nonce: str,
    frames: Sequence[Frame],
    *,
    now: float,
    registry: NonceRegistry,
    reference_encoding: np.ndarray | None = None,
    seconds_per_challenge: float | None = None,
    newest: bool = True,
    camera: str | None = None,
) -> tuple[Verdict, np.ndarray | None]:
    """:func:`check_task`, and for a passed video the template a face match compares it as: the mean of
    the frontal frames' encodings the liveness check already computed (evenly spaced over the video; no
    frame is encoded twice), else :func:`~webcam_flow.match.sampled_template` over all frames. A video that
    passed without ever showing the face from the front is refused (``no_frontal_face``): a face match
    must not rest on the selfie alone."""
    verdict, probes = _task_and_probes(
        task, nonce, frames, now, registry, reference_encoding, seconds_per_challenge, newest, camera
    )
    if not verdict.ok:
        return verdict, None
    template = video_template(probes) if probes else sampled_template(frames)
    if template is None:
        return Verdict.decide("liveness", ["no_frontal_face"], verdict.scores), None
    return verdict, template
