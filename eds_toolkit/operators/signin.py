"""Operators sign in with their AUTH certificate: they sign a one-time challenge through the agent.

``start_signin`` hands out the challenge (5 minutes, one attempt); ``complete_signin`` checks the CMS
the way renewal does (``eds_toolkit.signed_challenge``: ours, AUTH, current, unrevoked, the key's own
signature over exactly the challenge), then that the certificate's IIN is an enabled operator, and
opens a server-side session: 15 minutes idle, 8 hours at most. Every attempt is audited.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import delete, update

from ca.proofs import IdentityNotProven
from eds_toolkit.core import audit
from eds_toolkit.core.context import ServiceContext
from eds_toolkit.core.refusals import NotFound, Refusal
from eds_toolkit.flow.issuance import loaded_authority
from eds_toolkit.operators.models import OperatorChallenge, OperatorSession
from eds_toolkit.operators.registry import OperatorView, operator, operator_by_iin
from eds_toolkit.signed_challenge import auth_proof, challenge_signature, cms_bytes
from national_profile.iin import iin_of

CHALLENGE_SECONDS = 300
IDLE = dt.timedelta(minutes=15)
LONGEST = dt.timedelta(hours=8)


class SigninRefused(Refusal):
    """The signature does not sign an operator in (certificate, signature, or not an operator)."""

    status = 403
    code = "signin_refused"
    title = "Sign-in refused"


@dataclass(frozen=True)
class SigninChallenge:
    id: str
    text: str
    expires_at: dt.datetime

    @property
    def data_base64(self) -> str:
        return base64.b64encode(self.text.encode("utf-8")).decode("ascii")


@dataclass(frozen=True)
class SignedIn:
    """An operator's live session: who, and with which AUTH certificate they signed in."""

    operator: OperatorView
    certificate_serial: str


def start_signin(ctx: ServiceContext) -> SigninChallenge:
    """A fresh random challenge for the operator to sign with their AUTH key."""
    challenge_id = secrets.token_urlsafe(32)
    now = ctx.now()
    expires_at = now + dt.timedelta(seconds=CHALLENGE_SECONDS)
    text = (
        "eds-toolkit operator sign-in\n"
        f"challenge: {challenge_id}\n"
        f"nonce: {secrets.token_urlsafe(32)}\n"
        f"expires: {expires_at:%Y-%m-%dT%H:%M:%SZ}\n"
    )
    with ctx.session() as session:
        session.execute(
            delete(OperatorChallenge).where(OperatorChallenge.expires_at < now - dt.timedelta(days=1))
        )
        session.add(OperatorChallenge(id=challenge_id, challenge=text, issued_at=now, expires_at=expires_at))
        session.commit()
    return SigninChallenge(challenge_id, text, expires_at)


def complete_signin(
    ctx: ServiceContext,
    challenge_id: str,
    signed_challenge: str | bytes,
    *,
    client_address: str | None = None,
) -> tuple[str, SignedIn]:
    """Check the signed challenge and open a session; return (token, who). Refusals are audited."""
    cms_der = cms_bytes(signed_challenge)
    authority = loaded_authority(ctx)
    text = _spend_challenge(ctx, challenge_id)
    iin = ""
    try:
        signature = challenge_signature(text.encode("utf-8"), cms_der)
        iin = iin_of(signature.signer_certificate.subject) or ""
        try:
            auth_proof(ctx, authority, signature).verified_person()
        except IdentityNotProven as error:
            raise SigninRefused(str(error), code=error.code) from None
        who = operator_by_iin(ctx, iin)
        if who is None or not who.permissions:
            raise SigninRefused(
                "This certificate does not belong to an operator of this CA (or the operator is disabled).",
                code="not_an_operator",
            )
        serial = f"{signature.signer_certificate.serial_number:040x}"
        token = _open_session(ctx, who, serial, client_address)
    except Refusal as error:
        with ctx.session() as session:
            audit.record(
                ctx,
                session,
                iin=iin,
                action="operator_signin",
                outcome=audit.REFUSED,
                reason=error.code,
                client_address=client_address,
            )
            session.commit()
        raise
    return token, SignedIn(who, serial)


def signed_in(ctx: ServiceContext, token: str | None) -> SignedIn | None:
    """The operator of a live session (touched: the idle clock restarts), else None. A disabled
    operator's sessions end here."""
    if not token or not isinstance(token, str):
        return None
    now = ctx.now()
    with ctx.session() as session:
        row = session.get(OperatorSession, _token_hash(token))
        if row is None or row.ended_at is not None:
            return None
        if row.expires_at <= now or row.last_seen_at + IDLE <= now:
            row.ended_at = now
            session.commit()
            return None
        who = operator(ctx, row.operator_id)
        if who is None or not who.permissions:
            row.ended_at = now
            session.commit()
            return None
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
            .where(OperatorSession.token_hash == _token_hash(token), OperatorSession.ended_at.is_(None))
            .values(ended_at=ctx.now())
        )
        session.commit()


def _open_session(ctx: ServiceContext, who: OperatorView, serial: str, client_address: str | None) -> str:
    token = secrets.token_urlsafe(32)
    now = ctx.now()
    with ctx.session() as session:
        session.add(
            OperatorSession(
                token_hash=_token_hash(token),
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


def _spend_challenge(ctx: ServiceContext, challenge_id: str) -> str:
    """Mark the challenge used (compare-and-set) and return its text; a used or expired one is refused."""
    with ctx.session() as session:
        row = session.get(OperatorChallenge, challenge_id) if challenge_id else None
        if row is None:
            raise NotFound(
                "This sign-in challenge does not exist. Start the sign-in again.", code="challenge_not_found"
            )
        now = ctx.now()
        spent = session.execute(
            update(OperatorChallenge)
            .where(OperatorChallenge.id == challenge_id, OperatorChallenge.used_at.is_(None))
            .values(used_at=now)
            .execution_options(synchronize_session=False)
        )
        session.commit()
        if spent.rowcount != 1:
            raise SigninRefused(
                "This sign-in challenge was already used. Start the sign-in again.", code="challenge_used"
            )
        if now >= row.expires_at:
            raise SigninRefused(
                "This sign-in challenge expired. Start the sign-in again.", code="challenge_expired"
            )
        return row.challenge


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
