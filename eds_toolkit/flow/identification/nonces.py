"""Liveness nonces in the database: stored only as SHA-256 hashes, bound to the enrolment, single use
(``used_at``), and only the enrolment's newest task counts. The library decides on them
(``check_task``); this module tells it which task a nonce belongs to and consumes it."""

from __future__ import annotations

import datetime as dt
import hashlib

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from eds_toolkit.core.context import ServiceContext
from eds_toolkit.flow.identification.models import LivenessTaskRecord
from webcam_flow.colour import ColourSequence
from webcam_flow.liveness import LivenessTask, parse_challenges


def nonce_hash(nonce: str) -> str:
    return hashlib.sha256(nonce.encode("utf-8", "replace")).hexdigest()


class DatabaseNonces:
    """The NonceRegistry of one enrolment's tasks: a nonce is consumed by setting ``used_at`` once."""

    def __init__(self, ctx: ServiceContext, enrolment_id: str) -> None:
        self.ctx, self.enrolment_id = ctx, enrolment_id

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
            return result.rowcount == 1


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
