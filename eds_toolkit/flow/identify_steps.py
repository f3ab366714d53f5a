"""Step 4 (remote identification) as three step functions shared by the pages and the JSON API.

selfie -> ``selfie_ok`` -> liveness task + video frames -> ``liveness_ok`` -> identity-card photo
-> ``face_matched``. Every decision is an audit event carrying the verdict (reasons and scores,
never an image). A negative decision counts as an attempt; when a check's attempts are used up
the enrolment fails and the citizen is sent to a service centre. Bad uploads are refused before
any decision and change nothing. Face encodings are kept only until the face match is decided.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from eds_toolkit.core.audit_models import AuditEvent
from eds_toolkit.core.context import ServiceContext
from eds_toolkit.core.refusals import NotFound, Refusal, TooManyRequests
from eds_toolkit.flow.identification import mark_failed
from eds_toolkit.flow.identify_models import IdentificationRecord, LivenessTaskRecord
from eds_toolkit.flow.machine import State, load_for_step, refusals_audited, transition
from eds_toolkit.flow.models import Enrolment
from eds_toolkit.flow.reference import NO_REFERENCE, require_state_photo
from eds_toolkit.identify_archive import DEFAULT_KEEP_DAYS, IdentifyArchive
from eds_toolkit.settings import SettingsError
from webcam_flow.errors import BadInput
from webcam_flow.images import decode_image, ensure_rgb
from webcam_flow.liveness import Challenge, LivenessTask, check_task_and_template, new_task, parse_challenges
from webcam_flow.match import DEFAULT_THRESHOLD, match_identity
from webcam_flow.selfie import check_selfie, selfie_and_encoding
from webcam_flow.verdict import Verdict
from webcam_flow.video import Frame, fit_width

log = logging.getLogger("eds_toolkit.identify")

SERVICE_CENTRE = (
    "Remote identification did not succeed and this enrolment is stopped. Please visit a service "
    "centre with your identity card to be identified in person."
)
ENCODING_SIZE = 128
FRAME_WIDTH = 640  # video frames are shrunk to this width right after decoding (the checks' size)


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
    fixed_challenges: tuple[Challenge, ...] | None = None  # test hook: the sequence every task asks
    # Keep every decision's input (selfie, video frames, ID photo) and verdict as files under archive_dir
    # for operators re-checking a disputed decision, for keep_days; off by default (nothing is kept).
    keep_images: bool = False
    keep_days: int = DEFAULT_KEEP_DAYS
    archive_dir: Path | None = None  # <home>/identify-archive, filled in by the app factory
    match_threshold: float = DEFAULT_THRESHOLD
    max_image_bytes: int = 6_000_000
    max_image_pixels: int = 12_000_000  # a phone camera's 4000x3000 photo; decoded once per upload
    max_frames: int = 120
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
        ``EDS_IDENTIFY_ATTEMPTS``,
        ``EDS_LIVENESS_TTL``, ``EDS_LIVENESS_SECONDS_PER_CHALLENGE``, ``EDS_FACE_MATCH_THRESHOLD``."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        fixed = env.get("EDS_LIVENESS_CHALLENGES", "").strip()
        if fixed:
            try:
                values["fixed_challenges"] = parse_challenges(fixed.split(","))
            except BadInput as error:
                raise SettingsError(f"EDS_LIVENESS_CHALLENGES: {error}") from None
        values["keep_images"] = _env_flag(env.get("EDS_IDENTIFY_KEEP_IMAGES"))
        numbers: dict[str, tuple[str, type]] = {
            "EDS_LIVENESS_TTL": ("liveness_ttl", float),
            "EDS_LIVENESS_SECONDS_PER_CHALLENGE": ("seconds_per_challenge", float),
            "EDS_FACE_MATCH_THRESHOLD": ("match_threshold", float),
        }
        for name, (attribute, kind) in numbers.items():
            if env.get(name):
                try:
                    values[attribute] = kind(env[name])
                except ValueError:
                    raise SettingsError(f"{name} must be a number, got {env[name]!r}") from None
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
        if self.keep_days < 1:
            raise SettingsError("EDS_IDENTIFY_KEEP_DAYS must be at least 1")

    @property
    def archive(self) -> IdentifyArchive | None:
        """Where decisions' inputs are kept, or None when nothing is to be kept."""
        if not self.keep_images or self.archive_dir is None:
            return None
        return IdentifyArchive(self.archive_dir, self.keep_days)

    def attempts_for(self, check: str) -> int:
        return {
            "selfie": self.selfie_attempts,
            "liveness": self.liveness_attempts,
            "face_match": self.id_photo_attempts,
        }[check]


