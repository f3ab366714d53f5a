"""Glue between the flow and the OTP/SMS components: issue a code, send it after the commit, translate
OTP refusals."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import delete, exists, select, update
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


@dataclass(frozen=True)
class PendingSms:
    """A code whose row is in the session, and the SMS still to send once that session has committed.

    The text carries the code: never log it (it is left out of ``repr``). ``superseded`` holds the
    earlier live codes of the same key and purpose with their expiry, which issuing ended at
    ``issued_at``; a failed send gives them back (see :func:`deliver`).
    """

    code_row_id: int
    phone: str
    text: str = field(repr=False)
    key: str = ""
    purpose: str = ""
    issued_at: dt.datetime | None = None
    superseded: tuple[tuple[int, dt.datetime], ...] = ()


def prepare_new_code(
    ctx: FlowContext,
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
    ctx: FlowContext,
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

    now = ctx.clock.now()
    superseded = tuple(
        (row_id, expires_at)
        for row_id, expires_at in session.execute(
            select(otp.OneTimeCode.id, otp.OneTimeCode.expires_at).where(
                otp.OneTimeCode.enrolment_id == key,
                otp.OneTimeCode.purpose == purpose,
                otp.OneTimeCode.used_at.is_(None),
                otp.OneTimeCode.expires_at > now,
            )
        )
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
        issued_at=row.created_at,
        superseded=superseded,
    )


def deliver(
    ctx: FlowContext, pending: PendingSms | None, *, undo: Callable[[Session], None] | None = None
) -> None:
    """Send a committed code's SMS; call with no transaction open (a provider may take seconds).

    When the provider fails, the code row is deleted, the earlier codes it ended work again (unless a
    newer code was issued meanwhile) and ``undo(session)`` reverts the step's other writes, all in one
    transaction of their own; then ``ServiceUnavailable`` (sms_failed) is raised: nothing is kept.
    """
    if pending is None:
        return
    try:
        ctx.sms.send(pending.phone, pending.text, sender=DEFAULT_SENDER)
    except SmsDeliveryError:
        with ctx.session() as session:
            session.execute(delete(otp.OneTimeCode).where(otp.OneTimeCode.id == pending.code_row_id))
            _revive_superseded(session, pending)
            if undo is not None:
                undo(session)
            session.commit()
        raise ServiceUnavailable(
            "We could not send the SMS right now. Nothing was changed; please try again later.",
            code="sms_failed",
        ) from None


def _revive_superseded(session: Session, pending: PendingSms) -> None:
    """Give the codes a failed send's code ended their expiry back, unless a newer code replaced it."""
    if not pending.superseded or pending.issued_at is None:
        return
    newer = session.scalar(
        select(
            exists().where(
                otp.OneTimeCode.enrolment_id == pending.key,
                otp.OneTimeCode.purpose == pending.purpose,
                otp.OneTimeCode.id > pending.code_row_id,
            )
        )
    )
    if newer:
        return
    for row_id, expires_at in pending.superseded:
        session.execute(
            update(otp.OneTimeCode)
            .where(
                otp.OneTimeCode.id == row_id,
                otp.OneTimeCode.used_at.is_(None),
                otp.OneTimeCode.expires_at == pending.issued_at,
            )
            .values(expires_at=expires_at)
            .execution_options(synchronize_session=False)
        )


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
