"""Step 6: exactly one AUTH+SIGN pair per enrolment, from the citizen's CSRs or from keys made here.

Both certificates are issued in the same transaction that moves the enrolment to ``issued``
(with a compare-and-set), and the CA store's UNIQUE(enrolment_id, profile) backs it: a retry
after a failure, or a second tab, never gets a second pair. The IIN's earlier valid certificates
are revoked (``superseded``) in that transaction, as renewal does, and the number on record is
told. An enrolment whose phone change is still held gets nothing (PhoneChangePending).

The CA issues on a ``RemoteEnrolmentProof`` that ``remote_enrolment_proof`` reads from the enrolment's
row and audit trail, the one place in the service that makes one: the CA refuses the pair when the
enrolment did not pass every identification step, whatever state check came before.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ca.authority import CertificateAuthority
from ca.csr import MAX_CSR_BYTES
from ca.errors import CAError, IssuanceRefused
from ca.proofs.remote_enrolment import RemoteEnrolmentProof
from ca.store import supersede, valid_certificates_of
from eds_toolkit.citizens.model import CitizenRecord
from eds_toolkit.core import audit
from eds_toolkit.core.audit_models import AuditEvent
from eds_toolkit.core.context import ServiceContext
from eds_toolkit.core.refusals import AlreadyIssued, InvalidInput, NotInRegister, ServiceUnavailable
from eds_toolkit.flow import pickup
from eds_toolkit.flow.application import require_confirmed
from eds_toolkit.flow.issued import IssuedPair, ServerKeystores
from eds_toolkit.flow.machine import State, load_for_step, refusals_audited, subject_of, transition
from eds_toolkit.flow.models import Enrolment
from eds_toolkit.flow.owner_notices import notify_owner
from eds_toolkit.flow.phone_change import mark_applied, require_release
from eds_toolkit.flow.pin_step import register_new_phone, save_pin
from keystore.csr import build_csr
from keystore.errors import WeakPassword
from keystore.keys import generate_private_key
from keystore.password_policy import check_password
from keystore.pkcs12 import build_keystore, keystore_filename
from national_profile.profiles import Profile

ALREADY_ISSUED = (
    "The certificates for this enrolment were already issued. Sign in to your cabinet to see them."
)


IDENTIFIED_STATES = frozenset({State.FACE_MATCHED, State.PIN_SET})


def _citizen(ctx: ServiceContext, iin: str) -> CitizenRecord:
    """The IIN's record in the citizens base (the names certified), or NotInRegister."""
    record = ctx.citizens.lookup(iin)
    if record is None:
        raise NotInRegister(
            "Your records are not in the citizens register, so an EDS cannot be issued remotely. "
            "Please visit a public service centre with your identity card."
        )
    return record


def remote_enrolment_proof(
    ctx: ServiceContext, session: Session, enrolment: Enrolment, *, replacing: bool = False
) -> RemoteEnrolmentProof:
    """What ``enrolment`` established, as the CA's identity proof; names from the citizens base.

    Each step counts only if the enrolment's audit trail holds its transition (written with the step's
    evidence, in the step's transaction), and the face match only while the enrolment stands at
    face_matched or pin_set (or at issued, for the replacement of a lost pair: ``replacing``): nothing
    here is taken from a caller.
    """
    identified = IDENTIFIED_STATES | {State.ISSUED} if replacing else IDENTIFIED_STATES
    record = _citizen(ctx, enrolment.iin)
    reached = set(
        session.scalars(
            select(AuditEvent.to_state).where(
                AuditEvent.enrolment_id == enrolment.id,
                AuditEvent.outcome == audit.OK,
                AuditEvent.from_state != AuditEvent.to_state,
            )
        )
    )
    return RemoteEnrolmentProof(
        iin=enrolment.iin,
        surname=record.surname,
        given_name=record.given_name,
        patronymic=record.patronymic or None,
        phone_confirmed=State.PHONE_CONFIRMED in reached,
        liveness_passed=State.LIVENESS_OK in reached,
        face_matched=State.FACE_MATCHED in reached and State(enrolment.state) in identified,
    )