class BadUpload(Refusal):
    """The upload is not something a decision can be made on (not a picture, too big, too many frames)."""

    status = 400
    code = "bad_upload"
    title = "Upload refused"


class IdentificationRefused(Refusal):
    """A check decided negatively; the citizen may try again (``attempts_left`` in the extras)."""

    status = 422
    code = "identification_refused"
    title = "Check not passed"


class IdentificationFailed(Refusal):
    """The last attempt of a check was negative: the enrolment is now failed."""

    status = 422
    code = "identification_failed"
    title = "Identification failed"


@dataclass(frozen=True)
class StepOutcome:
    """A positive decision: the verdict and where the enrolment now stands."""

    verdict: Verdict
    state: str
    attempts_left: int

    def as_json(self) -> dict[str, Any]:
        return {
            "check": self.verdict.check,
            "ok": self.verdict.ok,
            "reasons": list(self.verdict.reasons),
            "message": self.verdict.message(),
            "state": self.state,
            "attempts_left": self.attempts_left,
        }


@dataclass(frozen=True)
class IssuedTask:
    """A liveness task as the page needs it (the nonce in clear is only ever sent to the citizen)."""

    task: LivenessTask
    seconds_per_challenge: float
    attempts_left: int

    def as_json(self) -> dict[str, Any]:
        from webcam_flow.verdict import CHALLENGE_PHRASES

        return {
            "nonce": self.task.nonce,
            "challenges": [
                {"code": c.value, "text": CHALLENGE_PHRASES[c.value].capitalize()}
                for c in self.task.challenges
            ],
            "deadline": dt.datetime.fromtimestamp(self.task.deadline, dt.UTC).isoformat(),
            "seconds_per_challenge": self.seconds_per_challenge,
            "attempts_left": self.attempts_left,
        }


@dataclass
class _Decision:
    """What a step decided, and what to store when it is positive."""

    verdict: Verdict
    store: dict[str, Any] = field(default_factory=dict)
    submission: str | None = None  # digest of what was sent (liveness: nonce + frames), kept in the audit
    kept: dict[str, Any] = field(default_factory=dict)  # IdentifyArchive.keep's image / frames / context


def _nonce_hash(nonce: str) -> str:
    return hashlib.sha256(nonce.encode("utf-8", "replace")).hexdigest()


def pack_encodings(encodings: Sequence[np.ndarray]) -> bytes:
    """128-d encodings as float64 bytes (what the record stores)."""
    return np.asarray(np.stack([np.asarray(e, dtype=np.float64) for e in encodings]), dtype="<f8").tobytes()


def unpack_encodings(data: bytes | None) -> list[np.ndarray]:
    if not data:
        return []
    return list(np.frombuffer(data, dtype="<f8").reshape(-1, ENCODING_SIZE))


def _decode(data: bytes, config: IdentifyConfig, what: str, *, max_pixels: int | None = None) -> np.ndarray:
    if not isinstance(data, bytes | bytearray) or not data:
        raise BadUpload(f"No {what} was sent: choose a JPEG, PNG or WebP photo.", code="image_missing")
    try:
        return decode_image(
            bytes(data), max_bytes=config.max_image_bytes, max_pixels=max_pixels or config.max_image_pixels
        )
    except BadInput as error:
        raise BadUpload(f"The {what} could not be used: {error}.", code="bad_image") from None


BLOCKED_REASON = "iin_failed_recently"  # the audit reason of an enrolment stopped by the per-IIN count


def recent_failures(ctx: ServiceContext, session: Session, iin: str, config: IdentifyConfig) -> int:
    """How many enrolments of this IIN failed identification (attempts used up) within the window."""
    since = ctx.now() - dt.timedelta(seconds=config.failure_window)
    return session.scalar(
        select(func.count(func.distinct(AuditEvent.enrolment_id))).where(
            AuditEvent.iin_hash == ctx.iin_hash(iin),
            AuditEvent.action == "identification_failed",
            AuditEvent.reason.not_in([BLOCKED_REASON, NO_REFERENCE]),
            AuditEvent.at >= since,
        )
    )


