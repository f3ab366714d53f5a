"""Yearly renewal: the citizen signs a single-use challenge with the still-valid AUTH key, gets a new pair.

``start_renewal`` hands out a random challenge (5 minutes, one attempt). ``complete_renewal`` checks
that the CMS is over exactly those bytes and was made with one of this CA's valid, unrevoked AUTH
certificates (``ca.proofs.renewal.RenewalProof`` decides; the person comes from that certificate),
that both new CSRs name the same IIN, and then, in one transaction, has the CA issue the new AUTH+SIGN
pair on that proof and marks the old pair revoked with reason ``superseded``. Any refusal leaves nothing
issued and nothing revoked. A challenge is spent by its first attempt, refused or not.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from cryptography import x509
from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ca.csr import load_csr
from ca.errors import CAError, IssuanceRefused
from ca.person import VerifiedPerson
from ca.proofs import IdentityNotProven
from ca.proofs.renewal import RenewalProof
from ca.store import certificate, certificates_of_enrolment, supersede
from eds_toolkit.core import audit
from eds_toolkit.core.context import ServiceContext
from eds_toolkit.core.refusals import InvalidInput, NotFound, Refusal, ServiceUnavailable
from eds_toolkit.flow.issuance import IssuedPair, csr_field, loaded_authority, request_refused
from eds_toolkit.flow.renewal_models import RenewalChallenge
from eds_toolkit.signed_challenge import Challenge, auth_proof, challenge_signature, challenge_text, cms_bytes
from national_profile.iin import iin_of, iins_named_in
from national_profile.profiles import Profile

CHALLENGE_SECONDS = 300
STALE_AFTER = dt.timedelta(days=1)
RENEWAL_ENROLMENT_PREFIX = "renewal-"  # the new pair's ca_certificates.enrolment_id links AUTH and SIGN
AUDIT_ACTION = "renewal"


class RenewalRefused(Refusal):
    """The signed challenge does not prove the person may renew (certificate or signature refused)."""

    status = 403
    code = "renewal_refused"
    title = "Renewal refused"


class ChallengeRefused(Refusal):
    """The challenge was already used or has expired: ask for a new one."""

    status = 409
    code = "challenge_refused"
    title = "Challenge refused"


@dataclass(frozen=True)
class RenewedPair(IssuedPair):
    """The new pair; ``superseded_serials`` are the old certificates it replaced (now revoked)."""


def start_renewal(ctx: ServiceContext) -> Challenge:
    """A fresh random challenge, valid for five minutes and for one attempt."""
    challenge_id = secrets.token_urlsafe(32)
    now = ctx.now()
    expires_at = now + dt.timedelta(seconds=CHALLENGE_SECONDS)
    text = challenge_text("certificate renewal", challenge_id, expires_at)
    with ctx.session() as session:
        # never-used challenges are of no record value once stale; used ones stay as the renewal's trail
        session.execute(
            delete(RenewalChallenge).where(
                RenewalChallenge.used_at.is_(None), RenewalChallenge.expires_at < now - STALE_AFTER
            )
        )
        session.add(RenewalChallenge(id=challenge_id, challenge=text, issued_at=now, expires_at=expires_at))
        session.commit()
    return Challenge(challenge_id, text, expires_at)


def complete_renewal(
    ctx: ServiceContext,
    challenge_id: str,
    signed_challenge_cms: str | bytes,
    auth_csr_pem: str | bytes,
    sign_csr_pem: str | bytes,
    *,
    client_address: str | None = None,
    holder_iin: str | None = None,
) -> RenewedPair:
    """Verify the signed challenge, issue the new AUTH+SIGN pair, supersede the old pair; all or nothing.

    ``signed_challenge_cms``: a CMS (DER, PEM or base64), attached or detached, over the challenge text.
    ``holder_iin``: the person already signed in (the cabinet); a certificate of anyone else is refused
    (``not_holders_certificate``) before anything is issued, and the refusal is filed under them.
    """
    cms_der = cms_bytes(signed_challenge_cms)
    csrs = {Profile.AUTH: csr_field(auth_csr_pem, "AUTH"), Profile.SIGN: csr_field(sign_csr_pem, "SIGN")}
    authority = loaded_authority(
        ctx
    )  # before spending the challenge: an outage does not cost the citizen one
    challenge = _spend_challenge(ctx, challenge_id)
    iin = ""  # for the audit event: the IIN the signer certificate names, once it is read
    try:
        signature = challenge_signature(challenge.encode("utf-8"), cms_der)
        iin = iin_of(signature.signer_certificate.subject) or ""
        if holder_iin is not None and iin != holder_iin:
            iin = holder_iin
            raise RenewalRefused(
                "The AUTH certificate that signed belongs to another person than the one signed in: "
                "renew with your own AUTH certificate.",
                code="not_holders_certificate",
            )
        proof = auth_proof(ctx, authority, signature)
        person = _verified_person(proof)  # a 403 before any CSR check; the CA checks it again to issue
        _require_csrs_name(csrs, person.iin)
        old_auth = signature.signer_certificate
        pair = _issue_and_supersede(
            ctx, authority, challenge_id, proof, person, old_auth, csrs, client_address
        )
    except Refusal as error:
        _record_refusal(ctx, challenge_id, iin, error, client_address)
        raise
    return pair


def _spend_challenge(ctx: ServiceContext, challenge_id: str) -> str:
    """Mark the challenge used (compare-and-set, own commit) and return its text; refuse a spent one."""
    with ctx.session() as session:
        row = session.get(RenewalChallenge, challenge_id) if challenge_id else None
        if row is None:
            raise NotFound(
                "This renewal challenge does not exist. Ask for a new one (POST /api/v1/renewals).",
                code="challenge_not_found",
            )
        now = ctx.now()
        if row.used_at is not None:
            raise ChallengeRefused(
                "This renewal challenge was already used. Ask for a new one and sign that.",
                code="challenge_used",
            )
        expired = now >= row.expires_at
        spent = session.execute(
            update(RenewalChallenge)
            .where(RenewalChallenge.id == challenge_id, RenewalChallenge.used_at.is_(None))
            .values(used_at=now, outcome="challenge_expired" if expired else None)
            .execution_options(synchronize_session=False)
        )
        session.commit()
        if spent.rowcount != 1:
            raise ChallengeRefused(
                "This renewal challenge was already used. Ask for a new one and sign that.",
                code="challenge_used",
            )
        if expired:
            raise ChallengeRefused(
                f"This renewal challenge expired (it is valid for {CHALLENGE_SECONDS // 60} minutes). "
                "Ask for a new one and sign it straight away.",
                code="challenge_expired",
            )
        return row.challenge


def _verified_person(proof: RenewalProof) -> VerifiedPerson:
    """The person the proof verifies, or RenewalRefused with the proof's code."""
    try:
        return proof.verified_person()
    except IdentityNotProven as error:
        raise _renewal_refused(error) from None


