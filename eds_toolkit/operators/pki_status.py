"""CRL and OCSP status for the console: the newest base and delta CRL of the issuing CA and the root's CRL
(number, thisUpdate, nextUpdate, age, overdue, entries), where they are published, the OCSP responder's
certificate, and a live self-check of the responder: an OCSP request for a known certificate, answered
now by the code ``/pki/ocsp`` runs (``ca.ocsp.respond``), its signature, nonce and status checked.

A CA administrator may publish a new base and delta CRL now (``publish_now``, audited)."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.x509 import ocsp

from ca.authority import CertificateAuthority
from ca.crl import Published, crl_status, current_crl, publish_due
from ca.ocsp import respond
from ca.store import newest_certificate
from eds_toolkit.core.context import ServiceContext
from eds_toolkit.operators.actions import record_action
from eds_toolkit.operators.signin import SignedIn

CRL_KINDS = ("base", "delta", "root")


@dataclass(frozen=True)
class CRLView:
    """The newest published CRL of one kind, or where it would be (``number`` None: none published)."""

    which: str  # base | delta | root
    url: str
    number: int | None = None
    base_number: int | None = None
    this_update: dt.datetime | None = None
    next_update: dt.datetime | None = None
    age: dt.timedelta | None = None
    overdue: bool = False
    entries: int | None = None


@dataclass(frozen=True)
class CertificateView:
    """A CA certificate's name and validity."""

    name: str
    serial: str
    not_before: dt.datetime
    not_after: dt.datetime
    days_left: int


@dataclass(frozen=True)
class OcspCheck:
    """The responder asked about a known certificate now: what it answered and whether the answer holds
    (signed by the responder's certificate, the nonce echoed, the status the store's)."""

    serial: str | None  # None: no certificate issued yet, nothing to ask about
    status: str | None = None  # good | revoked | unknown, as answered
    store_status: str | None = None  # valid | revoked | expired, as stored
    produced_at: dt.datetime | None = None
    next_update: dt.datetime | None = None
    signature_valid: bool = False
    nonce_echoed: bool = False
    problem: str | None = None  # what is wrong with the answer (None: nothing)

    @property
    def healthy(self) -> bool:
        return self.serial is not None and self.problem is None


@dataclass(frozen=True)
class PkiStatus:
    crls: tuple[CRLView, ...]
    ocsp_url: str
    responder: CertificateView
    root: CertificateView
    ocsp: OcspCheck
    checked_at: dt.datetime


def pki_status(authority: CertificateAuthority, now: dt.datetime) -> PkiStatus:
    """Where the CA's revocation publishing stands at ``now``."""
    config = authority.config
    urls = {"base": config.crl_url, "delta": config.delta_crl_url, "root": config.root_crl_url}
    published = {
        entry.which: entry
        for entry in crl_status(authority.store, authority.issuing_cert, authority.root_cert)
    }
    crls = []
    for which in CRL_KINDS:
        entry = published.get(which)
        if entry is None:
            crls.append(CRLView(which, urls[which]))
            continue
        der = current_crl(authority, which)
        crls.append(
            CRLView(
                which,
                urls[which],
                entry.number,
                entry.base_number,
                entry.this_update,
                entry.next_update,
                entry.age(now),
                entry.overdue(now),
                len(x509.load_der_x509_crl(der)) if der else None,
            )
        )
    return PkiStatus(
        tuple(crls),
        config.ocsp_url,
        _certificate_view(authority.issuing_cert, now),
        _certificate_view(authority.root_cert, now),
        ocsp_self_check(authority, now),
        now,
    )


def _certificate_view(certificate: x509.Certificate, now: dt.datetime) -> CertificateView:
    names = certificate.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    name = str(names[0].value) if names else certificate.subject.rfc4514_string()
    return CertificateView(
        name,
        f"{certificate.serial_number:x}",
        certificate.not_valid_before_utc,
        certificate.not_valid_after_utc,
        (certificate.not_valid_after_utc - now).days,
    )


def ocsp_self_check(authority: CertificateAuthority, now: dt.datetime) -> OcspCheck:
    """Ask the responder about the newest certificate in the store, with a nonce, and check the answer."""
    with authority.store.session() as session:
        record = newest_certificate(session)
    if record is None:
        return OcspCheck(None)
    certificate = x509.load_pem_x509_certificate(record.pem.encode())
    nonce = os.urandom(16)
    request = (
        ocsp.OCSPRequestBuilder()
        .add_certificate(certificate, authority.issuing_cert, hashes.SHA256())
        .add_extension(x509.OCSPNonce(nonce), critical=False)
        .build()
    )
    store_status = record.status_at(now)
    answer = ocsp.load_der_ocsp_response(respond(request.public_bytes(serialization.Encoding.DER), authority))
    if answer.response_status != ocsp.OCSPResponseStatus.SUCCESSFUL:
        problem = f"the responder answered {answer.response_status.name}"
        return OcspCheck(record.serial, store_status=store_status, problem=problem)
    status = answer.certificate_status.name.lower()
    signature_valid = _signed_by(answer, authority.issuing_cert)
    try:
        echoed = answer.extensions.get_extension_for_class(x509.OCSPNonce).value.nonce == nonce
    except x509.ExtensionNotFound:
        echoed = False
    expected = "revoked" if store_status == "revoked" else "good"
    problem = None
    if not signature_valid:
        problem = "the answer's signature does not verify with the responder's certificate"
    elif not echoed:
        problem = "the answer does not carry the request's nonce"
    elif answer.serial_number != certificate.serial_number:
        problem = "the answer is about another certificate"
    elif status != expected:
        problem = f"the answer says {status}, the store says {store_status}"
    return OcspCheck(
        record.serial,
        status,
        store_status,
        answer.produced_at_utc,
        answer.next_update_utc,
        signature_valid,
        echoed,
        problem,
    )


def _signed_by(answer: ocsp.OCSPResponse, responder: x509.Certificate) -> bool:
    try:
        responder.public_key().verify(
            answer.signature, answer.tbs_response_bytes, padding.PKCS1v15(), answer.signature_hash_algorithm
        )
    except (InvalidSignature, TypeError, ValueError):
        return False
    return True


def publish_now(ctx: ServiceContext, who: SignedIn, *, client_address: str | None = None) -> Published:
    """A new base CRL of the issuing CA now, and a delta after it, whatever is due; audited
    (``crl_published``, with both numbers)."""
    published = publish_due(ctx.ca(), force=True)
    numbers = {
        kind: crl_number(crl)
        for kind, crl in (("base", published.base), ("delta", published.delta))
        if crl is not None  # a CRL without entries is falsy (it has a length)
    }
    with ctx.session() as session:
        record_action(
            ctx,
            session,
            who,
            "crl_published",
            iin=who.operator.iin,
            client_address=client_address,
            detail={
                "numbers": numbers,
                "entries": len(published.base) if published.base is not None else None,
            },
        )
        session.commit()
    return published


def crl_number(crl: x509.CertificateRevocationList) -> int:
    return crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number