def _require(
    ctx: ServiceContext, enrolment_id: str, state: State, config: IdentifyConfig, client_address: str | None
) -> IdentificationRecord:
    """Check the enrolment is at ``state`` and its IIN has not failed identification too often
    (else the enrolment fails: service centre), and return (creating it once) its identification record."""
    with ctx.session() as session:
        enrolment = load_for_step(ctx, session, enrolment_id, {state})
        if recent_failures(ctx, session, enrolment.iin, config) >= config.failures_per_iin:
            mark_failed(ctx, session, enrolment, BLOCKED_REASON, client_address)
            session.commit()
            forget_stale_encodings(ctx)
            raise IdentificationFailed(
                "Remote identification for this IIN failed several times recently, so it is not "
                "available now. Please visit a service centre with your identity card to be "
                "identified in person.",
                reasons=[BLOCKED_REASON],
                attempts_left=0,
                state=str(State.FAILED),
            )
        record = session.get(IdentificationRecord, enrolment_id)
        if record is not None:
            return record
        session.add(
            IdentificationRecord(
                enrolment_id=enrolment_id,
                selfie_attempts=0,
                liveness_attempts=0,
                id_photo_attempts=0,
                updated_at=ctx.now(),
            )
        )
        try:
            session.commit()
        except IntegrityError:  # a parallel request created it first
            session.rollback()
    with ctx.session() as session:
        record = session.get(IdentificationRecord, enrolment_id)
        assert record is not None
        return record


_ATTEMPT_COLUMNS = {
    "selfie": IdentificationRecord.selfie_attempts,
    "liveness": IdentificationRecord.liveness_attempts,
    "face_match": IdentificationRecord.id_photo_attempts,
}
_ACTIONS = {"selfie": "identify_selfie", "liveness": "identify_liveness", "face_match": "identify_face_match"}


def _audit_decision(
    ctx: ServiceContext,
    session: Session,
    enrolment: Enrolment,
    verdict: Verdict,
    client_address: str | None,
    attempt: int,
    submission: str | None = None,
) -> None:
    """The decision with its verdict as JSON (reasons and scores; never an image)."""
    detail: dict[str, Any] = {**verdict.to_dict(), "attempt": attempt}
    if submission:
        detail["submission"] = submission
    session.add(
        AuditEvent(
            enrolment_id=enrolment.id,
            iin_hash=ctx.iin_hash(enrolment.iin),
            action=_ACTIONS[verdict.check],
            outcome="ok" if verdict.ok else "refused",
            from_state=enrolment.state,
            to_state=enrolment.state,
            reason=(",".join(verdict.reasons) or "passed")[:64],
            client_address=client_address,
            detail=json.dumps(detail, sort_keys=True),
            at=ctx.now(),
        )
    )


def _keep(
    ctx: ServiceContext, enrolment_id: str, decision: _Decision, attempt: int, config: IdentifyConfig
) -> None:
    """With ``keep_images``: the decision's input and verdict go to the archive. The decision is already
    committed: a failure to keep is logged (without the pictures) and does not undo it."""
    archive = config.archive
    if archive is None:
        return
    try:
        archive.keep(enrolment_id, decision.verdict.to_dict(), attempt=attempt, at=ctx.now(), **decision.kept)
    except (OSError, ValueError) as error:
        log.error("Could not keep the %s decision's images for review: %s", decision.verdict.check, error)


