"""Step 1 and 2: the IIN starts an enrolment, the SMS code confirms the phone in the base."""

from __future__ import annotations

import datetime as dt
import math
import secrets
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from eds_toolkit.core import audit
from eds_toolkit.core.context import ServiceContext
from eds_toolkit.core.refusals import InvalidInput, ServiceUnavailable
from eds_toolkit.core.versioned import bump_version
from eds_toolkit.db import DATABASE_DOWN
from eds_toolkit.flow.codes import check_code_format, deliver_later, prepare_new_code, use_code
from eds_toolkit.flow.identification.reference import require_state_photo
from eds_toolkit.flow.machine import (
    State,
    aware,
    load_for_step,
    refusals_audited,
    subject_of,
    token_hash,
    transition,
)
from eds_toolkit.flow.models import Enrolment
from eds_toolkit.otp import PHONE_RESEND_INTERVAL, OneTimeCode
from eds_toolkit.translations import N_
from national_profile.iin import InvalidIIN, parse_iin

START_MESSAGE = N_(
    "If this IIN has a phone number in the mobile-citizens base, we sent a code from 1414 to it. "
    "No code? Register your phone number instead."
)


@dataclass(frozen=True)
class Started:
    """A new enrolment and the bearer token API clients use for it (shown once, stored hashed)."""

    enrolment: Enrolment
    api_token: str


def new_enrolment_id() -> str:
    """32 URL-safe characters (192 random bits) that never start with "-", so that an operator can pass
    an id to any command (``eds identify export ID``) without it being read as an option."""
    while True:
        candidate = secrets.token_urlsafe(24)
        if not candidate.startswith("-"):
            return candidate


def start(
    ctx: ServiceContext, iin: str, *, client_address: str | None = None, language: str = "en"
) -> Started:
    """Validate the IIN, look it up, create the enrolment and send a code if the base has a phone.

    The answer is the same whether or not the IIN is in the base (no enumeration).
    """
    try:
        iin = parse_iin(iin).value
    except InvalidIIN as error:
        raise InvalidInput(str(error), code="invalid_iin") from None
    try:
        record = ctx.citizens.lookup(iin)
    except DATABASE_DOWN:  # our own database, not the register: a 503 of its own
        raise
    except Exception as error:  # an external registry that fails: the citizen sees it, nothing is stored
        raise ServiceUnavailable(
            "The citizens register is not answering right now. Please try again in a few minutes.",
            code="registry_unavailable",
        ) from error
    phone = record.phone if record is not None and record.phone else None
    language = (language or "en").split("-")[0].split("_")[0].lower()[:5]
    now = ctx.now()
    token = secrets.token_urlsafe(32)
    with ctx.session() as session:
        enrolment = Enrolment(
            id=new_enrolment_id(),
            iin=iin,
            state=str(State.STARTED),
            version=1,
            phone=phone,
            phone_source="base" if phone else None,
            language=language,
            api_token_hash=token_hash(token),
            created_at=now,
            updated_at=now,
            expires_at=now + dt.timedelta(seconds=ctx.enrolment_ttl),
        )
        session.add(enrolment)
        session.flush()
        audit.record(
            ctx,
            session,
            enrolment_id=enrolment.id,
            iin=iin,
            action="start",
            outcome="ok",
            to_state=str(State.STARTED),
            client_address=client_address,
        )
        pending = prepare_new_code(
            ctx,
            session,
            enrolment_id=enrolment.id,
            purpose="login",
            phone=phone,
            language=language,
            quiet_when_phone_throttled=True,
        )
        session.commit()
    # after the commit and the answer: a slow SMS provider holds neither the write lock nor the answer
    deliver_later(ctx, pending, undo=lambda session: first_code_not_sent(ctx, session, enrolment.id))
    return Started(enrolment=enrolment, api_token=token)


def _seconds_left(ctx: ServiceContext, started_at: dt.datetime) -> int | None:
    """Seconds until a code may be asked again after one asked at ``started_at``; None when it may now."""
    left = (aware(started_at) + PHONE_RESEND_INTERVAL - ctx.now()).total_seconds()
    return math.ceil(left) if left > 0 else None


def restart_wait(ctx: ServiceContext, enrolment_id: str, iin: str) -> int | None:
    """The IIN typed again in the browser whose enrolment ``enrolment_id`` started for it less than a
    minute ago and waits for its code: the seconds until a new code may be asked (that enrolment goes
    on, no second SMS); None otherwise. The same for every IIN, in the base or not: each has an
    enrolment, and nothing here reads the base.
    """
    if not enrolment_id:
        return None
    try:
        iin = parse_iin(iin).value
    except InvalidIIN:
        return None
    with ctx.session() as session:
        enrolment = session.get(Enrolment, enrolment_id)
        if enrolment is None or enrolment.iin != iin or enrolment.state != State.STARTED:
            return None
        if enrolment.pending_phone or ctx.now() >= aware(enrolment.expires_at):
            return None
        return _seconds_left(ctx, enrolment.created_at)


