"""The enrolment state machine: states, the context steps run in, compare-and-set transitions, audit."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from eds_toolkit.flow.errors import (
    AlreadyIssued,
    ConcurrentChange,
    EnrolmentExpired,
    FlowError,
    NotFound,
    StepOutOfOrder,
)
from eds_toolkit.flow.models import AuditEvent, Enrolment
from eds_toolkit.sms.dispatcher import SmsDispatcher


class State(StrEnum):
    """Where an enrolment stands. Identification states are filled by the webcam steps."""

    STARTED = "started"
    PHONE_CONFIRMED = "phone_confirmed"
    SELFIE_OK = "selfie_ok"
    LIVENESS_OK = "liveness_ok"
    FACE_MATCHED = "face_matched"
    PIN_SET = "pin_set"
    ISSUED = "issued"
    FAILED = "failed"
    EXPIRED = "expired"


FINAL_STATES = frozenset({State.ISSUED, State.FAILED, State.EXPIRED})

NEXT_STEP = {
    State.STARTED: "code",
    State.PHONE_CONFIRMED: "identification",
    State.SELFIE_OK: "identification",
    State.LIVENESS_OK: "identification",
    State.FACE_MATCHED: "pin",
    State.PIN_SET: "certificates",
}

_WHAT_IS_NEXT = {
    State.STARTED: "enter the SMS code (or register your phone number)",
    State.PHONE_CONFIRMED: "complete the identification (selfie, video, face match)",
    State.SELFIE_OK: "complete the identification (video check)",
    State.LIVENESS_OK: "complete the identification (face match)",
    State.FACE_MATCHED: "set your PIN",
    State.PIN_SET: "get your certificates",
}


@dataclass
class FlowContext:
    """What every step needs: the database, the clock and the outside services."""

    sessions: sessionmaker
    clock: Any  # eds_toolkit.clock.Clock
    sms: Any  # eds_toolkit.sms.SmsGateway
    citizens: Any  # eds_toolkit.citizens.CitizensBase
    ca: Callable[[], Any]  # returns the process's CertificateAuthority (loaded once)
    audit_key: bytes
    otp_key: bytes
    enrolment_ttl: int = 3600
    phone_change_hold: int = 72 * 3600  # seconds a new number waits unless the old number confirms
    base_url: str = "http://127.0.0.1:5000"  # the service's public address, for links in SMS
    deliveries: SmsDispatcher = field(default_factory=SmsDispatcher)  # SMS sent after the answer

    def now(self) -> dt.datetime:
        return self.clock.now()

    def iin_hash(self, iin: str) -> str:
        """A keyed hash of the IIN for audit rows (IINs are guessable, a plain hash is not enough)."""
        return hmac.new(self.audit_key, iin.encode(), hashlib.sha256).hexdigest()

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session; closing it rolls back whatever its block did not commit (loaded rows stay readable)."""
        session = self.sessions()
        try:
            yield session
        finally:
            session.close()


def aware(value: dt.datetime) -> dt.datetime:
    """SQLite returns naive datetimes for timezone-aware columns: read them as UTC."""
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def token_hash(token: str) -> str:
    """The stored form of an API bearer token (random 256-bit tokens: SHA-256 suffices)."""
    return hashlib.sha256(token.encode()).hexdigest()


def load_for_step(
    ctx: FlowContext, session: Session, enrolment_id: str, allowed: set[State] | frozenset[State]
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


def expire(ctx: FlowContext, session: Session, enrolment: Enrolment) -> None:
    """Mark a timed-out enrolment expired (its own commit, so the refusal that follows sticks)."""
    try:
        transition(ctx, session, enrolment, State.EXPIRED, action="expire", reason="ttl_elapsed")
        session.commit()
    except ConcurrentChange:
        session.rollback()


def transition(
    ctx: FlowContext,
    session: Session,
    enrolment: Enrolment,
    to_state: State,
    *,
    action: str,
    client_address: str | None = None,
    reason: str | None = None,
    **changes: object,
) -> None:
    """Move ``enrolment`` to ``to_state`` iff nobody moved it since it was read; write the audit event.

    The caller commits. A racing request (a second tab) finds the version changed and is refused.
    """
    now = ctx.now()
    from_state = enrolment.state
    result = session.execute(
        update(Enrolment)
        .where(Enrolment.id == enrolment.id, Enrolment.version == enrolment.version)
        .values(state=str(to_state), version=enrolment.version + 1, updated_at=now, **changes)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        session.rollback()
        raise ConcurrentChange(
            "This enrolment was changed in another window or tab. Please reload the page and continue there."
        )
    enrolment.state = str(to_state)
    enrolment.version += 1
    enrolment.updated_at = now
    for name, value in changes.items():
        setattr(enrolment, name, value)
    audit(
        ctx,
        session,
        enrolment_id=enrolment.id,
        iin=enrolment.iin,
        action=action,
        outcome="ok",
        from_state=from_state,
        to_state=str(to_state),
        reason=reason,
        client_address=client_address,
    )


def audit(
    ctx: FlowContext,
    session: Session,
    *,
    enrolment_id: str | None,
    iin: str,
    action: str,
    outcome: str,
    from_state: str | None = None,
    to_state: str | None = None,
    reason: str | None = None,
    client_address: str | None = None,
) -> None:
    """Add one audit event to the session (the caller commits). Never pass a secret in here."""
    session.add(
        AuditEvent(
            enrolment_id=enrolment_id,
            iin_hash=ctx.iin_hash(iin),
            action=action,
            outcome=outcome,
            from_state=from_state,
            to_state=to_state,
            reason=reason,
            client_address=client_address,
            at=ctx.now(),
        )
    )


def audit_refusal(
    ctx: FlowContext, enrolment_id: str, action: str, error: FlowError, client_address: str | None
) -> None:
    """Record a refused step in a transaction of its own (the step's own work was rolled back)."""
    with ctx.session() as session:
        enrolment = session.get(Enrolment, enrolment_id) if enrolment_id else None
        if enrolment is None:
            return
        audit(
            ctx,
            session,
            enrolment_id=enrolment.id,
            iin=enrolment.iin,
            action=action,
            outcome="refused",
            from_state=enrolment.state,
            to_state=enrolment.state,
            reason=error.code,
            client_address=client_address,
        )
        session.commit()


def refusals_audited(action: str) -> Callable:
    """Decorate a step ``f(ctx, enrolment_id, ...)``: a refusal goes to the audit log, then is re-raised."""

    def decorate(step: Callable) -> Callable:
        def wrapper(ctx: FlowContext, enrolment_id: str, *args: Any, **kwargs: Any) -> Any:
            try:
                return step(ctx, enrolment_id, *args, **kwargs)
            except FlowError as error:
                if not isinstance(error, NotFound):
                    audit_refusal(ctx, enrolment_id, action, error, kwargs.get("client_address"))
                raise

        wrapper.__name__ = step.__name__
        wrapper.__doc__ = step.__doc__
        wrapper.__wrapped__ = step  # type: ignore[attr-defined]
        return wrapper

    return decorate
