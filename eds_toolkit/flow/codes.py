"""Glue between the flow and the OTP/SMS components: issue a code, send it after the commit, translate
OTP refusals."""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from eds_toolkit import otp
from eds_toolkit.core.context import ServiceContext
from eds_toolkit.core.refusals import CodeRefused, InvalidInput, Refusal, ServiceUnavailable, TooManyRequests
from eds_toolkit.flow.machine import State, aware, transition
from eds_toolkit.flow.models import Enrolment
from eds_toolkit.sms import DEFAULT_SENDER, SmsDeliveryError, mask_phone

log = logging.getLogger(__name__)

NOWHERE = otp.UNSENT_PHONE  # the code of an IIN with no phone in the base is made but never sent


def check_code_format(code: str) -> str:
    """Six digits, else a clear refusal that does not count as a try."""
    code = (code or "").strip()
    if len(code) != 6 or not code.isascii() or not code.isdigit():
        raise InvalidInput("The code from the SMS is 6 digits.", code="code_format")
    return code


@dataclass(frozen=True)
class PendingSms:
    """A code whose row is in the session, and the SMS still to send once that session has committed.

    The text carries the code: never log it (it is left out of ``repr``). The earlier codes of the same
    key and purpose keep working until this one's SMS is sent (:func:`deliver`, ``otp.mark_sent``).
    """

    code_row_id: int
    phone: str
    text: str = field(repr=False)
    key: str = ""
    purpose: str = ""
    ends_earlier: bool = True  # False: sent in place of an unsent code, which keeps working (unsent_codes)


def prepare_new_code(
    ctx: ServiceContext,
    session: Session,
    *,
    enrolment_id: str,
    purpose: str,
    phone: str | None,
    language: str,
    quiet_when_phone_throttled: bool = False,
) -> PendingSms | None:
    """Issue a code with the flow's SMS text in ``language`` (see :func:`prepare_code`)."""
    return prepare_code(
        ctx,
        session,
        key=enrolment_id,
        purpose=purpose,
        phone=phone,
        text=lambda code: otp.sms_text(code, language=language),
        quiet_when_phone_throttled=quiet_when_phone_throttled,
    )


def prepare_code(
    ctx: ServiceContext,
    session: Session,
    *,
    key: str,
    purpose: str,
    phone: str | None,
    text: Callable[[str], str],
    quiet_when_phone_throttled: bool = False,
) -> PendingSms | None:
    """Issue a code for ``key`` into ``session``; the SMS to send after the commit, or None (no phone).

    Making a code even when there is no phone keeps the answers (and throttling) the same whether
    or not the IIN is in the mobile-citizens base. The destination number is throttled across every
    enrolment (``otp.check_phone_throttle``): a refusal, or, with ``quiet_when_phone_throttled`` (the
    start step, whose answer must not tell whether the IIN has a phone), a code made but sent nowhere.
    The caller commits, then calls :func:`deliver` outside any transaction.
    """

    def issue(number: str) -> tuple[otp.OneTimeCode, str]:
        return otp.issue_code(
            session, enrolment_id=key, purpose=purpose, phone=number, clock=ctx.clock, secret=ctx.otp_key
        )

    try:
        try:
            row, code = issue(phone or NOWHERE)
        except (otp.PhoneResendTooSoon, otp.TooManyCodesToPhone):
            if not quiet_when_phone_throttled:
                raise
            row, code = issue(NOWHERE)
    except otp.OtpError as error:
        raise translate_otp_error(error) from None
    if row.phone == NOWHERE:
        return None
    return PendingSms(
        code_row_id=row.id,
        phone=row.phone,
        text=text(code),
        key=key,
        purpose=purpose,
    )


def deliver(
    ctx: ServiceContext, pending: PendingSms | None, *, undo: Callable[[Session], None] | None = None
) -> None:
    """Send a committed code's SMS; call with no transaction open (a provider may take seconds).

    Once the provider took it, the codes before it stop working (``otp.mark_sent``). When the provider
    fails, the code row is deleted (the earlier codes were never ended) and ``undo(session)`` reverts the
    step's other writes, in one transaction of their own; then ``ServiceUnavailable`` (sms_failed) is
    raised: nothing is kept. A process killed while sending leaves the earlier code working.
    """
    if pending is None:
        return
    try:
        ctx.sms.send(pending.phone, pending.text, sender=DEFAULT_SENDER)
    except SmsDeliveryError:
        with ctx.session() as session:
            session.execute(delete(otp.OneTimeCode).where(otp.OneTimeCode.id == pending.code_row_id))
            if undo is not None:
                undo(session)
            session.commit()
        raise ServiceUnavailable(
            "We could not send the SMS right now. Nothing was changed; please try again later.",
            code="sms_failed",
        ) from None
    with ctx.session() as session:  # sent: the codes before it stop working now, not at issue
        otp.mark_sent(session, pending.code_row_id, ctx.clock.now(), end_earlier=pending.ends_earlier)
        session.commit()


def deliver_later(
    ctx: ServiceContext, pending: PendingSms | None, *, undo: Callable[[Session], None] | None = None
) -> None:
    """Hand a committed code's SMS to ``ctx.deliveries`` and return at once (after the commit).

    The answer then never waits for the provider, so it takes as long whether or not the IIN has a
    phone. A failed send is undone as by :func:`deliver` (code deleted, superseded codes revived,
    ``undo``); the citizen learns it only by the code not arriving, the log by a warning.
    """
    if pending is None:
        return

    def send() -> None:
        try:
            deliver(ctx, pending, undo=undo)
        except ServiceUnavailable:
            log.warning(
                "the SMS with a code to %s could not be sent: the code was withdrawn",
                mask_phone(pending.phone),
            )

    ctx.deliveries.submit(pending.phone, send)


