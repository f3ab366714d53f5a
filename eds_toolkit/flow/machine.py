"""The enrolment state machine: its states, the checks before a step, audited compare-and-set transitions."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from collections.abc import Callable
from enum import StrEnum
from typing import Any

from sqlalchemy.orm import Session

from eds_toolkit.core import audit
from eds_toolkit.core.context import ServiceContext
from eds_toolkit.core.refusals import (
    AlreadyIssued,
    ConcurrentChange,
    EnrolmentExpired,
    NotFound,
    Refusal,
    StepOutOfOrder,
)
from eds_toolkit.core.versioned import compare_and_set
from eds_toolkit.flow.models import Enrolment


class State(StrEnum):
    """Where an enrolment stands. Identification states are filled by the webcam steps."""

    STARTED = "started"
    PHONE_CONFIRMED = "phone_confirmed"
    SELFIE_OK = "selfie_ok"
    LIVENESS_OK = "liveness_ok"
    FACE_REVIEW = "face_review"  # the face match was referred: an officer decides (identification_reviews)
    FACE_MATCHED = "face_matched"
    PIN_SET = "pin_set"
    ISSUED = "issued"
    FAILED = "failed"
    EXPIRED = "expired"


CHANGED_ELSEWHERE = (
    "This enrolment was changed in another window or tab. Please reload the page and continue there."
)

FINAL_STATES = frozenset({State.ISSUED, State.FAILED, State.EXPIRED})

NEXT_STEP = {
    State.STARTED: "code",
    State.PHONE_CONFIRMED: "identification",
    State.SELFIE_OK: "identification",
    State.LIVENESS_OK: "identification",
    State.FACE_REVIEW: "identification",
    State.FACE_MATCHED: "pin",
    State.PIN_SET: "certificates",
}

_WHAT_IS_NEXT = {
    State.STARTED: "enter the SMS code (or register your phone number)",
    State.PHONE_CONFIRMED: "complete the identification (selfie, video, face match)",
    State.SELFIE_OK: "complete the identification (video check)",
    State.LIVENESS_OK: "complete the identification (face match)",
    State.FACE_REVIEW: "wait until an officer has reviewed your face match",
    State.FACE_MATCHED: "set your PIN",
    State.PIN_SET: "get your certificates",
}


def aware(value: dt.datetime) -> dt.datetime:
    """SQLite returns naive datetimes for timezone-aware columns: read them as UTC."""
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def token_hash(token: str) -> str:
    """The stored form of a random 256-bit token (API bearer, session): SHA-256 suffices."""
    return hashlib.sha256(token.encode()).hexdigest()


def load_for_step(
    ctx: ServiceContext, session: Session, enrolment_id: str, allowed: set[State] | frozenset[State]
) -> Enrolment:
    """The enrolment, checked to be alive and in one of ``allowed`` states; else a clear refusal."""
    enrolment = session.get(Enrolment, enrolment_id) if enrolment_id else None
    if enrolment is None:
        raise NotFound("This enrolment does not exist. Please start again with your IIN.")
    state = State(enrolment.state)
    if state not in FINAL_STATES and ctx.now() >= aware(enrolment.expires_at):
        expire(ctx, session, enrolment)
        state = State.EXPIRED
    if state in allowed:
        return enrolment
    if state == State.EXPIRED:
        raise EnrolmentExpired("This enrolment has expired. Please start again with your IIN.")
    if state == State.ISSUED:
        raise AlreadyIssued(
            "The certificates for this enrolment were already issued. Sign in to your cabinet to see them."
        )
    if state == State.FAILED:
        raise StepOutOfOrder(
            "This enrolment was stopped and cannot continue. Please start again or visit a service centre.",
            code="enrolment_failed",
        )
    raise StepOutOfOrder(f"This step is not available yet: first {_WHAT_IS_NEXT[state]}.")


def expire(ctx: ServiceContext, session: Session, enrolment: Enrolment) -> None:
    """Mark a timed-out enrolment expired (its own commit, so the refusal that follows sticks)."""
    try:
        transition(ctx, session, enrolment, State.EXPIRED, action="expire", reason="ttl_elapsed")
        session.commit()
    except ConcurrentChange:
        session.rollback()


def transition(
    ctx: ServiceContext,
    session: Session,
    enrolment: Enrolment,
    to_state: State,
    *,
    action: str,
    client_address: str | None = None,
    reason: str | None = None,
    **changes: object,
) -> None:
    """Move ``enrolment`` to ``to_state`` iff nobody moved it since it was read; record the audit event.

    The caller commits. A racing request (a second tab) finds the version changed and is refused.
    """
    from_state = enrolment.state
    compare_and_set(
        session,
        enrolment,
        conflict=CHANGED_ELSEWHERE,
        state=str(to_state),
        updated_at=ctx.now(),
        **changes,
    )
    audit.record(
        ctx,
        session,
        iin=enrolment.iin,
        action=action,
        outcome=audit.OK,
        enrolment_id=enrolment.id,
        from_state=from_state,
        to_state=str(to_state),
        reason=reason,
        client_address=client_address,
    )


def subject_of(enrolment: Enrolment) -> audit.Subject:
    """The enrolment as the subject of an audit event (its citizen, itself, the state it stands in)."""
    return audit.Subject(iin=enrolment.iin, state=enrolment.state, enrolment_id=enrolment.id)


def enrolment_subject(enrolment_id: str) -> Callable[[Session], audit.Subject | None]:
    """Finds the enrolment ``enrolment_id`` as an audit subject (None when there is no such enrolment)."""

    def find(session: Session) -> audit.Subject | None:
        enrolment = session.get(Enrolment, enrolment_id) if enrolment_id else None
        return subject_of(enrolment) if enrolment is not None else None

    return find


def refusals_audited(action: str, *, unrecorded: tuple[type[Refusal], ...] = (NotFound,)) -> Callable:
    """Decorate a step ``f(ctx, enrolment_id, ...)``: a refusal goes to the audit log, then is re-raised.

    Refusals in ``unrecorded`` pass unlogged (no such enrolment; a decision that audits itself).
    """

    def decorate(step: Callable) -> Callable:
        @functools.wraps(step)
        def wrapper(ctx: ServiceContext, enrolment_id: str, *args: Any, **kwargs: Any) -> Any:
            with audit.refusals_recorded(
                ctx,
                action,
                enrolment_subject(enrolment_id),
                kwargs.get("client_address"),
                unrecorded=unrecorded,
            ):
                return step(ctx, enrolment_id, *args, **kwargs)

        return wrapper

    return decorate