def _renewal_refused(error: IdentityNotProven) -> RenewalRefused:
    return RenewalRefused(str(error), code=error.code)


def _require_csrs_name(csrs: dict[Profile, bytes], iin: str) -> None:
    """Both new requests must name the renewing person's IIN (and no other)."""
    for profile, csr_pem in csrs.items():
        try:
            named = iins_named_in(load_csr(csr_pem).subject)
        except IssuanceRefused as error:
            raise request_refused(profile, error) from None
        if not named:
            raise InvalidInput(
                f"The {profile.name} request does not name an IIN: make it with SERIALNUMBER=IIN{iin}.",
                code="csr_without_iin",
            )
        if any(other != iin for other in named):
            raise InvalidInput(
                f"The {profile.name} request names IIN {', '.join(named)}, but the AUTH certificate "
                f"that signed the renewal is for IIN {iin}. A certificate renews only its own holder.",
                code="iin_mismatch",
            )


def _issue_and_supersede(
    ctx: ServiceContext,
    authority,
    challenge_id: str,
    proof: RenewalProof,
    person: VerifiedPerson,
    old_auth: x509.Certificate,
    csrs: dict[Profile, bytes],
    client_address: str | None,
) -> RenewedPair:
    """One transaction: issue the new pair on the proof, supersede the old pair (compare-and-set on
    ``valid``), record it. The CA checks the proof against the store before the old pair is touched."""
    with ctx.session() as session:
        issued = {}
        try:
            for profile in (Profile.AUTH, Profile.SIGN):
                issued[profile] = authority.issue(
                    csrs[profile],
                    proof,
                    profile,
                    enrolment_id=RENEWAL_ENROLMENT_PREFIX + challenge_id,
                    session=session,
                )
        except IdentityNotProven as error:
            session.rollback()
            raise _renewal_refused(error) from None
        except IssuanceRefused as error:
            session.rollback()
            raise request_refused(profile, error) from None
        except CAError as error:
            session.rollback()
            raise ServiceUnavailable(f"{error} Nothing was issued.", code="ca_error") from None
        superseded = _supersede_old_pair(session, authority, old_auth)
        auth_serial = issued[Profile.AUTH].record.serial
        sign_serial = issued[Profile.SIGN].record.serial
        session.execute(
            update(RenewalChallenge)
            .where(RenewalChallenge.id == challenge_id)
            .values(
                outcome="renewed",
                old_auth_serial=superseded[0],
                new_auth_serial=auth_serial,
                new_sign_serial=sign_serial,
            )
        )
        audit.record(
            ctx,
            session,
            enrolment_id=None,
            iin=person.iin,
            action=AUDIT_ACTION,
            outcome="ok",
            reason="renewed",
            client_address=client_address,
        )
        try:
            session.commit()
        except IntegrityError:
            session.rollback()
            raise ChallengeRefused(
                "This renewal challenge was already used. Ask for a new one and sign that.",
                code="challenge_used",
            ) from None
    return RenewedPair(
        auth_pem=issued[Profile.AUTH].pem(),
        sign_pem=issued[Profile.SIGN].pem(),
        chain_pem=authority.chain_pem(),
        auth_serial=auth_serial,
        sign_serial=sign_serial,
        superseded_serials=superseded,
    )


