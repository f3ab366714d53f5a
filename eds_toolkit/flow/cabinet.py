"""The personal cabinet: sign in with IIN + PIN (attempt-limited) or with the AUTH certificate (a signed
one-time challenge), server-side sessions, certificates. A session opened with the AUTH certificate
ends at the first request after that certificate is revoked or expired.

Every failed sign-in answers the same way whether or not the IIN has an account: the wrong-PIN counter and
the lock are kept per IIN (``SigninThrottle``) for any IIN tried, and each attempt does one argon2 check.
"""

from __future__ import annotations

import datetime as dt
import math
import secrets

from sqlalchemy import update

from ca.store import certificates_of_iin
from eds_toolkit import pin as pin_policy
from eds_toolkit.core.context import ServiceContext
from eds_toolkit.core.refusals import InvalidInput
from eds_toolkit.flow.cabinet_models import CabinetSession, SigninThrottle
from eds_toolkit.flow.machine import aware, token_hash
from eds_toolkit.flow.models import DigitalIdAccount
from eds_toolkit.signed_challenge import (
    Challenge,
    SessionEnded,
    Signer,
    certificate_gone,
    end_session,
    issue_challenge,
    signer_of,
)
from national_profile.iin import InvalidIIN, parse_iin

WRONG = "The IIN or PIN is wrong."
CERTIFICATE_SIGNIN = "cabinet"  # the purpose of the cabinet's sign-in challenges
# a real argon2id hash of a PIN nobody can sign in with: checked when the IIN has no account or is paused
_DECOY_HASH = pin_policy.hash_pin("decoy-not-a-pin")


def minutes_text(minutes: int) -> str:
    """'1 minute', '15 minutes' (English)."""
    return "1 minute" if minutes == 1 else f"{minutes} minutes"


def paused_message(minutes: int) -> str:
    """The English refusal while sign-in for an IIN is paused."""
    return (
        "The IIN or PIN is wrong, or sign-in is paused after too many wrong PINs: "
        f"try again in {minutes_text(minutes)}."
    )


def sign_in(
    ctx: ServiceContext, iin: str, pin: str, *, max_attempts: int = 5, lockout_seconds: int = 900
) -> str:
    """Return the IIN when the PIN matches; count failures per IIN, pause sign-in for a while after too many.

    Refusals are all ``InvalidInput`` with code ``wrong_credentials`` (status 422); while paused the message
    also gives the minutes left (``extra``: ``minutes``, ``retry_after``). Neither depends on the account.
    """
    try:
        iin = parse_iin(iin).value
    except InvalidIIN as error:
        raise InvalidInput(str(error), code="invalid_iin") from None
    now = ctx.now()
    key = ctx.iin_hash(iin)
    with ctx.session() as session:
        throttle = session.get(SigninThrottle, key)
        if throttle is not None and throttle.locked_until is not None and aware(throttle.locked_until) > now:
            pin_policy.verify_pin(pin or "", _DECOY_HASH)  # the same work as any other attempt
            seconds = math.ceil((aware(throttle.locked_until) - now).total_seconds())
            minutes = max(1, math.ceil(seconds / 60))
            raise InvalidInput(
                paused_message(minutes),
                code="wrong_credentials",
                rule="paused",
                retry_after=seconds,
                minutes=minutes,
            )
        account = session.get(DigitalIdAccount, iin)
        matches = pin_policy.verify_pin(pin or "", account.pin_hash if account else _DECOY_HASH)
        if account is not None and matches:
            if throttle is not None:
                session.delete(throttle)
            session.commit()
            return iin
        if throttle is None:
            throttle = SigninThrottle(iin_hash=key, failed_attempts=0, updated_at=now)
            session.add(throttle)
        throttle.failed_attempts += 1
        throttle.updated_at = now
        throttle.locked_until = None
        if throttle.failed_attempts >= max_attempts:
            throttle.failed_attempts = 0
            throttle.locked_until = now + dt.timedelta(seconds=lockout_seconds)
        session.commit()
        raise InvalidInput(WRONG, code="wrong_credentials")


def start_certificate_sign_in(ctx: ServiceContext) -> Challenge:
    """A one-time challenge for the citizen to sign with their AUTH key (through the agent)."""
    return issue_challenge(ctx, CERTIFICATE_SIGNIN, "personal cabinet sign-in")


def sign_in_with_certificate(ctx: ServiceContext, challenge_id: str, signed_challenge: str | bytes) -> Signer:
    """Who signed the challenge with a valid AUTH certificate of this CA (IIN and serial); else a
    Refusal."""
    return signer_of(ctx, CERTIFICATE_SIGNIN, challenge_id, signed_challenge)


def session_hash(token: str) -> str:
    """The stored form of a cabinet session's token (SHA-256): what other tables bind to a session."""
    return token_hash(token)


def open_session(
    ctx: ServiceContext, iin: str, *, lifetime: dt.timedelta, certificate_serial: str | None = None
) -> str:
    """Start a server-side cabinet session for ``iin``; return its token (the browser keeps it).
    ``certificate_serial``: the AUTH certificate it was opened with (the session lasts no longer)."""
    token = secrets.token_urlsafe(32)
    now = ctx.now()
    with ctx.session() as session:
        session.add(
            CabinetSession(
                token_hash=session_hash(token),
                iin=iin,
                created_at=now,
                expires_at=now + lifetime,
                certificate_serial=certificate_serial,
            )
        )
        session.commit()
    return token


def session_owner(ctx: ServiceContext, token: str | None) -> str | SessionEnded | None:
    """The IIN of a live session (not ended, not expired), else None. A session opened with an AUTH
    certificate ends here once that certificate is revoked or expired (audited; ``SessionEnded``)."""
    if not token or not isinstance(token, str):
        return None
    now = ctx.now()
    with ctx.session() as session:
        row = session.get(CabinetSession, session_hash(token))
        if row is None or row.ended_at is not None or aware(row.expires_at) <= now:
            return None
        gone = row.certificate_serial and certificate_gone(session, row.certificate_serial, now)
        if not gone:
            return row.iin
        detail = {"certificate": row.certificate_serial}
        return end_session(
            ctx, session, row, gone, now, iin=row.iin, action="cabinet_session_ended", detail=detail
        )


def carry_session(
    ctx: ServiceContext, token: str | None, superseded: list[str], new_auth_serial: str
) -> None:
    """After a renewal made in this session: a session opened with one of the ``superseded`` AUTH
    certificates goes on with the new one (the renewal was signed with its key, in this session)."""
    if not token or not isinstance(token, str) or not superseded:
        return
    with ctx.session() as session:
        session.execute(
            update(CabinetSession)
            .where(
                CabinetSession.token_hash == session_hash(token),
                CabinetSession.ended_at.is_(None),
                CabinetSession.certificate_serial.in_(superseded),
            )
            .values(certificate_serial=new_auth_serial)
        )
        session.commit()


def close_session(ctx: ServiceContext, token: str | None) -> None:
    """End a session for good (sign-out): its token, wherever copied, no longer signs anyone in."""
    if not token or not isinstance(token, str):
        return
    with ctx.session() as session:
        row = session.get(CabinetSession, session_hash(token))
        if row is not None and row.ended_at is None:
            row.ended_at = ctx.now()
            session.commit()


def certificates_of(ctx: ServiceContext, iin: str) -> list:
    """The citizen's certificate records, newest first."""
    with ctx.session() as session:
        return certificates_of_iin(session, iin)
