"""A new phone number for an IIN whose base already holds one: told to the old number, held, stoppable.

A code to the new number proves only that the person holds the new number. So when the base has
another number for the IIN:

- the old number gets an SMS naming the change, with an 8-digit owner code and the stop page;
- the change waits: the base keeps the old number, and an enrolment using the new one gets no
  certificates and no PIN until ``release_at`` (``EDS_PHONE_CHANGE_HOLD_HOURS``, 72 by default) has
  passed or the old number's code was typed into that enrolment (:func:`confirm_with_owner_code`);
- whoever holds the old number can stop it with the same code (:func:`stop_with_owner_code`): every
  enrolment using it fails, and it never takes effect;
- it takes effect (the base gets the new number) only once an enrolment using it has passed
  identification against the state photo and is released (:func:`apply_if_released`).

A later enrolment confirming the same new number for the same IIN continues the same change (same
``release_at``, no second notice), so a citizen who lost their old SIM is not held twice.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from eds_toolkit.core import audit
from eds_toolkit.core.context import ServiceContext
from eds_toolkit.core.refusals import CodeRefused, InvalidInput, Refusal
from eds_toolkit.flow.machine import FINAL_STATES, State, aware, subject_of, transition
from eds_toolkit.flow.models import Enrolment
from eds_toolkit.flow.phone_change_models import PhoneChange
from eds_toolkit.sms import mask_phone

OWNER_CODE_DIGITS = 8  # lives for the whole hold, so longer than a 6-digit login code
MAX_OWNER_CODE_TRIES = 5  # counted apart for the enrolment (confirm) and the stop page
STOPPED_REASON = "phone_change_stopped"
# A released change not yet used by an enrolment stays usable this long; later, the same new number
# opens a new change (a new SMS to the old number, a new hold).
USABLE_AFTER_RELEASE = dt.timedelta(days=7)


class PhoneChangePending(Refusal):
    """The enrolment uses a new number that has not taken effect yet: nothing is issued before
    ``release_at`` unless the old number confirms."""

    status = 409
    code = "phone_change_pending"
    title = "Phone change not in effect yet"


def _owner_code_hash(ctx: ServiceContext, iin: str, new_phone: str, code: str) -> str:
    message = "\x1f".join(("owner-code", iin, new_phone, code)).encode()
    return hmac.new(ctx.otp_key, message, hashlib.sha256).hexdigest()


def is_released(change: PhoneChange, now: dt.datetime) -> bool:
    """The change may take effect: not stopped, and confirmed by the old number or past its hold."""
    if change.stopped_at is not None:
        return False
    return change.confirmed_at is not None or now >= aware(change.release_at)


def live_change(session: Session, iin: str, new_phone: str, now: dt.datetime) -> PhoneChange | None:
    """The change of ``iin`` to ``new_phone`` that is neither stopped nor applied nor stale, if any."""
    return session.scalars(
        select(PhoneChange)
        .where(
            PhoneChange.iin == iin,
            PhoneChange.new_phone == new_phone,
            PhoneChange.stopped_at.is_(None),
            PhoneChange.applied_at.is_(None),
            PhoneChange.release_at > now - USABLE_AFTER_RELEASE,
        )
        .order_by(PhoneChange.id.desc())
        .limit(1)
    ).first()


def open_change(
    ctx: ServiceContext, session: Session, enrolment: Enrolment, old_phone: str, new_phone: str
) -> tuple[PhoneChange, str | None]:
    """The held change this enrolment uses (the live one for the same numbers, else a new one) and, for
    a new one, the owner code to send to ``old_phone`` after the commit (else None). No commit."""
    existing = live_change(session, enrolment.iin, new_phone, ctx.now())
    if existing is not None and existing.old_phone == old_phone:
        return existing, None
    now = ctx.now()
    code = f"{secrets.randbelow(10**OWNER_CODE_DIGITS):0{OWNER_CODE_DIGITS}d}"
    change = PhoneChange(
        iin=enrolment.iin,
        old_phone=old_phone,
        new_phone=new_phone,
        enrolment_id=enrolment.id,
        requested_at=now,
        release_at=now + dt.timedelta(seconds=ctx.phone_change_hold),
        owner_code_hash=_owner_code_hash(ctx, enrolment.iin, new_phone, code),
        confirm_attempts=0,
        stop_attempts=0,
    )
    session.add(change)
    session.flush()
    return change, code


def _code_matches(ctx: ServiceContext, change: PhoneChange, code: str) -> bool:
    actual = _owner_code_hash(ctx, change.iin, change.new_phone, code)
    return hmac.compare_digest(actual, change.owner_code_hash)


def check_owner_code_format(code: str) -> str:
    """Eight digits (spaces and dashes ignored), else a refusal that does not count as a try."""
    digits = "".join((code or "").split()).replace("-", "")
    if len(digits) != OWNER_CODE_DIGITS or not digits.isascii() or not digits.isdigit():
        raise InvalidInput(
            f"The code sent to the previous number is {OWNER_CODE_DIGITS} digits.", code="owner_code_format"
        )
    return digits


def notice_params(ctx: ServiceContext, change: PhoneChange, code: str) -> dict[str, object]:
    """What the phone-change notice to the old number says (the code: never log it)."""
    return {
        "new": mask_phone(change.new_phone),
        "code": code,
        "url": f"{ctx.base_url}/phone-change/stop",
        "release": aware(change.release_at),
    }


def confirm_with_owner_code(
    ctx: ServiceContext, enrolment_id: str, code: str, *, client_address: str | None = None
) -> PhoneChange:
    """The old number's code typed into the enrolment using the change: it takes effect at once.

    Five wrong codes and only the end of the hold can release it (the tries are the enrolment's)."""
    code = check_owner_code_format(code)
    with ctx.session() as session:
        enrolment = session.get(Enrolment, enrolment_id)
        change = session.get(PhoneChange, enrolment.phone_change_id) if enrolment else None
        if enrolment is None or change is None or State(enrolment.state) in FINAL_STATES:
            raise InvalidInput("This enrolment is not waiting for a phone change.", code="no_phone_change")
        if change.stopped_at is not None:
            raise CodeRefused("The change of the phone number was stopped.", code=STOPPED_REASON)
        if change.confirmed_at is not None:
            return change
        if change.confirm_attempts >= MAX_OWNER_CODE_TRIES:
            raise CodeRefused(
                "Too many wrong codes: the new number takes effect when the waiting time ends.",
                code="owner_code_locked",
            )
        if not _code_matches(ctx, change, code):
            change.confirm_attempts += 1
            _audit_confirmation(ctx, session, enrolment, "refused", "code_wrong", client_address)
            session.commit()
            left = MAX_OWNER_CODE_TRIES - change.confirm_attempts
            raise CodeRefused(f"The code is wrong: {left} tries left.", code="code_wrong", remaining=left)
        change.confirmed_at = ctx.now()
        _audit_confirmation(ctx, session, enrolment, "ok", None, client_address)
        session.commit()
        return change


def stop_with_owner_code(
    ctx: ServiceContext, iin: str, code: str, *, client_address: str | None = None
) -> int:
    """The owner stops the pending changes of ``iin`` their code belongs to; returns how many enrolments
    were stopped. A wrong code, an IIN with no pending change and a change already stopped get the same
    refusal (the page says nothing about whether a change exists)."""
    code = check_owner_code_format(code)
    refused = CodeRefused(
        "This code does not stop any change. Check the IIN and the code in the SMS.", code="owner_code_wrong"
    )
    with ctx.session() as session:
        pending = session.scalars(
            select(PhoneChange).where(
                PhoneChange.iin == iin,
                PhoneChange.stopped_at.is_(None),
                PhoneChange.applied_at.is_(None),
                PhoneChange.stop_attempts < MAX_OWNER_CODE_TRIES,
            )
        ).all()
        matched = [change for change in pending if _code_matches(ctx, change, code)]
        if not matched:
            for change in pending:
                change.stop_attempts += 1
            session.commit()
            raise refused
        now, stopped = ctx.now(), 0
        for change in matched:
            change.stopped_at = now
            enrolments = session.scalars(
                select(Enrolment).where(Enrolment.phone_change_id == change.id)
            ).all()
            for enrolment in enrolments:
                if State(enrolment.state) in FINAL_STATES:
                    continue
                transition(
                    ctx,
                    session,
                    enrolment,
                    State.FAILED,
                    action="phone_change_stopped",
                    client_address=client_address,
                    reason=STOPPED_REASON,
                    failure_reason=STOPPED_REASON,
                )
                stopped += 1
        session.commit()
        return stopped


def refuse_if_stopped(change: PhoneChange | None) -> None:
    """Refuse a step of an enrolment whose change the owner stopped (stopping fails its enrolments, so
    this guards a step already past its state check)."""
    if change is not None and change.stopped_at is not None:
        raise InvalidInput("The owner of the previous number stopped this phone change.", code=STOPPED_REASON)


def require_release(ctx: ServiceContext, session: Session, enrolment: Enrolment) -> PhoneChange | None:
    """The enrolment's change, checked to be released (else PhoneChangePending, or the enrolment's stop
    refused as failed); None when the enrolment changes no phone."""
    if enrolment.phone_change_id is None:
        return None
    change = session.get(PhoneChange, enrolment.phone_change_id)
    if change is None:
        return None
    refuse_if_stopped(change)
    if not is_released(change, ctx.now()):
        release_at = aware(change.release_at)
        release = f"{release_at:%d.%m.%Y %H:%M} UTC"
        raise PhoneChangePending(
            f"Your phone number was changed, so for your protection the certificates can be issued from "
            f"{release}, or now if you type the code we sent to your previous number.",
            release_at=release_at.isoformat(),
            release=release,
        )
    return change


def mark_applied(ctx: ServiceContext, session: Session, change: PhoneChange) -> None:
    """Record that the base now has the new number (compare-and-set; no commit)."""
    session.execute(
        update(PhoneChange)
        .where(PhoneChange.id == change.id, PhoneChange.applied_at.is_(None))
        .values(applied_at=ctx.now())
        .execution_options(synchronize_session=False)
    )


def _audit_confirmation(
    ctx: ServiceContext,
    session: Session,
    enrolment: Enrolment,
    outcome: str,
    reason: str | None,
    client_address: str | None,
) -> None:
    audit.record_about(
        ctx,
        session,
        subject_of(enrolment),
        "phone_change_confirm",
        outcome,
        reason=reason,
        client_address=client_address,
    )