def loaded_authority(ctx: ServiceContext) -> CertificateAuthority:
    """The process's CA, or ServiceUnavailable (``ca_unavailable``) when it cannot be loaded."""
    try:
        return ctx.ca()
    except CAError as error:
        raise ServiceUnavailable(
            "The certification authority is not available. Nothing was issued; please try again later.",
            code="ca_unavailable",
        ) from error


def request_refused(profile: Profile, error: IssuanceRefused) -> InvalidInput:
    """The CA's refusal of the ``profile`` request as the citizen's refusal, with the CA's code."""
    return InvalidInput(f"{profile.name} request refused: {error}", code=error.code)


def _issue_pair(
    ctx: ServiceContext,
    enrolment_id: str,
    csrs: dict[Profile, bytes],
    *,
    action: str,
    client_address: str | None,
    before_commit: Callable[[Session, IssuedPair], None] | None = None,
) -> IssuedPair:
    """Issue both certificates in one transaction; ``before_commit(session, pair)`` adds to it (the
    server-made keystores, kept until picked up), so the pair is never committed without them."""
    with ctx.session() as session:
        enrolment = load_for_step(ctx, session, enrolment_id, {State.PIN_SET})
        require_confirmed(enrolment)
        change = require_release(ctx, session, enrolment)
        proof = remote_enrolment_proof(ctx, session, enrolment)  # before the move to issued
        authority = loaded_authority(ctx)
        pin_replaced = False
        if change is not None and change.applied_at is None:  # released after the PIN step: in effect now
            register_new_phone(ctx, session, enrolment, client_address)
            mark_applied(ctx, session, change)
            if enrolment.pending_pin_hash:
                pin_replaced = save_pin(ctx, session, enrolment.iin, enrolment.pending_pin_hash)
        now = ctx.now()
        earlier = [row.serial for row in valid_certificates_of(session, enrolment.iin, now)]
        transition(
            ctx,
            session,
            enrolment,
            State.ISSUED,
            action=action,
            client_address=client_address,
            issued_at=now,
            pending_pin_hash=None,
        )
        issued = {}
        try:
            for profile in (Profile.AUTH, Profile.SIGN):
                issued[profile] = authority.issue(
                    csrs[profile], proof, profile, enrolment_id=enrolment.id, session=session
                )
        except IssuanceRefused as error:
            session.rollback()
            if error.code == "already_issued":
                raise AlreadyIssued(ALREADY_ISSUED) from None
            raise request_refused(profile, error) from None
        superseded = supersede(session, earlier, now)
        pair = IssuedPair.of(issued, authority.chain_pem(), superseded)
        if before_commit is not None:
            before_commit(session, pair)
        try:
            session.commit()
        except IntegrityError:  # UNIQUE(enrolment_id, profile): another process issued first
            session.rollback()
            raise AlreadyIssued(ALREADY_ISSUED) from None
    on_record = change.old_phone if change is not None else enrolment.phone
    for kind in (["pin_reset"] if pin_replaced else []) + ["certificates_issued"]:
        notify_owner(
            ctx,
            phone=on_record,
            kind=kind,
            iin=enrolment.iin,
            enrolment_id=enrolment_id,
            language=enrolment.language,
            superseded=bool(superseded),
        )
    return pair


def csr_field(value: str | bytes | None, label: str) -> bytes:
    """A CSR as sent in a form or JSON field (``label``: AUTH or SIGN), or a clear refusal: missing, or
    larger than the CA accepts (``ca.csr.MAX_CSR_BYTES``)."""
    data = value.encode() if isinstance(value, str) else (value or b"")
    if not data.strip():
        raise InvalidInput(f"The {label} certificate request (CSR) is missing.", code="csr_missing")
    if len(data) > MAX_CSR_BYTES:
        raise InvalidInput(f"The {label} certificate request is too large.", code="csr_too_large")
    return data


@refusals_audited("issue_with_csrs")
def issue_with_csrs(
    ctx: ServiceContext,
    enrolment_id: str,
    auth_csr_pem: str | bytes,
    sign_csr_pem: str | bytes,
    *,
    client_address: str | None = None,
) -> IssuedPair:
    """Issue from the two CSRs made on the citizen's side (``eds keystore new``); subject from the base."""
    csrs = {
        Profile.AUTH: csr_field(auth_csr_pem, Profile.AUTH.name),
        Profile.SIGN: csr_field(sign_csr_pem, Profile.SIGN.name),
    }
    return _issue_pair(ctx, enrolment_id, csrs, action="issue_with_csrs", client_address=client_address)


