"""What relying parties are told about a certificate right now: the service's own OCSP responder asked
in-process (the answer /pki/ocsp would give, signature checked), and whether the CRLs published now
list it (the ones /pki/crl and /pki/delta.crl serve)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.x509 import ocsp

from ca.authority import CertificateAuthority
from ca.crl import current_crl
from ca.ocsp import respond


@dataclass(frozen=True)
class OcspAnswer:
    """The responder's answer: ``good``, ``revoked`` or ``unknown`` (or ``error`` with the response
    status when it did not answer), its thisUpdate and, when revoked, the time and RFC 5280 reason."""

    status: str
    this_update: dt.datetime | None = None
    next_update: dt.datetime | None = None
    revoked_at: dt.datetime | None = None
    reason: str | None = None  # RFC 5280 name, e.g. keyCompromise


@dataclass(frozen=True)
class CrlListing:
    """One published CRL (``base`` or ``delta``): its number, thisUpdate and nextUpdate, and whether it
    lists the certificate (with the date and reason on it)."""

    which: str
    number: int
    this_update: dt.datetime
    next_update: dt.datetime
    listed: bool
    revoked_at: dt.datetime | None = None
    reason: str | None = None


def ocsp_answer(authority: CertificateAuthority, certificate: x509.Certificate) -> OcspAnswer:
    """Ask the CA's OCSP responder about ``certificate`` as a client would (SHA-256 CertID, no nonce)."""
    request = ocsp.OCSPRequestBuilder().add_certificate(certificate, authority.issuing_cert, hashes.SHA256())
    der = respond(request.build().public_bytes(serialization.Encoding.DER), authority)
    response = ocsp.load_der_ocsp_response(der)
    if response.response_status is not ocsp.OCSPResponseStatus.SUCCESSFUL:
        return OcspAnswer(status=f"error: {response.response_status.name.lower()}")
    try:
        authority.issuing_cert.public_key().verify(
            response.signature,
            response.tbs_response_bytes,
            padding.PKCS1v15(),
            response.signature_hash_algorithm,
        )
    except InvalidSignature:
        return OcspAnswer(status="error: bad_signature")
    reason = response.revocation_reason
    return OcspAnswer(
        status=response.certificate_status.name.lower(),
        this_update=response.this_update_utc,
        next_update=response.next_update_utc,
        revoked_at=response.revocation_time_utc,
        reason=reason.value if reason is not None else None,
    )


def crl_listings(authority: CertificateAuthority, serial_number: int) -> list[CrlListing]:
    """The issuing CA's newest base and delta CRLs (those published so far; a CRL whose signature does
    not check is left out) and whether each lists ``serial_number``."""
    listings = []
    for which in ("base", "delta"):
        der = current_crl(authority, which)
        if der is None:
            continue
        crl = x509.load_der_x509_crl(der)
        if not crl.is_signature_valid(authority.issuing_cert.public_key()):
            continue
        entry = crl.get_revoked_certificate_by_serial_number(serial_number)
        reason = None
        if entry is not None:
            try:
                reason = entry.extensions.get_extension_for_class(x509.CRLReason).value.reason.value
            except x509.ExtensionNotFound:
                reason = None
        listings.append(
            CrlListing(
                which=which,
                number=crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number,
                this_update=crl.last_update_utc,
                next_update=crl.next_update_utc,
                listed=entry is not None,
                revoked_at=entry.revocation_date_utc if entry is not None else None,
                reason=reason,
            )
        )
    return listings