def code_wait_elsewhere(ctx: ServiceContext, enrolment_id: str) -> int | None:
    """Seconds until this enrolment may ask for a code when another enrolment for its IIN (another window
    or device) started less than a minute before it: its first SMS was then not sent (the number's
    resend interval); None otherwise. The same for every IIN, in the base or not."""
    if not enrolment_id:
        return None
    with ctx.session() as session:
        enrolment = session.get(Enrolment, enrolment_id)
        if enrolment is None or enrolment.state != State.STARTED or enrolment.pending_phone:
            return None
        created = aware(enrolment.created_at)
        earlier = session.scalar(
            select(func.max(Enrolment.created_at)).where(
                Enrolment.iin == enrolment.iin,
                Enrolment.id != enrolment.id,
                Enrolment.created_at <= created,
                Enrolment.created_at > created - PHONE_RESEND_INTERVAL,
            )
        )
        return _seconds_left(ctx, earlier) if earlier is not None else None


def first_code_not_sent(ctx: ServiceContext, session: Session, enrolment_id: str) -> None:
    """The first SMS could not be sent: the enrolment stops (``sms_failed``); the citizen starts again.

    Its codes go (none was delivered); its events stay, with one more saying why it stopped.
    """
    session.execute(delete(OneTimeCode).where(OneTimeCode.enrolment_id == enrolment_id))
    stopped = bump_version(
        session,
        Enrolment,
        enrolment_id,
        Enrolment.state == str(State.STARTED),
        state=str(State.FAILED),
        failure_reason="sms_failed",
        updated_at=ctx.now(),
    )
    enrolment = session.get(Enrolment, enrolment_id)
    if stopped and enrolment is not None:
        audit.record(
            ctx,
            session,
            iin=enrolment.iin,
            action="start",
            outcome=audit.UNDONE,
            enrolment_id=enrolment_id,
            from_state=str(State.STARTED),
            to_state=str(State.FAILED),
            reason="sms_failed",
        )


@refusals_audited("submit_code")
def submit_code(
    ctx: ServiceContext, enrolment_id: str, code: str, *, client_address: str | None = None
) -> Enrolment:
    """Check the SMS code (single use, 5 tries, 5 minutes): the phone in the base is confirmed.

    Then the state's photo of the IIN's owner must be usable, else the enrolment stops here
    (ServiceCentreRequired): remote identification has nothing to match the live face against."""
    code = check_code_format(code)
    with ctx.session() as session:
        enrolment = load_for_step(ctx, session, enrolment_id, {State.STARTED})
        if enrolment.pending_phone:
            raise InvalidInput(
                "You asked to register a new phone number: enter the code sent to that number instead.",
                code="code_for_new_phone_expected",
            )
        use_code(ctx, session, key=enrolment.id, purpose="login", code=code)
        transition(
            ctx,
            session,
            enrolment,
            State.PHONE_CONFIRMED,
            action="submit_code",
            client_address=client_address,
        )
        session.commit()
    require_state_photo(ctx, enrolment.id, enrolment.iin, client_address)
    return enrolment


@refusals_audited("resend_code")
def resend_code(
    ctx: ServiceContext, enrolment_id: str, *, client_address: str | None = None, language: str | None = None
) -> Enrolment:
    """A new code (the previous one stops working); throttled: not within a minute, a few an hour.

    The SMS is in ``language``, else in the language the enrolment was started in. When the phone in
    the base is throttled (codes of other enrolments), the code is made and sent nowhere, as at the
    start: the answer is the same whether or not the IIN has a phone.
    """
    with ctx.session() as session:
        enrolment = load_for_step(ctx, session, enrolment_id, {State.STARTED})
        if enrolment.pending_phone:
            purpose, phone = "phone", enrolment.pending_phone
        else:
            purpose, phone = "login", enrolment.phone
        pending = prepare_new_code(
            ctx,
            session,
            enrolment_id=enrolment.id,
            purpose=purpose,
            phone=phone,
            language=language or enrolment.language or "en",
            quiet_when_phone_throttled=purpose == "login",
        )
        audit.record_about(
            ctx, session, subject_of(enrolment), "resend_code", audit.OK, client_address=client_address
        )
        session.commit()
    deliver_later(ctx, pending, undo=lambda session: resend_not_sent(ctx, session, enrolment))
    return enrolment


def resend_not_sent(ctx: ServiceContext, session: Session, enrolment: Enrolment) -> None:
    """The resent code's SMS failed: the resend is undone (a new event, ``sms_failed``)."""
    audit.record_about(ctx, session, subject_of(enrolment), "resend_code", audit.UNDONE, reason="sms_failed")