def _supersede_old_pair(session: Session, authority, old_auth: x509.Certificate) -> tuple[str, ...]:
    """Revoke (reason ``superseded``) the old AUTH certificate and the SIGN issued with it, if still valid.

    The AUTH revocation is a compare-and-set: a second renewal racing with the same certificate
    finds it no longer valid and is refused, so one certificate renews once.
    """
    serial = f"{old_auth.serial_number:040x}"
    now = authority.clock()
    if supersede(session, [serial], now) != [serial]:
        session.rollback()
        raise RenewalRefused(
            "The AUTH certificate has been revoked or already renewed: renewal with it is refused.",
            code="certificate_revoked",
        )
    enrolment_id = certificate(session, serial).enrolment_id
    partners = []
    if enrolment_id is not None:
        partners = [
            row.serial
            for row in certificates_of_enrolment(session, enrolment_id)
            if row.profile == Profile.SIGN.value
        ]
    return (serial, *supersede(session, partners, now))


def _record_refusal(
    ctx: ServiceContext, challenge_id: str, iin: str, error: Refusal, client_address: str | None
) -> None:
    """The refusal's code on the (already spent) challenge, and an audit event, in their own commit."""
    with ctx.session() as session:
        session.execute(
            update(RenewalChallenge).where(RenewalChallenge.id == challenge_id).values(outcome=error.code)
        )
        audit.record(
            ctx,
            session,
            enrolment_id=None,
            iin=iin,
            action=AUDIT_ACTION,
            outcome="refused",
            reason=error.code,
            client_address=client_address,
        )
        session.commit()
