"""A one-time challenge signed with this CA's AUTH key: who signed it, proven by ``RenewalProof``.

Used wherever the AUTH key is the authentication: yearly renewal (``eds_toolkit.renewal``, its own
challenge table) and signing in (``issue_challenge`` / ``signer_of``: the operators' console and the
citizen's cabinet). The CMS must be over exactly the challenge's bytes (attached or detached),
SHA-256, one signer, carrying its certificate; the proof then checks the certificate is ours, an AUTH
one, current, unrevoked, and that its key made the signature.
"""

from __future__ import annotations

import base64
import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from sqlalchemy import delete, update
from sqlalchemy.orm import Session

from ca.person import VerifiedPerson
from ca.proofs import IdentityNotProven
from ca.proofs.renewal import RenewalProof
from ca.store import certificate
from eds_toolkit.core import audit
from eds_toolkit.core.context import ServiceContext
from eds_toolkit.core.refusals import InvalidInput, NotFound, Refusal
from eds_toolkit.flow.challenge_models import SigninChallenge
from eds_toolkit.flow.issuance import loaded_authority
from eds_toolkit.signatures.cms_reader import load_cms, read_signed_cms
from eds_toolkit.signatures.errors import SignatureInputError

MAX_CMS_BYTES = 64 * 1024
CHALLENGE_SECONDS = 300
STALE_AFTER = dt.timedelta(days=1)


class SignatureRefused(Refusal):
    """The signed challenge does not sign anyone in (certificate or signature refused, challenge spent)."""

    status = 403
    code = "signin_refused"
    title = "Sign-in refused"
    signer_iin = ""  # the IIN the refused certificate names, when it could be read


@dataclass(frozen=True)
class Challenge:
    """What the person signs: ``text`` (UTF-8 bytes, exactly), before ``expires_at``."""

    id: str
    text: str
    expires_at: dt.datetime

    @property
    def data(self) -> bytes:
        return self.text.encode("utf-8")

    @property
    def data_base64(self) -> str:
        """The challenge as ``createCAdESFromBase64`` takes it."""
        return base64.b64encode(self.data).decode("ascii")


@dataclass(frozen=True)
class Signer:
    """Who signed a sign-in challenge: the person of the AUTH certificate, and its serial (hex)."""

    person: VerifiedPerson
    certificate_serial: str

    @property
    def iin(self) -> str:
        return self.person.iin


def challenge_text(title: str, challenge_id: str, expires_at: dt.datetime) -> str:
    """The text signed: what it is for, its id, a random nonce and when it expires."""
    return (
        f"eds-toolkit {title}\n"
        f"challenge: {challenge_id}\n"
        f"nonce: {secrets.token_urlsafe(32)}\n"
        f"expires: {expires_at:%Y-%m-%dT%H:%M:%SZ}\n"
    )


def issue_challenge(ctx: ServiceContext, purpose: str, title: str) -> Challenge:
    """A fresh random sign-in challenge for ``purpose``, valid for five minutes and one attempt."""
    challenge_id = secrets.token_urlsafe(32)
    now = ctx.now()
    expires_at = now + dt.timedelta(seconds=CHALLENGE_SECONDS)
    text = challenge_text(title, challenge_id, expires_at)
    with ctx.session() as session:
        session.execute(delete(SigninChallenge).where(SigninChallenge.expires_at < now - STALE_AFTER))
        session.add(
            SigninChallenge(
                id=challenge_id, purpose=purpose, challenge=text, issued_at=now, expires_at=expires_at
            )
        )
        session.commit()
    return Challenge(challenge_id, text, expires_at)


def signer_of(ctx: ServiceContext, purpose: str, challenge_id: str, signed_challenge: str | bytes) -> Signer:
    """Spend the challenge and return who signed it with a valid AUTH key of this CA; else a Refusal
    (``SignatureRefused`` with the proof's code, ``InvalidInput`` for an unreadable CMS)."""
    cms_der = cms_bytes(signed_challenge)
    authority = loaded_authority(ctx)  # before spending the challenge: an outage does not cost one
    text = _spend(ctx, purpose, challenge_id)
    signature = challenge_signature(text.encode("utf-8"), cms_der)
    try:
        person = auth_proof(ctx, authority, signature).verified_person()
    except IdentityNotProven as error:
        refused = SignatureRefused(str(error), code=error.code)
        refused.signer_iin = _iin_named(signature)  # for the caller's audit event, never for the answer
        raise refused from None
    return Signer(person, f"{signature.signer_certificate.serial_number:040x}")


@dataclass(frozen=True)
class SessionEnded:
    """A session ended at this request because its AUTH certificate no longer signs anyone in: why, as
    :func:`certificate_gone` says it."""

    reason: str


def certificate_gone(session: Session, serial: str, now: dt.datetime) -> str | None:
    """Why the AUTH certificate a session was opened with no longer keeps it open, as the sign-in's
    refusal code (``certificate_revoked``, ``certificate_expired``, ``unknown_certificate``; a renewal's
    superseding is ``certificate_superseded``); None while it is current and unrevoked. One lookup by the
    store's unique serial."""
    record = certificate(session, serial)
    if record is None:
        return "unknown_certificate"
    state = record.status_at(now)
    if state == "revoked" and record.revocation_reason == "superseded":
        return "certificate_superseded"
    return None if state == "valid" else f"certificate_{state}"


