"""A resent liveness request (the page resends once when the connection dropped before the answer) gets
the first request's verdict again: no attempt is counted and it is not refused as ``nonce_reused``. The
audit detail of each liveness decision carries the digest of what was sent (``submission``) for this.
A check run again by the job queue (its worker was killed) finds its first verdict the same way, by the
job's id as its ``submission`` (eds_toolkit/jobs)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import time
from collections.abc import Sequence

import numpy as np
from sqlalchemy import func, select

from eds_toolkit.core.audit_models import AuditEvent
from eds_toolkit.core.context import ServiceContext
from eds_toolkit.flow.identification.config import IdentifyConfig
from eds_toolkit.flow.identification.decision import ACTIONS, ATTEMPT_COLUMNS, StepOutcome
from eds_toolkit.flow.identification.models import IdentificationRecord
from eds_toolkit.flow.identification.nonces import nonce_hash
from eds_toolkit.flow.identification.refusals import refusal
from eds_toolkit.flow.models import Enrolment
from webcam_flow.verdict import Verdict
from webcam_flow.video import Frame

log = logging.getLogger("eds_toolkit.identify")


def submission_digest(nonce: str, frames: Sequence[Frame | tuple[float, bytes]]) -> str:
    """SHA-256 over the nonce's hash and each frame's time and bytes: equal exactly for a resent request."""
    digest = hashlib.sha256(nonce_hash(nonce or "").encode())
    for frame in frames:
        t, data = (
            (frame.t, np.ascontiguousarray(frame.image).tobytes()) if isinstance(frame, Frame) else frame
        )
        digest.update(repr(float(t)).encode() + hashlib.sha256(bytes(data)).digest())
    return digest.hexdigest()


def first_answer(
    ctx: ServiceContext,
    enrolment_id: str,
    submission: str,
    config: IdentifyConfig,
    check: str = "liveness",
) -> StepOutcome | None:
    """The verdict of ``check`` already decided for exactly this submission (a resend after a lost answer,
    a job run again), answered again as it was (no attempt counted, the nonce stays spent); None when it
    was never decided."""
    with ctx.session() as session:
        events = session.scalars(
            select(AuditEvent.detail)
            .where(AuditEvent.enrolment_id == enrolment_id, AuditEvent.action == ACTIONS[check])
            .order_by(AuditEvent.id.desc())
        ).all()
        first = next(
            (d for d in map(json.loads, filter(None, events)) if d.get("submission") == submission), None
        )
        if first is None:
            return None
        state = session.get(Enrolment, enrolment_id).state
        record = session.get(IdentificationRecord, enrolment_id)
        used = getattr(record, ATTEMPT_COLUMNS[check].key) if record else 0
    verdict = Verdict.from_dict(first)
    log.info("The same %s submission again for one enrolment: answered with the first verdict.", check)
    left = max(0, config.attempts_for(check) - used)
    if verdict.ok:
        return StepOutcome(verdict, str(state), left)
    raise refusal(verdict, left, str(state))


def await_first_answer(
    ctx: ServiceContext, enrolment_id: str, submission: str, spent_at: dt.datetime, config: IdentifyConfig
) -> StepOutcome | None:
    """A resend that found its nonce spent while the first request is still being decided: wait (at most
    ``replay_wait`` seconds) for that verdict. Returns None at once when a decision made since the nonce
    was spent belongs to other frames."""
    give_up = time.monotonic() + config.replay_wait
    while True:
        answer = first_answer(ctx, enrolment_id, submission, config)
        if answer is not None:
            return answer
        with ctx.session() as session:
            decided = session.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .where(
                    AuditEvent.enrolment_id == enrolment_id,
                    AuditEvent.action == ACTIONS["liveness"],
                    AuditEvent.at >= spent_at,
                )
            )
        if decided or time.monotonic() >= give_up:
            return None
        time.sleep(0.1)