def _apply(
    ctx: ServiceContext,
    enrolment_id: str,
    decision: _Decision,
    *,
    from_state: State,
    to_state: State,
    config: IdentifyConfig,
    client_address: str | None,
) -> StepOutcome:
    """Record the decision in one transaction: positive -> store and move; negative -> count an attempt,
    and fail the enrolment when the attempts are used up."""
    verdict = decision.verdict
    column = _ATTEMPT_COLUMNS[verdict.check]
    limit = config.attempts_for(verdict.check)
    with ctx.session() as session:
        enrolment = load_for_step(ctx, session, enrolment_id, {from_state})
        record = session.get(IdentificationRecord, enrolment_id)
        assert record is not None
        used = getattr(record, column.key)
        if verdict.ok:
            _audit_decision(ctx, session, enrolment, verdict, client_address, used + 1, decision.submission)
            for name, value in decision.store.items():
                setattr(record, name, value)
            record.updated_at = ctx.now()
            transition(
                ctx,
                session,
                enrolment,
                to_state,
                action=f"identification_{to_state}",
                client_address=client_address,
            )
            session.commit()
            _keep(ctx, enrolment_id, decision, used + 1, config)
            return StepOutcome(verdict, str(to_state), limit - used)
        session.execute(
            update(IdentificationRecord)
            .where(IdentificationRecord.enrolment_id == enrolment_id)
            .values({column.key: column + 1, "updated_at": ctx.now()})
        )
        used = session.scalar(select(column).where(IdentificationRecord.enrolment_id == enrolment_id))
        _audit_decision(ctx, session, enrolment, verdict, client_address, used, decision.submission)
        left = max(0, limit - used)
        if left == 0:
            record.selfie_encoding = record.video_encodings = None
            mark_failed(ctx, session, enrolment, f"{verdict.check}_attempts_exhausted", client_address)
            session.commit()
            _keep(ctx, enrolment_id, decision, used, config)
            raise IdentificationFailed(
                f"{verdict.message()} {SERVICE_CENTRE}",
                reasons=list(verdict.reasons),
                attempts_left=0,
                state=str(State.FAILED),
            )
        session.commit()
    _keep(ctx, enrolment_id, decision, used, config)
    tries = "try" if left == 1 else "tries"
    raise IdentificationRefused(
        f"{verdict.message()} ({left} {tries} left.)",
        reasons=list(verdict.reasons),
        attempts_left=left,
        state=str(from_state),
    )


def _refusals_audited(action: str) -> Callable:
    """Out-of-order and bad-input refusals go to the audit log (decisions audit themselves)."""
    return refusals_audited(action, unrecorded=(IdentificationRefused, IdentificationFailed, NotFound))


def forget_stale_encodings(ctx: ServiceContext) -> int:
    """Delete the face encodings of enrolments that can no longer use them (ended or past their
    lifetime); returns how many records were cleared. Runs with every selfie, like a sweeper."""
    ended = select(Enrolment.id).where(
        (Enrolment.expires_at <= ctx.now())
        | Enrolment.state.in_([str(State.FAILED), str(State.EXPIRED), str(State.ISSUED)])
    )
    with ctx.session() as session:
        result = session.execute(
            update(IdentificationRecord)
            .where(
                IdentificationRecord.enrolment_id.in_(ended),
                IdentificationRecord.selfie_encoding.is_not(None)
                | IdentificationRecord.video_encodings.is_not(None),
            )
            .values(selfie_encoding=None, video_encodings=None)
            .execution_options(synchronize_session=False)
        )
        session.commit()
        return result.rowcount


def selfie_hint(
    ctx: ServiceContext, enrolment_id: str, image_bytes: bytes, *, config: IdentifyConfig = IdentifyConfig()
) -> Verdict:
    """The selfie quality check alone, for the live hints under the camera: no attempt, no state change."""
    with ctx.session() as session:
        load_for_step(ctx, session, enrolment_id, {State.PHONE_CONFIRMED})
    return check_selfie(_decode(image_bytes, config, "picture", max_pixels=config.max_frame_pixels))


@_refusals_audited("identify_selfie")
def submit_selfie(
    ctx: ServiceContext,
    enrolment_id: str,
    image_bytes: bytes,
    *,
    config: IdentifyConfig = IdentifyConfig(),
    client_address: str | None = None,
) -> StepOutcome:
    """Check the selfie's quality; a good one moves the enrolment to ``selfie_ok`` and its face encoding
    is kept for the later checks."""
    _require(ctx, enrolment_id, State.PHONE_CONFIRMED, config, client_address)
    forget_stale_encodings(ctx)
    verdict, encoding = selfie_and_encoding(_decode(image_bytes, config, "selfie"))
    store: dict[str, Any] = {} if encoding is None else {"selfie_encoding": pack_encodings([encoding])}
    return _apply(
        ctx,
        enrolment_id,
        _Decision(verdict, store, kept={"image": ("selfie", image_bytes)}),
        from_state=State.PHONE_CONFIRMED,
        to_state=State.SELFIE_OK,
        config=config,
        client_address=client_address,
    )