def end_session(
    ctx: ServiceContext,
    session: Session,
    row: Any,
    gone: str,
    now: dt.datetime,
    *,
    iin: str,
    action: str,
    detail: dict,
) -> SessionEnded:
    """End the session ``row`` (a cabinet's or an operator's) because its AUTH certificate is ``gone``
    (:func:`certificate_gone`) at ``now``: the request that ends it audits ``action``; commits."""
    table = type(row)
    ended = session.execute(
        update(table)
        .where(table.token_hash == row.token_hash, table.ended_at.is_(None))
        .values(ended_at=now)
        .execution_options(synchronize_session=False)
    )
    if ended.rowcount == 1:  # two requests at once: one of them ends it and says so
        audit.record(ctx, session, iin=iin, action=action, outcome=audit.OK, reason=gone, detail=detail)
    session.commit()
    return SessionEnded(gone)


def _iin_named(signature: ChallengeSignature) -> str:
    from national_profile.iin import iin_of

    return iin_of(signature.signer_certificate.subject) or ""


def _spend(ctx: ServiceContext, purpose: str, challenge_id: str) -> str:
    """Mark the challenge used (compare-and-set) and return its text; a used or expired one is refused."""
    with ctx.session() as session:
        row = session.get(SigninChallenge, challenge_id) if challenge_id else None
        if row is None or row.purpose != purpose:
            raise NotFound("This sign-in challenge does not exist. Start again.", code="challenge_not_found")
        now = ctx.now()
        spent = session.execute(
            update(SigninChallenge)
            .where(SigninChallenge.id == challenge_id, SigninChallenge.used_at.is_(None))
            .values(used_at=now)
            .execution_options(synchronize_session=False)
        )
        session.commit()
        if spent.rowcount != 1:
            raise SignatureRefused(
                "This sign-in challenge was already used. Start again.", code="challenge_used"
            )
        if now >= row.expires_at:
            raise SignatureRefused("This sign-in challenge expired. Start again.", code="challenge_expired")
        return row.challenge


@dataclass(frozen=True)
class ChallengeSignature:
    """A CMS over exactly the challenge: who signed, and what their key signed (RFC 5652 5.4)."""

    signer_certificate: x509.Certificate
    signed_data: bytes
    signature: bytes


def cms_bytes(value: str | bytes | None) -> bytes:
    """The CMS as given (DER, PEM or base64 text), refused when empty or too large to be one."""
    data = value.encode("ascii", "replace") if isinstance(value, str) else (value or b"")
    if not data.strip():
        raise InvalidInput("The signed challenge (CMS) is missing.", code="cms_missing")
    if len(data) > MAX_CMS_BYTES:
        raise InvalidInput("The signed challenge is too large to be a CMS signature.", code="cms_too_large")
    return data


def challenge_signature(challenge: bytes, cms_der: bytes) -> ChallengeSignature:
    """Read the CMS and check it is over exactly ``challenge`` with SHA-256 and carries its signer."""
    try:
        signer_info, embedded = _signer_info_and_content(cms_der)
        if embedded is not None and embedded != challenge:
            raise _wrong_challenge()
        signed = read_signed_cms(cms_der, None if embedded is not None else challenge)
    except SignatureInputError as error:
        raise InvalidInput(f"The signed challenge cannot be read: {error}", code="malformed_cms") from None
    if signed.digest_algorithm != "sha256":
        raise InvalidInput(
            f"The challenge must be signed with SHA-256, not {signed.digest_algorithm}.",
            code="unsupported_algorithm",
        )
    if not signed.digest_matches:
        raise _wrong_challenge()
    if signed.signer_certificate is None:
        raise InvalidInput(
            "The signed challenge does not include the signer's certificate: include the AUTH certificate.",
            code="signer_certificate_missing",
        )
    attributes = signer_info["signed_attrs"]
    has_attributes = attributes.native is not None and len(attributes) > 0
    # RFC 5652 5.4: with signed attributes the signature covers their DER with the SET OF tag.
    signed_data = b"\x31" + attributes.dump()[1:] if has_attributes else challenge
    return ChallengeSignature(signed.signer_certificate, signed_data, signed.signature_value)


def auth_proof(ctx: ServiceContext, authority, signature: ChallengeSignature) -> RenewalProof:
    """The proof of the signer: our still-valid, unrevoked AUTH certificate, and its key's signature."""
    return RenewalProof(
        auth_certificate_pem=signature.signer_certificate.public_bytes(serialization.Encoding.PEM),
        signed_data=signature.signed_data,
        signature=signature.signature,
        issuing_cert=authority.issuing_cert,
        store=authority.store,
        clock=ctx.now,
    )


def _wrong_challenge() -> InvalidInput:
    return InvalidInput(
        "The signature is over other data than this challenge. Sign the challenge text exactly as it "
        "was given.",
        code="wrong_challenge",
    )


def _signer_info_and_content(cms_der: bytes):
    signed = load_cms(cms_der)["content"]
    if len(signed["signer_infos"]) != 1:
        raise SignatureInputError("The signed challenge must have exactly one signer.")
    return signed["signer_infos"][0], signed["encap_content_info"]["content"].native
