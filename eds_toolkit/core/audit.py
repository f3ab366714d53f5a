"""The audit log, append-only: who did what, when, from where; never a code, PIN, password or key.

Events are only ever added, each chained to the one before it (``audit_chain``). A step that is undone
later (its SMS could not be sent) keeps its event and gets a second one, outcome ``undone``, naming why
and the position of the event it undoes; a refused step gets a ``refused`` event written in a
transaction of its own (the step's own work was rolled back). IINs are stored as keyed hashes.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from eds_toolkit.core.audit_models import AuditEvent
from eds_toolkit.core.context import ServiceContext
from eds_toolkit.core.refusals import NotFound, Refusal

OK = "ok"
REFUSED = "refused"
UNDONE = "undone"


@dataclass(frozen=True)
class Subject:
    """Whom an event is about: the person (IIN), the enrolment if any, the state it stood in, context."""

    iin: str
    state: str | None = None
    enrolment_id: str | None = None
    detail: dict[str, Any] | None = None


def record(
    ctx: ServiceContext,
    session: Session,
    *,
    iin: str,
    action: str,
    outcome: str,
    enrolment_id: str | None = None,
    from_state: str | None = None,
    to_state: str | None = None,
    reason: str | None = None,
    client_address: str | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add one event to ``session`` (the caller commits). Never pass a secret in here.

    An ``undone`` event names the chain position of the step it undoes (``detail["undoes"]``): the
    latest ``ok`` event of the same action, person and enrolment."""
    iin_hash = ctx.iin_hash(iin)
    if outcome == UNDONE and "undoes" not in (detail or {}):
        undone = _undone_step(session, iin_hash, action, enrolment_id)
        if undone is not None:
            detail = {**(detail or {}), "undoes": undone}
    event = AuditEvent(
        enrolment_id=enrolment_id,
        iin_hash=iin_hash,
        action=action,
        outcome=outcome,
        from_state=from_state,
        to_state=to_state,
        reason=reason,
        client_address=client_address,
        detail=json.dumps(detail, ensure_ascii=False) if detail is not None else None,
        at=ctx.now(),
    )
    session.add(event)
    return event


def _undone_step(session: Session, iin_hash: str, action: str, enrolment_id: str | None) -> int | None:
    """The chain position of the latest ``ok`` event of ``action`` about this person and enrolment."""
    return session.scalar(
        select(AuditEvent.seq)
        .where(
            AuditEvent.iin_hash == iin_hash,
            AuditEvent.action == action,
            AuditEvent.outcome == OK,
            AuditEvent.enrolment_id.is_(None)
            if enrolment_id is None
            else AuditEvent.enrolment_id == enrolment_id,
            AuditEvent.seq.is_not(None),
        )
        .order_by(AuditEvent.seq.desc())
        .limit(1)
    )


def record_about(
    ctx: ServiceContext,
    session: Session,
    subject: Subject,
    action: str,
    outcome: str,
    *,
    reason: str | None = None,
    client_address: str | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """An event about ``subject`` that leaves its state where it was (a refusal, an undo, a notice)."""
    merged = {**(subject.detail or {}), **(detail or {})} or None
    return record(
        ctx,
        session,
        iin=subject.iin,
        action=action,
        outcome=outcome,
        enrolment_id=subject.enrolment_id,
        from_state=subject.state,
        to_state=subject.state,
        reason=reason,
        client_address=client_address,
        detail=merged,
    )


def record_refusal(
    ctx: ServiceContext,
    find: Callable[[Session], Subject | None],
    action: str,
    error: Refusal,
    client_address: str | None = None,
) -> None:
    """Record a refused step in a transaction of its own; ``find`` names its subject (None: no event)."""
    with ctx.session() as session:
        subject = find(session)
        if subject is None:
            return
        reasons = error.extra.get("reasons")
        record_about(
            ctx,
            session,
            subject,
            action,
            REFUSED,
            reason=error.code,
            client_address=client_address,
            detail={"reasons": reasons} if reasons else None,
        )
        session.commit()


@contextmanager
def refusals_recorded(
    ctx: ServiceContext,
    action: str,
    find: Callable[[Session], Subject | None],
    client_address: str | None = None,
    *,
    unrecorded: tuple[type[Refusal], ...] = (NotFound,),
) -> Iterator[None]:
    """Run a step; a refusal it raises is recorded (see :func:`record_refusal`), then re-raised.

    Refusals in ``unrecorded`` (by default ``NotFound``: there is no subject to file them under) pass.
    """
    try:
        yield
    except unrecorded:
        raise
    except Refusal as error:
        record_refusal(ctx, find, action, error, client_address)
        raise
