"""Liveness nonces in the database: stored only as SHA-256 hashes, bound to the enrolment, single use
(``used_at``), and only the enrolment's newest task counts. The library decides on them
(``check_task``); this module tells it which task a nonce belongs to and consumes it."""

from __future__ import annotations

import datetime as dt
import hashlib

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from eds_toolkit.core.audit_models import AuditEvent
from eds_toolkit.core.context import ServiceContext
from eds_toolkit.flow.identification.models import LivenessTaskRecord
from webcam_flow.colour import ColourSequence
from webcam_flow.liveness import LivenessTask, parse_challenges


def nonce_hash(nonce: str) -> str:
    return hashlib.sha256(nonce.encode("utf-8", "replace")).hexdigest()


class DatabaseNonces:
    """The NonceRegistry of one enrolment's tasks: a nonce is consumed by setting ``used_at`` once.

    ``reclaim``: a job run again after its worker was killed mid-check (eds_toolkit/jobs) may use the
    nonce its killed run consumed, as long as no liveness decision was recorded since it was spent."""

    def __init__(self, ctx: ServiceContext, enrolment_id: str, *, reclaim: bool = False) -> None:
        self.ctx, self.enrolment_id, self.reclaim = ctx, enrolment_id, reclaim

    def consume(self, nonce: str) -> bool:
        with self.ctx.session() as session:
            result = session.execute(
                update(LivenessTaskRecord)
                .where(
                    LivenessTaskRecord.nonce_hash == nonce_hash(nonce),
                    LivenessTaskRecord.enrolment_id == self.enrolment_id,
                    LivenessTaskRecord.used_at.is_(None),
                )
                .values(used_at=self.ctx.now())
            )
            session.commit()
            if result.rowcount == 1:
                return True
            return self.reclaim and self._spent_without_decision(session, nonce)

    def _spent_without_decision(self, session: Session, nonce: str) -> bool:
        row = _row(session, self.enrolment_id, nonce)
        if row is None or row.used_at is None:
            return False
        decided = session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(
                AuditEvent.enrolment_id == self.enrolment_id,
                AuditEvent.action == "identify_liveness",
                AuditEvent.at >= row.used_at,
            )
        )
        return not decided


def _row(session: Session, enrolment_id: str, nonce: str) -> LivenessTaskRecord | None:
    return session.scalar(
        select(LivenessTaskRecord).where(
            LivenessTaskRecord.nonce_hash == nonce_hash(nonce or ""),
            LivenessTaskRecord.enrolment_id == enrolment_id,
        )
    )


def find_task(ctx: ServiceContext, enrolment_id: str, nonce: str) -> tuple[LivenessTask | None, bool]:
    """The enrolment's task handed out with ``nonce`` (None: none was), and whether it is the newest."""
    with ctx.session() as session:
        row = _row(session, enrolment_id, nonce)
        if row is None:
            return None, False
        newer = session.scalar(
            select(func.count())
            .select_from(LivenessTaskRecord)
            .where(LivenessTaskRecord.enrolment_id == enrolment_id, LivenessTaskRecord.id > row.id)
        )
        task = LivenessTask(
            nonce=nonce,
            challenges=parse_challenges(row.challenges.split(",")),
            issued_at=row.issued_at.timestamp(),
            deadline=row.deadline.timestamp(),
            colours=ColourSequence.from_text(row.colours) if row.colours else None,
        )
        return task, not newer


def spent_at(ctx: ServiceContext, enrolment_id: str, nonce: str) -> dt.datetime | None:
    """When the task's nonce was consumed (or closed by a newer task); None while it is unused."""
    with ctx.session() as session:
        row = _row(session, enrolment_id, nonce)
        return row.used_at if row is not None else None


def task_seconds(ctx: ServiceContext, enrolment_id: str, nonce: str) -> float | None:
    """The seconds per movement the task was handed out with (None: unknown task, or stored before)."""
    with ctx.session() as session:
        row = _row(session, enrolment_id, nonce)
        return row.seconds_per_challenge if row is not None else None
