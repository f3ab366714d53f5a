"""PKCS#10 certificate requests for a person (the CA rebuilds the subject; this one is for humans)."""

from __future__ import annotations

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

from keystore.errors import InvalidPersonData
from keystore.keys import check_supported_key
from national_profile.iin import InvalidIIN, parse_iin
from national_profile.names import InvalidName, national_subject


def build_csr(
    key: PrivateKeyTypes,
    *,
    iin: str,
    surname: str,
    given_name: str,
    patronymic: str | None = None,
) -> x509.CertificateSigningRequest:
    """A CSR signed with ``key`` (SHA-256), subject in the national profile's shape.

    Raises InvalidPersonData for an IIN that fails its check or an unusable name, UnsupportedKey for a
    key the profile does not allow.
    """
    try:
        checked_iin = parse_iin(iin).value
    except InvalidIIN as error:
        raise InvalidPersonData(str(error)) from None
    try:
        subject = national_subject(checked_iin, surname, given_name, patronymic)
    except InvalidName as error:
        raise InvalidPersonData(str(error)) from None
    signing_key = check_supported_key(key)
    return x509.CertificateSigningRequestBuilder().subject_name(subject).sign(signing_key, hashes.SHA256())


def csr_pem(csr: x509.CertificateSigningRequest) -> bytes:
    """The CSR as PEM (``-----BEGIN CERTIFICATE REQUEST-----``)."""
    return csr.public_bytes(serialization.Encoding.PEM)