def translate_otp_error(error: Exception) -> Refusal:
    """An OTP refusal as a flow refusal with the same code and message."""
    code = getattr(error, "code", None) or "code_refused"
    if isinstance(error, otp.ResendTooSoon | otp.TooManyResends):
        retry_after = getattr(error, "retry_after", None)
        return TooManyRequests(str(error), code=code, retry_after=retry_after)
    if isinstance(error, otp.CodeWrong):
        return CodeRefused(str(error), code=code, remaining=getattr(error, "remaining", None))
    return CodeRefused(str(error), code=code)


def use_code(ctx: ServiceContext, session: Session, *, key: str, purpose: str, code: str) -> None:
    """Spend the code sent for ``key``; a refused code is a ``Refusal`` and its try still counts
    (the session is committed before the refusal is raised).

    When ``key`` is an enrolment, wrong codes also count over all its codes (``otp.MAX_WRONG_CODES_PER_
    ENROLMENT``) and over all its IIN's enrolments (``otp.MAX_WRONG_CODES_PER_IIN`` within
    ``otp.WRONG_CODES_WINDOW``): past either, the enrolment fails and no code is checked any more.
    """
    enrolment = session.get(Enrolment, key)
    if enrolment is not None:
        otp.take_turns(session, f"otp-iin:{enrolment.iin}")  # concurrent tries are counted one by one
        refuse_when_out_of_tries(ctx, session, enrolment)
    try:
        otp.verify_code(
            session, enrolment_id=key, purpose=purpose, code=code, clock=ctx.clock, secret=ctx.otp_key
        )
    except otp.OtpError as error:
        session.commit()  # the tries counter must persist even though the step is refused
        refusal = translate_otp_error(error)
        if enrolment is not None and isinstance(error, otp.CodeWrong | otp.TooManyAttempts):
            counted = refuse_when_out_of_tries(ctx, session, enrolment)
            if isinstance(error, otp.CodeWrong):  # the tries left of the smallest budget
                remaining = min(
                    error.remaining,
                    otp.MAX_WRONG_CODES_PER_ENROLMENT - counted.enrolment,
                    otp.MAX_WRONG_CODES_PER_IIN - counted.iin,
                )
                refusal = CodeRefused(
                    f"The code is wrong: {remaining} tries left.", code=error.code, remaining=remaining
                )
        raise refusal from None


@dataclass(frozen=True)
class WrongCodes:
    """The wrong codes counted against an enrolment: its own, its IIN's within the window, and when
    the IIN's count next drops below the limit (None while it is below)."""

    enrolment: int
    iin: int
    iin_frees_at: dt.datetime | None


def count_wrong_codes(ctx: ServiceContext, session: Session, enrolment: Enrolment) -> WrongCodes:
    """Count the wrong codes of ``enrolment`` and of every enrolment of its IIN (see :func:`use_code`)."""
    own = sum(attempts for _, attempts in otp.wrong_tries(session, [enrolment.id]))
    per_code = otp.wrong_tries(
        session,
        select(Enrolment.id).where(Enrolment.iin == enrolment.iin),
        since=ctx.now() - otp.WRONG_CODES_WINDOW,
    )
    total = sum(attempts for _, attempts in per_code)
    frees_at = None
    excess = total - otp.MAX_WRONG_CODES_PER_IIN + 1
    for created_at, attempts in per_code:  # oldest first: they leave the window in this order
        if excess <= 0:
            break
        excess -= attempts
        frees_at = aware(created_at) + otp.WRONG_CODES_WINDOW
    return WrongCodes(enrolment=own, iin=total, iin_frees_at=frees_at)


def refuse_when_out_of_tries(ctx: ServiceContext, session: Session, enrolment: Enrolment) -> WrongCodes:
    """Past the IIN's or the enrolment's limit of wrong codes: fail the enrolment (committed) and
    refuse; else the counts."""
    counted = count_wrong_codes(ctx, session, enrolment)
    if counted.iin >= otp.MAX_WRONG_CODES_PER_IIN:
        reason = "too_many_wrong_codes_for_iin"
        retry_after = max(1, math.ceil((counted.iin_frees_at - ctx.now()).total_seconds()))
        hours = max(1, math.ceil(retry_after / 3600))
        refusal = TooManyRequests(
            "Too many wrong SMS codes were entered for this IIN recently, so this enrolment was stopped "
            f"and codes cannot be entered for it now. Please start again in {hours} h or visit a "
            "service centre.",
            code=reason,
            retry_after=retry_after,
        )
    elif counted.enrolment >= otp.MAX_WRONG_CODES_PER_ENROLMENT:
        reason = "too_many_wrong_codes"
        refusal = TooManyRequests(
            f"{otp.MAX_WRONG_CODES_PER_ENROLMENT} wrong SMS codes were entered, so this enrolment was "
            "stopped. Please start again later or visit a service centre.",
            code=reason,
        )
    else:
        return counted
    transition(ctx, session, enrolment, State.FAILED, action=reason, reason=reason, failure_reason=reason)
    session.commit()
    raise refusal
