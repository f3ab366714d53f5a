"""Glue between the flow and the OTP/SMS components: send a code, translate OTP refusals."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from eds_toolkit import otp
from eds_toolkit.flow.errors import CodeRefused, FlowError, InvalidInput, ServiceUnavailable, TooManyRequests
from eds_toolkit.flow.machine import FlowContext
from eds_toolkit.sms import DEFAULT_SENDER, SmsDeliveryError

NOWHERE = otp.UNSENT_PHONE  # the code of an IIN with no phone in the base is made but never sent


def check_code_format(code: str) -> str:
    """Six digits, else a clear refusal that does not count as a try."""
    code = (code or "").strip()
    if len(code) != 6 or not code.isascii() or not code.isdigit():
        raise InvalidInput("The code from the SMS is 6 digits.", code="code_format")
    return code


def send_new_code(
    ctx: FlowContext,
    session: Session,
    *,
    enrolment_id: str,
    purpose: str,
    phone: str | None,
    language: str,
    quiet_when_phone_throttled: bool = False,
) -> None:
    """Issue a code and send the flow's SMS text with it from 1414 (see :func:`send_code`)."""
    send_code(
        ctx,
        session,
        key=enrolment_id,
        purpose=purpose,
        phone=phone,
        text=lambda code: otp.sms_text(code, language=language),
        quiet_when_phone_throttled=quiet_when_phone_throttled,
    )


def send_code(
    ctx: FlowContext,
    session: Session,
    *,
    key: str,
    purpose: str,
    phone: str | None,
    text: Callable[[str], str],
    quiet_when_phone_throttled: bool = False,
) -> None:
    """Issue a code for ``key`` and send ``text(code)`` by SMS from 1414. With no phone the code is made
    but sent nowhere.

    Making a code even when there is no phone keeps the answers (and throttling) the same whether
    or not the IIN is in the mobile-citizens base. The destination number is throttled across every
    enrolment (``otp.check_phone_throttle``): a refusal, or, with ``quiet_when_phone_throttled`` (the
    start step, whose answer must not tell whether the IIN has a phone), a code made but sent nowhere.
    """

    def issue(number: str) -> str:
        _row, code = otp.issue_code(
            session, enrolment_id=key, purpose=purpose, phone=number, clock=ctx.clock, secret=ctx.otp_key
        )
        return code

    try:
        try:
            code = issue(phone or NOWHERE)
        except (otp.PhoneResendTooSoon, otp.TooManyCodesToPhone):
            if not quiet_when_phone_throttled:
                raise
            code, phone = issue(NOWHERE), None
    except otp.OtpError as error:
        raise translate_otp_error(error) from None
    if phone:
        try:
            ctx.sms.send(phone, text(code), sender=DEFAULT_SENDER)
        except SmsDeliveryError:
            raise ServiceUnavailable(
                "We could not send the SMS right now. Nothing was changed; please try again later.",
                code="sms_failed",
            ) from None


def translate_otp_error(error: Exception) -> FlowError:
    """An OTP refusal as a flow refusal with the same code and message."""
    code = getattr(error, "code", None) or "code_refused"
    if isinstance(error, otp.ResendTooSoon | otp.TooManyResends):
        retry_after = getattr(error, "retry_after", None)
        return TooManyRequests(str(error), code=code, retry_after=retry_after)
    if isinstance(error, otp.CodeWrong):
        return CodeRefused(str(error), code=code, remaining=getattr(error, "remaining", None))
    return CodeRefused(str(error), code=code)


def use_code(ctx: FlowContext, session: Session, *, key: str, purpose: str, code: str) -> None:
    """Spend the code sent for ``key``; a refused code is a ``FlowError`` and its try still counts
    (the session is committed before the refusal is raised)."""
    try:
        otp.verify_code(
            session, enrolment_id=key, purpose=purpose, code=code, clock=ctx.clock, secret=ctx.otp_key
        )
    except otp.OtpError as error:
        session.commit()  # the tries counter must persist even though the step is refused
        raise translate_otp_error(error) from None
