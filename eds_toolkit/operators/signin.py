"""Operators sign in with their AUTH certificate: they sign a one-time challenge through the agent.

``start_signin`` hands out the challenge (5 minutes, one attempt); ``complete_signin`` checks it the
way renewal does (``eds_toolkit.signed_challenge``: ours, AUTH, current, unrevoked, the key's own
signature over exactly the challenge), then that the certificate's IIN is an enabled operator, and
opens a server-side session: 15 minutes idle, 8 hours at most. Every attempt is audited. At each
request the session's AUTH certificate must still be current and unrevoked (``certificate_gone``), or
the session ends there, audited (``operator_session_ended`` with the reason).
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from sqlalchemy import update

from eds_toolkit.core import audit
from eds_toolkit.core.context import ServiceContext
from eds_toolkit.core.refusals import Refusal
from eds_toolkit.flow.machine import token_hash
from eds_toolkit.operators.models import OperatorSession
from eds_toolkit.operators.registry import OperatorView, operator, operator_by_iin
from eds_toolkit.signed_challenge import (
    Challenge,
    SessionEnded,
    SignatureRefused,
    certificate_gone,
    end_session,
    issue_challenge,
    signer_of,
)

PURPOSE = "operator"
IDLE = dt.timedelta(minutes=15)
LONGEST = dt.timedelta(hours=8)


@dataclass(frozen=True)
class SignedIn:
    """An operator's live session: who, and with which AUTH certificate they signed in."""

    operator: OperatorView
    certificate_serial: str


def start_signin(ctx: ServiceContext) -> Challenge:
    """A fresh random challenge for the operator to sign with their AUTH key."""
    return issue_challenge(ctx, PURPOSE, "operator sign-in")


def complete_signin(
    ctx: ServiceContext,
    challenge_id: str,
    signed_challenge: str | bytes,
    *,
    client_address: str | None = None,
) -> tuple[str, SignedIn]:
    """Check the signed challenge and open a session; return (token, who). Refusals are audited."""
    iin = ""
    try:
        signer = signer_of(ctx, PURPOSE, challenge_id, signed_challenge)
        iin = signer.iin
        who = operator_by_iin(ctx, iin)
        if who is None or not who.permissions:
            raise SignatureRefused(
                "This certificate does not belong to an operator of this CA (or the operator is disabled).",
                code="not_an_operator",
            )
        token = _open_session(ctx, who, signer.certificate_serial, client_address)
    except Refusal as error:
        with ctx.session() as session:
            audit.record(
                ctx,
                session,
                iin=iin or getattr(error, "signer_iin", ""),
                action="operator_signin",
                outcome=audit.REFUSED,
                reason=error.code,
                client_address=client_address,
            )
            session.commit()
        raise
    return token, SignedIn(who, signer.certificate_serial)


def signed_in(ctx: ServiceContext, token: str | None) -> SignedIn | SessionEnded | None:
    """The operator of a live session (touched: the idle clock restarts), else None. A disabled
    operator's sessions end here; so does a session whose AUTH certificate is revoked or expired
    (audited; ``SessionEnded`` says why)."""
    if not token or not isinstance(token, str):
        return None
    now = ctx.now()
    with ctx.session() as session:
        row = session.get(OperatorSession, token_hash(token))
        if row is None or row.ended_at is not None:
            return None
        who = operator(ctx, row.operator_id)
        if row.expires_at <= now or row.last_seen_at + IDLE <= now or who is None or not who.permissions:
            row.ended_at = now
            session.commit()
            return None
        gone = certificate_gone(session, row.certificate_serial, now)
        if gone is not None:
            detail = {"operator_id": who.id, "operator_certificate": row.certificate_serial}
            return end_session(
                ctx, session, row, gone, now, iin=who.iin, action="operator_session_ended", detail=detail
            )
        row.last_seen_at = now
        serial = row.certificate_serial
        session.commit()
    return SignedIn(who, serial)


def sign_out(ctx: ServiceContext, token: str | None) -> None:
    """End the session for good."""
    if not token or not isinstance(token, str):
        return
    with ctx.session() as session:
        session.execute(
            update(OperatorSession)
            .where(OperatorSession.token_hash == token_hash(token), OperatorSession.ended_at.is_(None))
            .values(ended_at=ctx.now())
        )
        session.commit()


def _open_session(ctx: ServiceContext, who: OperatorView, serial: str, client_address: str | None) -> str:
    token = secrets.token_urlsafe(32)
    now = ctx.now()
    with ctx.session() as session:
        session.add(
            OperatorSession(
                token_hash=token_hash(token),
                operator_id=who.id,
                certificate_serial=serial,
                created_at=now,
                last_seen_at=now,
                expires_at=now + LONGEST,
            )
        )
        audit.record(
            ctx,
            session,
            iin=who.iin,
            action="operator_signin",
            outcome=audit.OK,
            client_address=client_address,
            detail={"operator_id": who.id, "certificate": serial},
        )
        session.commit()
    return token