@refusals_audited("issue_on_server")
def issue_on_server(
    ctx: ServiceContext, enrolment_id: str, password: str, *, client_address: str | None = None
) -> ServerKeystores:
    """Make both key pairs here, issue, and return the two password-protected .p12 files in a zip.

    The zip is built before the issuing commit and kept with it, encrypted with ``password``, until it
    is picked up (``pickup.py``): asked again with the same password (a lost answer, a crash), the same
    files come back; the keys exist nowhere else.
    """
    with ctx.session() as session:
        enrolment = load_for_step(ctx, session, enrolment_id, {State.PIN_SET, State.ISSUED})
        if State(enrolment.state) is State.ISSUED:
            again = pickup.kept(ctx, session, enrolment_id, password)
            if again is None:
                raise AlreadyIssued(ALREADY_ISSUED)
            delivered_again(ctx, session, enrolment, again, client_address)
            return again
        require_confirmed(enrolment)  # before making keys for an application nobody confirmed
        require_release(ctx, session, enrolment)  # before making keys that could not be used
        iin = enrolment.iin
    checked_password(password, iin)
    keys, csrs = server_keys(_citizen(ctx, iin))
    made: list[ServerKeystores] = []

    def package(session: Session, pair: IssuedPair) -> None:
        made.append(zipped_keystores(keys, pair, password))
        pickup.keep(ctx, session, enrolment_id, made[0])

    _issue_pair(
        ctx,
        enrolment_id,
        csrs,
        action="issue_on_server",
        client_address=client_address,
        before_commit=package,
    )
    return made[0]


def delivered_again(
    ctx: ServiceContext,
    session: Session,
    enrolment: Enrolment,
    made: ServerKeystores,
    client_address: str | None,
) -> None:
    """Audit that the kept keystores were handed out again (which pair, not the files)."""
    audit.record_about(
        ctx,
        session,
        subject_of(enrolment),
        "keystores_delivered_again",
        audit.OK,
        client_address=client_address,
        detail={"auth_serial": made.pair.auth_serial, "sign_serial": made.pair.sign_serial},
    )
    session.commit()


def checked_password(password: str, iin: str) -> None:
    """The keystore password against the rules (``keystore.password_policy``), or ``weak_password``."""
    try:
        check_password(password or "", iin=iin)
    except WeakPassword as error:
        raise InvalidInput(str(error), code="weak_password") from None


def server_keys(citizen: CitizenRecord) -> tuple[dict[Profile, object], dict[Profile, bytes]]:
    """Two RSA-2048 key pairs made here (AUTH, SIGN) and their CSRs; the keys live only in the caller."""
    keys = {profile: generate_private_key("rsa2048") for profile in (Profile.AUTH, Profile.SIGN)}
    csrs = {
        profile: build_csr(
            key,
            iin=citizen.iin,
            surname=citizen.surname,
            given_name=citizen.given_name,
            patronymic=citizen.patronymic or None,
        ).public_bytes(serialization.Encoding.PEM)
        for profile, key in keys.items()
    }
    return keys, csrs


def zipped_keystores(keys: dict[Profile, object], pair: IssuedPair, password: str) -> ServerKeystores:
    """The zip of the two .p12 files (AUTH first, then SIGN), each protected by ``password``."""
    chain = x509.load_pem_x509_certificates(pair.chain_pem)
    buffer = io.BytesIO()
    names = []
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for profile, pem in ((Profile.AUTH, pair.auth_pem), (Profile.SIGN, pair.sign_pem)):
            certificate = x509.load_pem_x509_certificate(pem)
            name = keystore_filename(certificate)
            archive.writestr(name, build_keystore(keys[profile], certificate, chain, password))
            names.append(name)
    return ServerKeystores(zip_bytes=buffer.getvalue(), filenames=(names[0], names[1]), pair=pair)
