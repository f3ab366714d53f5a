"""Renewal: the request is signed with the person's still-valid AUTH certificate from this CA."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from ca.person import Identification, VerifiedPerson
from ca.proofs import IdentityNotProven, require_valid_iin
from ca.store import CertificateStore
from national_profile.iin import iin_of


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class RenewalProof:
    """``signature`` over ``signed_data`` (the new CSR's bytes) by the key of ``auth_certificate_pem``.

    RSA signatures are PKCS#1 v1.5 with SHA-256, EC signatures ECDSA with SHA-256. The certificate
    must be ours (signed by ``issuing_cert``), an AUTH certificate, within its validity, and
    recorded as valid in ``store``.
    """

    auth_certificate_pem: bytes
    signed_data: bytes
    signature: bytes
    issuing_cert: x509.Certificate
    store: CertificateStore
    clock: Callable[[], dt.datetime] = field(default=_utc_now)

    def verified_person(self) -> VerifiedPerson:
        certificate = self._certificate()
        self._check_ours_and_current(certificate)
        self._check_signature(certificate)
        return _person_from(certificate)

    def _certificate(self) -> x509.Certificate:
        try:
            return x509.load_pem_x509_certificate(self.auth_certificate_pem)
        except ValueError:
            raise IdentityNotProven(
                "malformed_certificate", "The renewal certificate cannot be read."
            ) from None

    def _check_ours_and_current(self, certificate: x509.Certificate) -> None:
        try:
            certificate.verify_directly_issued_by(self.issuing_cert)
        except (ValueError, TypeError, InvalidSignature):
            raise IdentityNotProven(
                "foreign_certificate", "The renewal is signed with a certificate this CA did not issue."
            ) from None
        try:
            usages = certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
        except x509.ExtensionNotFound:
            usages = []
        if ExtendedKeyUsageOID.CLIENT_AUTH not in usages:
            raise IdentityNotProven(
                "not_auth_certificate",
                "A renewal must be signed with the AUTH certificate, not the SIGN one.",
            )
        now = self.clock()
        if not certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc:
            raise IdentityNotProven(
                "certificate_expired",
                f"The AUTH certificate expired on {certificate.not_valid_after_utc:%Y-%m-%d}: "
                "renew in person at a service centre.",
            )
        record = self.store.get(f"{certificate.serial_number:x}")
        if record is None or record.fingerprint_sha256 != certificate.fingerprint(hashes.SHA256()).hex():
            raise IdentityNotProven(
                "unknown_certificate", "The AUTH certificate is not in this CA's records."
            )
        if record.status != "valid":
            raise IdentityNotProven(
                "certificate_revoked", "The AUTH certificate has been revoked: renewal with it is refused."
            )

    def _check_signature(self, certificate: x509.Certificate) -> None:
        key = certificate.public_key()
        try:
            if isinstance(key, rsa.RSAPublicKey):
                key.verify(self.signature, self.signed_data, padding.PKCS1v15(), hashes.SHA256())
            elif isinstance(key, ec.EllipticCurvePublicKey):
                key.verify(self.signature, self.signed_data, ec.ECDSA(hashes.SHA256()))
            else:
                raise InvalidSignature
        except InvalidSignature:
            raise IdentityNotProven(
                "bad_signature", "The renewal request's signature does not verify with the AUTH certificate."
            ) from None


def _person_from(certificate: x509.Certificate) -> VerifiedPerson:
    """The person named by one of our certificates (CN = "SURNAME GIVEN", GIVENNAME = patronymic)."""

    def first(oid: x509.ObjectIdentifier) -> str | None:
        values = certificate.subject.get_attributes_for_oid(oid)
        return str(values[0].value) if values else None

    surname = first(NameOID.SURNAME) or ""
    common_name = first(NameOID.COMMON_NAME) or ""
    given_name = common_name.removeprefix(surname).strip()
    return VerifiedPerson(
        iin=require_valid_iin(iin_of(certificate.subject) or ""),
        surname=surname,
        given_name=given_name,
        patronymic=first(NameOID.GIVEN_NAME),
        identification=Identification.RENEWAL,
    )
