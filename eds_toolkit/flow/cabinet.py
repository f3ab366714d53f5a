"""The personal cabinet: sign in with IIN + PIN (attempt-limited), then certificates and history."""

from __future__ import annotations

import datetime as dt
import math

from ca.iin import InvalidIIN, parse_iin
from eds_toolkit import pin as pin_policy
from eds_toolkit.flow.errors import InvalidInput, TooManyRequests
from eds_toolkit.flow.machine import FlowContext, aware
from eds_toolkit.flow.models import DigitalIdAccount

WRONG = "The IIN or PIN is wrong."


def sign_in(
    ctx: FlowContext, iin: str, pin: str, *, max_attempts: int = 5, lockout_seconds: int = 900
) -> str:
    """Return the IIN when the PIN matches; count failures and lock the account for a while after too many."""
    try:
        iin = parse_iin(iin).value
    except InvalidIIN as error:
        raise InvalidInput(str(error), code="invalid_iin") from None
    now = ctx.now()
    with ctx.session() as session:
        account = session.get(DigitalIdAccount, iin)
        if account is None:
            pin_policy.hash_pin(
                "000000"
            )  # same work as a real check: no timing hint that the IIN has no account
            raise InvalidInput(WRONG, code="wrong_credentials")
        if account.locked_until is not None and aware(account.locked_until) > now:
            seconds = math.ceil((aware(account.locked_until) - now).total_seconds())
            minutes = max(1, math.ceil(seconds / 60))
            raise TooManyRequests(
                f"Too many wrong PINs. Try again in {minutes} minutes.",
                code="signin_locked",
                retry_after=seconds,
                minutes=minutes,
            )
        if pin_policy.verify_pin(pin or "", account.pin_hash):
            account.failed_attempts = 0
            account.locked_until = None
            session.commit()
            return iin
        account.failed_attempts += 1
        if account.failed_attempts >= max_attempts:
            account.failed_attempts = 0
            account.locked_until = now + dt.timedelta(seconds=lockout_seconds)
        session.commit()
        raise InvalidInput(WRONG, code="wrong_credentials")


def certificates_of(ctx: FlowContext, iin: str) -> list:
    """The citizen's certificate records, newest first."""
    from sqlalchemy import select

    from ca.store import CertificateRecord

    with ctx.session() as session:
        return list(
            session.scalars(
                select(CertificateRecord)
                .where(CertificateRecord.iin == iin)
                .order_by(CertificateRecord.not_before.desc())
            )
        )
