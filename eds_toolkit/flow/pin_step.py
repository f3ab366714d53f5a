"""Step 5: the PIN of the Digital ID account (6 digits, not trivial, typed twice, argon2id only)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from eds_toolkit import pin as pin_policy
from eds_toolkit.citizens import UnknownCitizen
from eds_toolkit.flow.errors import InvalidInput, NotInRegister, ServiceUnavailable
from eds_toolkit.flow.machine import FlowContext, State, load_for_step, refusals_audited, transition
from eds_toolkit.flow.models import DigitalIdAccount, Enrolment

NOT_IN_REGISTER = (
    "Your records are not in the citizens register, so an EDS cannot be issued remotely. "
    "Please visit a public service centre with your identity card."
)


def _save_account(ctx: FlowContext, session: Session, iin: str, pin_hash: str) -> None:
    now = ctx.now()
    account = session.get(DigitalIdAccount, iin)
    if account is None:
        session.add(
            DigitalIdAccount(iin=iin, pin_hash=pin_hash, failed_attempts=0, created_at=now, updated_at=now)
        )
    else:
        account.pin_hash = pin_hash
        account.failed_attempts = 0
        account.locked_until = None
        account.updated_at = now


@refusals_audited("set_pin")
def set_pin(
    ctx: FlowContext, enrolment_id: str, pin: str, pin_confirmation: str, *, client_address: str | None = None
) -> Enrolment:
    """Set the PIN once identification is done; a newly registered phone goes into the base now.

    A citizen the register does not know is refused for good (``NotInRegister``, the enrolment is
    failed): remote issuance needs a record; an outage of the register stays a 503 to retry.
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
        if enrolment.phone_source == "registered" and enrolment.phone:
            # before this transaction writes: the built-in base commits in a session of its own
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
            except Exception as error:
                raise ServiceUnavailable(
                    "The citizens register did not accept the phone number right now. Please try again.",
                    code="registry_unavailable",
                ) from error
        transition(ctx, session, enrolment, State.PIN_SET, action="set_pin", client_address=client_address)
        _save_account(ctx, session, enrolment.iin, pin_hash)
        session.commit()
        return enrolment
