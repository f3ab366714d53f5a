"""Step 3: register (or re-register) a phone number for the IIN, confirmed by a code sent to it."""

from __future__ import annotations

from sqlalchemy.orm import Session

from eds_toolkit.citizens import InvalidPhone, normalise_phone
from eds_toolkit.core import audit
from eds_toolkit.core.context import ServiceContext
from eds_toolkit.core.refusals import InvalidInput, ServiceUnavailable, StepOutOfOrder
from eds_toolkit.core.versioned import bump_version
from eds_toolkit.db import DATABASE_DOWN
from eds_toolkit.flow.codes import check_code_format, deliver, prepare_new_code, use_code
from eds_toolkit.flow.identification.reference import require_state_photo
from eds_toolkit.flow.machine import State, load_for_step, refusals_audited, subject_of, transition
from eds_toolkit.flow.models import Enrolment
from eds_toolkit.flow.owner_notices import notify_owner
from eds_toolkit.flow.phone_change import notice_params, open_change


@refusals_audited("register_phone")
def register_phone(
    ctx: ServiceContext,
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
        still_pending = Enrolment.pending_phone == phone
        bump_version(session, Enrolment, enrolment.id, still_pending, pending_phone=previous)
        audit.record_about(
            ctx, session, subject_of(enrolment), "register_phone", audit.UNDONE, reason="sms_failed"
        )

    deliver(ctx, pending, undo=undo)
    return enrolment


def _phone_on_record(ctx: ServiceContext, enrolment_id: str) -> str | None:
    """The number the base holds for the enrolment's IIN (looked up before any transaction opens)."""
    with ctx.session() as session:
        enrolment = session.get(Enrolment, enrolment_id) if enrolment_id else None
        iin = enrolment.iin if enrolment is not None else None
    if iin is None:
        return None
    try:
        record = ctx.citizens.lookup(iin)
    except DATABASE_DOWN:  # our own database, not the register: a 503 of its own
        raise
    except Exception as error:  # an external registry that fails: nothing is changed, try again
        raise ServiceUnavailable(
            "The citizens register is not answering right now. Please try again in a few minutes.",
            code="registry_unavailable",
        ) from error
    return record.phone if record is not None else None


@refusals_audited("confirm_phone")
def confirm_phone(
    ctx: ServiceContext, enrolment_id: str, code: str, *, client_address: str | None = None
) -> Enrolment:
    """Check the code sent to the new number: the phone is confirmed for this enrolment.

    The number is written into the mobile-citizens base only once the citizen is identified against
    the state photo (at the PIN step), so a phone alone can never re-register someone else's IIN. When
    the base holds another number for the IIN, this is a phone change (:mod:`eds_toolkit.flow.phone_change`):
    the old number is told by SMS, and nothing is issued to this enrolment until the change is released.
    """
    code = check_code_format(code)
    on_record = _phone_on_record(ctx, enrolment_id)
    owner_code = None
    with ctx.session() as session:
        enrolment = load_for_step(ctx, session, enrolment_id, {State.STARTED})
        if not enrolment.pending_phone:
            raise StepOutOfOrder("Enter your new phone number first; we will send a code to it.")
        use_code(ctx, session, key=enrolment.id, purpose="phone", code=code)
        new_phone = enrolment.pending_phone
        change = None
        if on_record and on_record != new_phone:
            change, owner_code = open_change(ctx, session, enrolment, on_record, new_phone)
        transition(
            ctx,
            session,
            enrolment,
            State.PHONE_CONFIRMED,
            action="confirm_phone",
            client_address=client_address,
            reason="phone_change_held" if change is not None else None,
            phone=new_phone,
            phone_source="registered",
            pending_phone=None,
            phone_change_id=change.id if change is not None else None,
        )
        session.commit()
    if owner_code is not None:  # before the state-photo check: the owner hears of every attempt
        notify_owner(
            ctx,
            phone=on_record,
            kind="phone_change",
            iin=enrolment.iin,
            enrolment_id=enrolment.id,
            language=enrolment.language,
            **notice_params(ctx, change, owner_code),
        )
    require_state_photo(ctx, enrolment.id, enrolment.iin, client_address)
    return enrolment
