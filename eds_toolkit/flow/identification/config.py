"""The identification steps' limits and switches: attempts, liveness timing, upload bounds, the per-IIN
failure count, kept images. ``Settings.identify`` holds one; ``from_env`` reads the ``EDS_*`` variables."""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eds_toolkit.identify_archive import DEFAULT_KEEP_DAYS, IdentifyArchive
from eds_toolkit.settings import SettingsError
from webcam_flow.engines import ENGINE_KINDS, Bands, EngineUnavailable, FaceEngine, make_engine
from webcam_flow.errors import BadInput
from webcam_flow.liveness import Challenge, parse_challenges
from webcam_flow.match import DEFAULT_THRESHOLD


def _env_flag(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class IdentifyConfig:
    """Limits and switches of the identification steps (``from_env`` reads ``EDS_*`` variables)."""

    selfie_attempts: int = 3
    liveness_attempts: int = 3
    id_photo_attempts: int = 3
    liveness_ttl: float = 90.0  # seconds from handing out a task to receiving its frames
    seconds_per_challenge: float = 3.0  # how long the page records for each challenge
    # "I need more time" (WCAG 2.2.1): a citizen may ask for up to this many seconds per movement.
    max_seconds_per_challenge: float = 10.0
    fixed_challenges: tuple[Challenge, ...] | None = None  # test hook: the sequence every task asks
    # The colour challenge (webcam_flow.colour): the page lights the face with the task's random colours
    # and the skin must reflect them. Settings only (EDS_COLOUR_CHALLENGE=0), never a request.
    colour_challenge: bool = True
    # Keep every decision's input (selfie, video frames, ID photo) and verdict as files under archive_dir
    # for operators re-checking a disputed decision, for keep_days; off by default (nothing is kept).
    keep_images: bool = False
    keep_days: int = DEFAULT_KEEP_DAYS
    archive_dir: Path | None = None  # <home>/identify-archive, filled in by the app factory
    match_threshold: float = DEFAULT_THRESHOLD  # refuse above this distance (the engine's units)
    # accept at most this distance; between it and match_threshold an officer decides (None: the engine's
    # default, dlib 0.38; an ONNX model or an external service has none: set it from your measurements)
    match_accept_at_most: float | None = None
    # a referred face match waits this long for an officer (the enrolment lives on meanwhile), and an
    # accepted one this long more for the PIN step
    review_hours: float = 72.0
    face_engine: str = "dlib"  # dlib | onnx | http
    face_model: Path | None = None  # the ONNX model file (face_engine onnx)
    face_service_url: str | None = None  # the external biometric service (face_engine http)
    face_service_token: str | None = None
    max_image_bytes: int = 6_000_000
    max_image_pixels: int = 12_000_000  # a phone camera's 4000x3000 photo; decoded once per upload
    # The page sends 10 frames a second, more in a blink's slot (up to 25: an 80 ms blink falls between
    # frames at 10), within this budget: 3 movements of 3 s with one blink slot at 25 per second is 135.
    max_frames: int = 180
    max_frame_bytes: int = 200_000  # a 640x480 JPEG from the page is 30-80 KB
    # Video frames and selfie hints are camera grabs of at most 640 px wide; a header announcing more
    # than full HD is refused before decoding (a 6000x6000 PNG of one colour is only ~100 KB).
    max_frame_pixels: int = 1920 * 1080
    max_tasks: int = 10  # liveness tasks one enrolment may ask for
    # Failed identifications counted per IIN across enrolments: after this many within the window, the
    # IIN's next enrolments are sent to a service centre instead of getting fresh attempts.
    failures_per_iin: int = 2
    failure_window: float = 24 * 3600.0  # seconds
    # A resend of frames whose first request is still being decided waits this long for its verdict.
    replay_wait: float = 20.0  # seconds

    @property
    def max_upload_bytes(self) -> int:
        """The request body limit of the identification endpoints (frames plus form overhead)."""
        return max(self.max_image_bytes, self.max_frames * self.max_frame_bytes) + 256 * 1024

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> IdentifyConfig:
        """``EDS_LIVENESS_CHALLENGES=blink,open_mouth`` fixes the challenge sequence (tests only);
        ``EDS_IDENTIFY_KEEP_IMAGES=1`` keeps every decision's input (``EDS_IDENTIFY_KEEP_DAYS``, default 30);
        ``EDS_COLOUR_CHALLENGE=0`` turns the colour challenge off (on by default);
        ``EDS_IDENTIFY_ATTEMPTS``, ``EDS_LIVENESS_TTL``, ``EDS_LIVENESS_SECONDS_PER_CHALLENGE``,
        ``EDS_LIVENESS_MAX_SECONDS_PER_CHALLENGE``, ``EDS_FACE_MATCH_THRESHOLD`` (refuse above),
        ``EDS_FACE_ACCEPT_AT_MOST`` (accept at most; between: an officer reviews), the matcher
        ``EDS_FACE_ENGINE`` (dlib, onnx with ``EDS_FACE_MODEL``, http with ``EDS_FACE_SERVICE_URL`` and
        ``EDS_FACE_SERVICE_TOKEN``)."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        fixed = env.get("EDS_LIVENESS_CHALLENGES", "").strip()
        if fixed:
            try:
                values["fixed_challenges"] = parse_challenges(fixed.split(","))
            except BadInput as error:
                raise SettingsError(f"EDS_LIVENESS_CHALLENGES: {error}") from None
        values["keep_images"] = _env_flag(env.get("EDS_IDENTIFY_KEEP_IMAGES"))
        if env.get("EDS_COLOUR_CHALLENGE", "").strip():
            values["colour_challenge"] = _env_flag(env["EDS_COLOUR_CHALLENGE"])
        numbers: dict[str, tuple[str, type]] = {
            "EDS_LIVENESS_TTL": ("liveness_ttl", float),
            "EDS_LIVENESS_SECONDS_PER_CHALLENGE": ("seconds_per_challenge", float),
            "EDS_LIVENESS_MAX_SECONDS_PER_CHALLENGE": ("max_seconds_per_challenge", float),
            "EDS_FACE_MATCH_THRESHOLD": ("match_threshold", float),
            "EDS_FACE_ACCEPT_AT_MOST": ("match_accept_at_most", float),
            "EDS_FACE_REVIEW_HOURS": ("review_hours", float),
        }
        for name, (attribute, kind) in numbers.items():
            if env.get(name):
                try:
                    values[attribute] = kind(env[name])
                except ValueError:
                    raise SettingsError(f"{name} must be a number, got {env[name]!r}") from None
        values["face_engine"] = env.get("EDS_FACE_ENGINE", "").strip() or "dlib"
        if env.get("EDS_FACE_MODEL"):
            values["face_model"] = Path(env["EDS_FACE_MODEL"])
        values["face_service_url"] = env.get("EDS_FACE_SERVICE_URL") or None
        values["face_service_token"] = env.get("EDS_FACE_SERVICE_TOKEN") or None
        if env.get("EDS_IDENTIFY_KEEP_DAYS"):
            try:
                values["keep_days"] = int(env["EDS_IDENTIFY_KEEP_DAYS"])
            except ValueError:
                raise SettingsError("EDS_IDENTIFY_KEEP_DAYS must be a whole number of days") from None
        if env.get("EDS_IDENTIFY_ATTEMPTS"):
            try:
                attempts = int(env["EDS_IDENTIFY_ATTEMPTS"])
            except ValueError:
                raise SettingsError("EDS_IDENTIFY_ATTEMPTS must be a whole number") from None
            values.update(selfie_attempts=attempts, liveness_attempts=attempts, id_photo_attempts=attempts)
        return cls(**values)

    def __post_init__(self) -> None:
        """The same checks however the config is made (environment, Settings, tests), naming the variable."""
        if min(self.selfie_attempts, self.liveness_attempts, self.id_photo_attempts) < 1:
            raise SettingsError("EDS_IDENTIFY_ATTEMPTS must be at least 1")
        if not 0 < self.match_threshold < 2:
            raise SettingsError("EDS_FACE_MATCH_THRESHOLD must be between 0 and 2")
        if not 0 < self.seconds_per_challenge <= self.max_seconds_per_challenge:
            raise SettingsError(
                "EDS_LIVENESS_SECONDS_PER_CHALLENGE must be positive and at most "
                "EDS_LIVENESS_MAX_SECONDS_PER_CHALLENGE"
            )
        if self.keep_days < 1:
            raise SettingsError("EDS_IDENTIFY_KEEP_DAYS must be at least 1")
        if self.face_engine not in ENGINE_KINDS:
            raise SettingsError(
                f"EDS_FACE_ENGINE must be one of {', '.join(ENGINE_KINDS)}, got {self.face_engine!r}"
            )
        accept = self.match_accept_at_most
        if accept is not None and not 0 <= accept <= self.match_threshold:
            raise SettingsError("EDS_FACE_ACCEPT_AT_MOST must be between 0 and EDS_FACE_MATCH_THRESHOLD")
        engine = self.engine  # made now: a missing model file or a wrong model stops the start
        if accept is None and engine.default_bands is None:
            raise SettingsError(
                f"EDS_FACE_ENGINE={self.face_engine} needs EDS_FACE_ACCEPT_AT_MOST and "
                "EDS_FACE_MATCH_THRESHOLD"
                " measured for this model (benchmarks/identify_accuracy.py): there is no safe default"
            )

    @property
    def engine(self) -> FaceEngine:
        """The face-match engine (made once per process and setting; SettingsError when it cannot work)."""
        try:
            return _engine(self.face_engine, self.face_model, self.face_service_url, self.face_service_token)
        except EngineUnavailable as error:
            raise SettingsError(str(error)) from None

    @property
    def bands(self) -> Bands:
        """Accept / refer / refuse for the engine's distances."""
        accept = self.match_accept_at_most
        if accept is None:
            default = self.engine.default_bands
            assert default is not None  # __post_init__ refused an engine without bands
            accept = min(default.accept_at_most, self.match_threshold)
        return Bands(accept_at_most=accept, refuse_above=self.match_threshold)

    @property
    def archive(self) -> IdentifyArchive | None:
        """Where decisions' inputs are kept, or None when nothing is to be kept."""
        if not self.keep_images or self.archive_dir is None:
            return None
        return IdentifyArchive(self.archive_dir, self.keep_days)

    def slot_seconds(self, asked: float | None) -> float:
        """The seconds per movement of a new task: what the citizen asked for ("I need more time"), between
        the default and the maximum; the default when nothing (or nothing usable) was asked."""
        if asked is None or asked != asked:  # None or NaN
            return self.seconds_per_challenge
        return min(max(float(asked), self.seconds_per_challenge), self.max_seconds_per_challenge)

    def attempts_for(self, check: str) -> int:
        return {
            "selfie": self.selfie_attempts,
            "liveness": self.liveness_attempts,
            "face_match": self.id_photo_attempts,
        }[check]


@functools.lru_cache(maxsize=8)
def _engine(kind: str, model: Path | None, url: str | None, token: str | None) -> FaceEngine:
    return make_engine(kind, model_path=model, service_url=url, service_token=token)
