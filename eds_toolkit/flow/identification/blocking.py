"""The gate of every step: the enrolment must be at the step's state, and its IIN must not have failed
identification too often lately (service policy: two failed enrolments within a day send the IIN's next
ones to a service centre instead of giving fresh attempts)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from eds_toolkit.core.audit_models import AuditEvent
from eds_toolkit.core.context import ServiceContext
from eds_toolkit.flow.identification.config import IdentifyConfig
from eds_toolkit.flow.identification.encodings import forget_stale_encodings
from eds_toolkit.flow.identification.failure import mark_failed
from eds_toolkit.flow.identification.models import IdentificationRecord
from eds_toolkit.flow.identification.reference import NO_REFERENCE
from eds_toolkit.flow.identification.refusals import IdentificationFailed
from eds_toolkit.flow.machine import State, load_for_step

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


def begin_step(
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