@_refusals_audited("identify_liveness_task")
def start_liveness(
    ctx: ServiceContext,
    enrolment_id: str,
    *,
    config: IdentifyConfig = IdentifyConfig(),
    rng: random.Random | None = None,
    client_address: str | None = None,
) -> IssuedTask:
    """Hand out a liveness task: 2-3 random challenges (or the configured ones), a one-time nonce
    stored only as its hash, and a deadline. The enrolment's older unused tasks are closed."""
    record = _require(ctx, enrolment_id, State.SELFIE_OK, config, client_address)
    now = ctx.now()
    task = new_task(rng=rng, now=now.timestamp(), ttl=config.liveness_ttl)
    if config.fixed_challenges:
        task = replace(task, challenges=config.fixed_challenges)
    with ctx.session() as session:
        enrolment = load_for_step(ctx, session, enrolment_id, {State.SELFIE_OK})
        issued = session.scalar(
            select(func.count())
            .select_from(LivenessTaskRecord)
            .where(LivenessTaskRecord.enrolment_id == enrolment_id)
        )
        if issued >= config.max_tasks:
            raise TooManyRequests(
                "Too many video checks were started for this enrolment. Please start again "
                "or visit a service centre.",
                code="too_many_tasks",
            )
        # Only the newest task counts: the older unused ones are closed, so a client cannot collect
        # several tasks and answer the one whose challenges suit a recording.
        session.execute(
            update(LivenessTaskRecord)
            .where(LivenessTaskRecord.enrolment_id == enrolment_id, LivenessTaskRecord.used_at.is_(None))
            .values(used_at=now)
        )
        session.add(
            LivenessTaskRecord(
                enrolment_id=enrolment_id,
                nonce_hash=_nonce_hash(task.nonce),
                challenges=",".join(c.value for c in task.challenges),
                issued_at=now,
                deadline=now + dt.timedelta(seconds=config.liveness_ttl),
            )
        )
        session.add(
            AuditEvent(
                enrolment_id=enrolment_id,
                iin_hash=ctx.iin_hash(enrolment.iin),
                action="identify_liveness_task",
                outcome="ok",
                from_state=enrolment.state,
                to_state=enrolment.state,
                reason=None,
                client_address=client_address,
                at=now,
                detail=json.dumps(
                    {
                        "challenges": [c.value for c in task.challenges],
                        "ttl_s": config.liveness_ttl,
                        "fixed": bool(config.fixed_challenges),
                    }
                ),
            )
        )
        session.commit()
    return IssuedTask(task, config.seconds_per_challenge, config.liveness_attempts - record.liveness_attempts)


class _DatabaseNonces:
    """The NonceRegistry of one enrolment's tasks: a nonce is consumed by setting ``used_at`` once."""

    def __init__(self, ctx: ServiceContext, enrolment_id: str) -> None:
        self.ctx, self.enrolment_id = ctx, enrolment_id

    def consume(self, nonce: str) -> bool:
        with self.ctx.session() as session:
            result = session.execute(
                update(LivenessTaskRecord)
                .where(
                    LivenessTaskRecord.nonce_hash == _nonce_hash(nonce),
                    LivenessTaskRecord.enrolment_id == self.enrolment_id,
                    LivenessTaskRecord.used_at.is_(None),
                )
                .values(used_at=self.ctx.now())
            )
            session.commit()
            return result.rowcount == 1


def _frames(frames: Sequence[Frame | tuple[float, bytes]], config: IdentifyConfig) -> list[Frame]:
    """Decode the uploaded frames (bounded in number, bytes and pixels) in capture order, each shrunk
    to :data:`FRAME_WIDTH` as soon as it is decoded so that a request never holds large pictures."""
    if not frames:
        raise BadUpload("No video frames were sent. Record the video again.", code="frames_missing")
    if len(frames) > config.max_frames:
        raise BadUpload(
            f"{len(frames)} frames were sent; at most {config.max_frames} are accepted.",
            code="too_many_frames",
        )
    decoded: list[Frame] = []
    for index, frame in enumerate(frames):
        if isinstance(frame, Frame):
            decoded.append(frame)
            continue
        t, data = frame
        if len(data) > config.max_frame_bytes:
            raise BadUpload(
                f"Frame {index + 1} is {len(data):,} bytes; at most {config.max_frame_bytes:,} "
                "bytes per frame are accepted.",
                code="frame_too_large",
            )
        try:
            image = decode_image(
                bytes(data), max_bytes=config.max_frame_bytes, max_pixels=config.max_frame_pixels
            )
            decoded.append(Frame(float(t), ensure_rgb(fit_width(image, FRAME_WIDTH))))
        except BadInput as error:
            raise BadUpload(f"Frame {index + 1} could not be read: {error}.", code="bad_frame") from None
    times = [f.t for f in decoded]
    if any(b <= a for a, b in zip(times, times[1:], strict=False)):
        raise BadUpload(
            "The frame times must increase: send the frames in the order they were captured.",
            code="bad_frame_times",
        )
    return decoded


