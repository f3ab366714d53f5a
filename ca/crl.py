"""The issuing CA's certificate revocation list, built from the store's revoked records."""

from __future__ import annotations

import datetime as dt

from cryptography import x509

from ca.authority import CertificateAuthority
from ca.errors import CAError

CRL_LIFETIME = dt.timedelta(days=7)

REASON_FLAGS: dict[str, x509.ReasonFlags] = {
    "key_compromise": x509.ReasonFlags.key_compromise,
    "ca_compromise": x509.ReasonFlags.ca_compromise,
    "affiliation_changed": x509.ReasonFlags.affiliation_changed,
    "superseded": x509.ReasonFlags.superseded,
    "cessation_of_operation": x509.ReasonFlags.cessation_of_operation,
    "certificate_hold": x509.ReasonFlags.certificate_hold,
    "privilege_withdrawn": x509.ReasonFlags.privilege_withdrawn,
}


def build_crl(
    authority: CertificateAuthority, *, now: dt.datetime | None = None
) -> x509.CertificateRevocationList:
    """A full CRL of every revoked certificate, valid for 7 days.

    The CRL number is the issue time in microseconds: increasing without keeping a counter (RFC 5280
    5.2.3 asks that it increase), even when the web service builds CRLs several times a second.
    """
    if authority.store is None:
        raise CAError("This CA was loaded without a certificate store; it cannot publish a CRL.")
    precise = now or authority.clock()
    moment = precise.replace(microsecond=0)
    crl_number = int(precise.timestamp()) * 1_000_000 + precise.microsecond
    builder = (
        x509.CertificateRevocationListBuilder()
        .last_update(moment)
        .next_update(moment + CRL_LIFETIME)
        .add_extension(x509.CRLNumber(crl_number), False)
    )
    for record in authority.store.revoked():
        entry = x509.RevokedCertificateBuilder().serial_number(int(record.serial, 16))
        entry = entry.revocation_date(record.revoked_at)
        if record.revocation_reason in REASON_FLAGS:  # "unspecified" is left out (RFC 5280 5.3.1)
            entry = entry.add_extension(x509.CRLReason(REASON_FLAGS[record.revocation_reason]), False)
        builder = builder.add_revoked_certificate(entry.build())
    return authority.sign_crl(builder)
