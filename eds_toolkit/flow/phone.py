"""Step 3: register (or re-register) a phone number for the IIN, confirmed by a code sent to it."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from eds_toolkit.citizens import InvalidPhone, normalise_phone
from eds_toolkit.flow.codes import check_code_format, deliver, prepare_new_code, use_code
from eds_toolkit.flow.errors import InvalidInput, StepOutOfOrder
from eds_toolkit.flow.machine import FlowContext, State, load_for_step, refusals_audited, transition
from eds_toolkit.flow.models import Enrolment
from eds_toolkit.flow.reference import require_state_photo
from eds_toolkit.flow.start import drop_latest_audit


@refusals_audited("register_phone")
def register_phone(
    ctx: FlowContext,
    enrolment_id: str,
    phone: str,
    *,
    client_address: str | None = None,
    language: str | None = None,
) -> Enrolment:
    """Send a confirmation code to ``phone``; the number is kept as pending until confirmed.

    The SMS is in ``language``, else in the language the enrolment was started in.
    """
    try:
        phone = normalise_phone(phone)
    except InvalidPhone as error:
        raise InvalidInput(str(error), code="invalid_phone") from None
    with ctx.session() as session:
        enrolment = load_for_step(ctx, session, enrolment_id, {State.STARTED})
        previous = enrolment.pending_phone
        transition(
            ctx,
            session,
            enrolment,
            State.STARTED,
            action="register_phone",
            client_address=client_address,
            pending_phone=phone,
        )
        pending = prepare_new_code(
            ctx,
            session,
            enrolment_id=enrolment.id,
            purpose="phone",
            phone=phone,
            language=language or enrolment.language or "en",
        )
        session.commit()

    def undo(session: Session) -> None:
        """The number was not reached: it is not pending any more (an earlier one's code stays expired)."""
        session.execute(
            update(Enrolment)
            .where(Enrolment.id == enrolment.id, Enrolment.pending_phone == phone)
            .values(pending_phone=previous, version=Enrolment.version + 1)
        )
        drop_latest_audit(session, enrolment.id, "register_phone")

    deliver(ctx, pending, undo=undo)
    return enrolment


@refusals_audited("confirm_phone")
def confirm_phone(
    ctx: FlowContext, enrolment_id: str, code: str, *, client_address: str | None = None
) -> Enrolment:
    """Check the code sent to the new number: the phone is confirmed for this enrolment.

    The number is written into the mobile-citizens base only once the citizen is identified
    (at the PIN step), so a phone alone can never re-register someone else's IIN.
    """
    code = check_code_format(code)
    with ctx.session() as session:
        enrolment = load_for_step(ctx, session, enrolment_id, {State.STARTED})
        if not enrolment.pending_phone:
            raise StepOutOfOrder("Enter your new phone number first; we will send a code to it.")
        use_code(ctx, session, key=enrolment.id, purpose="phone", code=code)
        transition(
            ctx,
            session,
            enrolment,
            State.PHONE_CONFIRMED,
            action="confirm_phone",
            client_address=client_address,
            phone=enrolment.pending_phone,
            phone_source="registered",
            pending_phone=None,
        )
        session.commit()
    require_state_photo(ctx, enrolment.id, enrolment.iin, client_address)
    return enrolment