def submission_digest(nonce: str, frames: Sequence[Frame | tuple[float, bytes]]) -> str:
    """SHA-256 over the nonce's hash and each frame's time and bytes: equal exactly for a resent request."""
    digest = hashlib.sha256(_nonce_hash(nonce or "").encode())
    for frame in frames:
        t, data = (
            (frame.t, np.ascontiguousarray(frame.image).tobytes()) if isinstance(frame, Frame) else frame
        )
        digest.update(repr(float(t)).encode() + hashlib.sha256(bytes(data)).digest())
    return digest.hexdigest()


def _first_answer(
    ctx: ServiceContext, enrolment_id: str, submission: str, config: IdentifyConfig
) -> StepOutcome | None:
    """The verdict already decided for exactly this submission (a resend after a lost answer), answered
    again as it was (no attempt counted, the nonce stays spent); None when it was never decided."""
    with ctx.session() as session:
        events = session.scalars(
            select(AuditEvent.detail)
            .where(AuditEvent.enrolment_id == enrolment_id, AuditEvent.action == _ACTIONS["liveness"])
            .order_by(AuditEvent.id.desc())
        ).all()
        first = next(
            (d for d in map(json.loads, filter(None, events)) if d.get("submission") == submission), None
        )
        if first is None:
            return None
        state = session.get(Enrolment, enrolment_id).state
        record = session.get(IdentificationRecord, enrolment_id)
        used = record.liveness_attempts if record else 0
    verdict = Verdict.from_dict(first)
    log.info("Identical liveness frames sent again for one enrolment: answered with the first verdict.")
    left = max(0, config.liveness_attempts - used)
    if verdict.ok:
        return StepOutcome(verdict, str(state), left)
    if state == str(State.FAILED):
        raise IdentificationFailed(
            f"{verdict.message()} {SERVICE_CENTRE}",
            reasons=list(verdict.reasons),
            attempts_left=0,
            state=str(State.FAILED),
        )
    tries = "try" if left == 1 else "tries"
    raise IdentificationRefused(
        f"{verdict.message()} ({left} {tries} left.)",
        reasons=list(verdict.reasons),
        attempts_left=left,
        state=str(state),
    )


def _await_first_answer(
    ctx: ServiceContext, enrolment_id: str, submission: str, spent_at: dt.datetime, config: IdentifyConfig
) -> StepOutcome | None:
    """A resend that found its nonce spent while the first request is still being decided: wait (at most
    ``replay_wait`` seconds) for that verdict. Returns None at once when a decision made since the nonce
    was spent belongs to other frames."""
    give_up = time.monotonic() + config.replay_wait
    while True:
        answer = _first_answer(ctx, enrolment_id, submission, config)
        if answer is not None:
            return answer
        with ctx.session() as session:
            decided = session.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .where(
                    AuditEvent.enrolment_id == enrolment_id,
                    AuditEvent.action == _ACTIONS["liveness"],
                    AuditEvent.at >= spent_at,
                )
            )
        if decided or time.monotonic() >= give_up:
            return None
        time.sleep(0.1)


def _kept_frames(
    frames: Sequence[Frame | tuple[float, bytes]], row: LivenessTaskRecord | None, config: IdentifyConfig
) -> dict[str, Any]:
    """What the archive keeps of a liveness decision: the frames as sent and the task they answered."""
    if config.archive is None:
        return {}
    return {
        "frames": [(f.t, f.image) if isinstance(f, Frame) else (f[0], f[1]) for f in frames],
        "context": {
            "challenges": row.challenges.split(",") if row is not None else [],
            "seconds_per_challenge": config.seconds_per_challenge,
        },
    }


