"""Step 5: the PIN of the Digital ID account (6 digits, not trivial, typed twice, argon2id only).

An existing account is never changed silently: the new PIN replaces the old one only after the
identification against the state photo that precedes this step, and the number on record is told.
While the enrolment's phone change is held, the PIN waits with it (``pending_pin_hash``) and the
account keeps its old PIN until the change takes effect at issuance.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from eds_toolkit import pin as pin_policy
from eds_toolkit.citizens import UnknownCitizen
from eds_toolkit.core.context import ServiceContext
from eds_toolkit.core.refusals import InvalidInput, NotInRegister, ServiceUnavailable
from eds_toolkit.db import DATABASE_DOWN
from eds_toolkit.flow.machine import State, aware, load_for_step, refusals_audited, transition
from eds_toolkit.flow.models import DigitalIdAccount, Enrolment
from eds_toolkit.flow.owner_notices import notify_owner
from eds_toolkit.flow.phone_change import is_released, mark_applied, refuse_if_stopped
from eds_toolkit.flow.phone_change_models import PhoneChange

NOT_IN_REGISTER = (
    "Your records are not in the citizens register, so an EDS cannot be issued remotely. "
    "Please visit a public service centre with your identity card."
)
HELD_ENROLMENT_GRACE = dt.timedelta(days=1)  # a held enrolment stays usable this long after its release


def save_pin(ctx: ServiceContext, session: Session, iin: str, pin_hash: str) -> bool:
    """Give the account of ``iin`` this PIN (creating it); True when it replaced a PIN. No commit."""
    now = ctx.now()
    account = session.get(DigitalIdAccount, iin)
    if account is None:
        session.add(
            DigitalIdAccount(iin=iin, pin_hash=pin_hash, failed_attempts=0, created_at=now, updated_at=now)
        )
        return False
    account.pin_hash = pin_hash
    account.failed_attempts = 0
    account.locked_until = None
    account.updated_at = now
    return True


def register_new_phone(
    ctx: ServiceContext, session: Session, enrolment: Enrolment, client_address: str | None
) -> None:
    """Write the enrolment's newly registered number into the base (its own commit, before this
    session writes). Not in the register: the enrolment fails (NotInRegister); an outage is a 503."""
    try:
        ctx.citizens.register_phone(enrolment.iin, enrolment.phone)
    except UnknownCitizen:
        transition(
            ctx,
            session,
            enrolment,
            State.FAILED,
            action="not_in_register",
            client_address=client_address,
            reason="not_in_register",
            failure_reason="not_in_register",
        )
        session.commit()
        raise NotInRegister(NOT_IN_REGISTER) from None
    except DATABASE_DOWN:  # our own database, not the register: a 503 of its own
        raise
    except Exception as error:
        raise ServiceUnavailable(
            "The citizens register did not accept the phone number right now. Please try again.",
            code="registry_unavailable",
        ) from error


@refusals_audited("set_pin")
def set_pin(
    ctx: ServiceContext,
    enrolment_id: str,
    pin: str,
    pin_confirmation: str,
    *,
    client_address: str | None = None,
) -> Enrolment:
    """Set the PIN once identification is done; a newly registered phone goes into the base now.

    A citizen the register does not know is refused for good (``NotInRegister``, the enrolment is
    failed): remote issuance needs a record; an outage of the register stays a 503 to retry. With a
    held phone change the PIN is kept on the enrolment until the change takes effect.
    """
    with ctx.session() as session:
        enrolment = load_for_step(ctx, session, enrolment_id, {State.FACE_MATCHED})
        iin = enrolment.iin
    pin, pin_confirmation = (pin or "").strip(), (pin_confirmation or "").strip()
    try:
        pin_policy.check_pin_policy(pin, iin=iin)
    except pin_policy.WeakPin as error:
        raise InvalidInput(str(error), code="weak_pin", rule=getattr(error, "rule", None)) from None
    if pin != pin_confirmation:
        raise InvalidInput("The two PINs are different: type the same PIN twice.", code="pin_mismatch")
    pin_hash = pin_policy.hash_pin(pin)  # slow on purpose: done before the transaction opens
    with ctx.session() as session:
        enrolment = load_for_step(ctx, session, enrolment_id, {State.FACE_MATCHED})
        change = session.get(PhoneChange, enrolment.phone_change_id) if enrolment.phone_change_id else None
        refuse_if_stopped(change)
        if change is not None and not is_released(change, ctx.now()):
            keep_until = max(aware(enrolment.expires_at), aware(change.release_at) + HELD_ENROLMENT_GRACE)
            transition(
                ctx,
                session,
                enrolment,
                State.PIN_SET,
                action="set_pin",
                client_address=client_address,
                reason="phone_change_held",
                pending_pin_hash=pin_hash,
                expires_at=keep_until,
            )
            session.commit()
            return enrolment
        if enrolment.phone_source == "registered" and enrolment.phone:
            register_new_phone(ctx, session, enrolment, client_address)
        if change is not None:
            mark_applied(ctx, session, change)
        transition(ctx, session, enrolment, State.PIN_SET, action="set_pin", client_address=client_address)
        replaced = save_pin(ctx, session, enrolment.iin, pin_hash)
        session.commit()
    if replaced:
        notify_owner(
            ctx,
            phone=change.old_phone if change is not None else enrolment.phone,
            kind="pin_reset",
            iin=enrolment.iin,
            enrolment_id=enrolment.id,
            language=enrolment.language,
        )
    return enrolment