@_refusals_audited("identify_liveness")
def submit_liveness(
    ctx: ServiceContext,
    enrolment_id: str,
    nonce: str,
    frames: Sequence[Frame | tuple[float, bytes]],
    *,
    config: IdentifyConfig = IdentifyConfig(),
    client_address: str | None = None,
) -> StepOutcome:
    """Check the task's frames: the nonce (this enrolment's newest task, unused, in time), each challenge
    in its time slot (``seconds_per_challenge`` each, as the page showed them), one live face, the
    selfie's face. Positive -> ``liveness_ok`` with a few video encodings kept.

    The same nonce and frames sent again (the page resends once when the connection dropped) get the
    first request's verdict again: the resend costs no attempt and is not refused as a reused nonce."""
    submission = submission_digest(nonce, frames)
    answered = _first_answer(ctx, enrolment_id, submission, config)
    if answered is not None:
        return answered
    record = _require(ctx, enrolment_id, State.SELFIE_OK, config, client_address)
    decoded = _frames(frames, config)
    selfie = unpack_encodings(record.selfie_encoding)
    with ctx.session() as session:
        row = session.scalar(
            select(LivenessTaskRecord).where(
                LivenessTaskRecord.nonce_hash == _nonce_hash(nonce or ""),
                LivenessTaskRecord.enrolment_id == enrolment_id,
            )
        )
        newer = row is not None and session.scalar(
            select(func.count())
            .select_from(LivenessTaskRecord)
            .where(LivenessTaskRecord.enrolment_id == enrolment_id, LivenessTaskRecord.id > row.id)
        )
    task = None
    if row is not None:
        task = LivenessTask(
            nonce=nonce,
            challenges=parse_challenges(row.challenges.split(",")),
            issued_at=row.issued_at.timestamp(),
            deadline=row.deadline.timestamp(),
        )
    try:
        verdict, template = check_task_and_template(
            task,
            nonce,
            decoded,
            now=ctx.now().timestamp(),
            registry=_DatabaseNonces(ctx, enrolment_id),
            reference_encoding=selfie[0] if selfie else None,
            seconds_per_challenge=config.seconds_per_challenge,
            newest=not newer,
        )
    except BadInput as error:
        raise BadUpload(f"The video frames could not be used: {error}.", code="bad_frame") from None
    if "nonce_reused" in verdict.reasons:  # maybe a resend racing its first request: wait for that
        with ctx.session() as session:
            spent_at = session.get(LivenessTaskRecord, row.id).used_at
        answered = _await_first_answer(ctx, enrolment_id, submission, spent_at or ctx.now(), config)
        if answered is not None:
            return answered
    store = {} if template is None else {"video_encodings": pack_encodings([template])}
    return _apply(
        ctx,
        enrolment_id,
        _Decision(verdict, store, submission, kept=_kept_frames(frames, row, config)),
        from_state=State.SELFIE_OK,
        to_state=State.LIVENESS_OK,
        config=config,
        client_address=client_address,
    )


@_refusals_audited("identify_face_match")
def submit_id_photo(
    ctx: ServiceContext,
    enrolment_id: str,
    image_bytes: bytes,
    *,
    config: IdentifyConfig = IdentifyConfig(),
    client_address: str | None = None,
) -> StepOutcome:
    """Match the live face (selfie and video) against the state's photo of the IIN's owner, and the
    identity-card photo against the live face; positive -> ``face_matched``, and the kept encodings
    are deleted. Without a usable state photo the enrolment stops (ServiceCentreRequired)."""
    record = _require(ctx, enrolment_id, State.LIVENESS_OK, config, client_address)
    image = _decode(image_bytes, config, "identity-card photo")
    selfie, video = unpack_encodings(record.selfie_encoding), unpack_encodings(record.video_encodings)
    with ctx.session() as session:
        iin = session.get(Enrolment, enrolment_id).iin
    state_photo = require_state_photo(ctx, enrolment_id, iin, client_address)
    verdict = match_identity(state_photo, image, selfie=selfie, video=video, threshold=config.match_threshold)
    store: dict[str, Any] = {"selfie_encoding": None, "video_encodings": None}
    kept = {"image": ("id-photo", image_bytes), "context": {"threshold": config.match_threshold}}
    return _apply(
        ctx,
        enrolment_id,
        _Decision(verdict, store, kept=kept),
        from_state=State.LIVENESS_OK,
        to_state=State.FACE_MATCHED,
        config=config,
        client_address=client_address,
    )
