"""The signed application as kept: the exact document, its EDS signature (CMS), and the signature's verdict
checked again as of the moment it was signed (chain to the service CA, revocation from its OCSP responder,
the signer's IIN against the applicant's). An application signed with an SMS code has no CMS."""

from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass, replace

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp

from eds_toolkit.core.context import ServiceContext
from eds_toolkit.core.refusals import ServiceUnavailable
from eds_toolkit.flow.machine import aware
from eds_toolkit.registration.document import document_bytes
from eds_toolkit.registration.errors import ApplicationNotFound
from eds_toolkit.registration.models import ResidenceApplication
from eds_toolkit.signatures import SignatureInputError, SignatureVerdict, verify_cms


@dataclass(frozen=True)
class SignedCopy:
    """What was signed and how: ``signature_cms`` (DER or PEM, as sent) and ``verdict`` for an EDS
    signature, both None for an SMS code or a draft."""

    application_id: str
    applicant_iin: str
    document: str
    signed_with: str | None
    signed_at: dt.datetime | None
    signature_cms: bytes | None
    verdict: SignatureVerdict | None

    @property
    def signer_is_applicant(self) -> bool:
        return (
            self.verdict is not None
            and self.verdict.signer is not None
            and (self.verdict.signer.iin == self.applicant_iin)
        )

    def signature_pem(self) -> str | None:
        """The CMS as NCALayer returns it (``-----BEGIN CMS-----``), whatever form it was sent in."""
        if self.signature_cms is None:
            return None
        text = self.signature_cms.strip()
        if text.startswith(b"-----BEGIN"):
            return text.decode("ascii") + "\n"
        try:
            der = base64.b64decode(text, validate=True)
        except ValueError:
            der = self.signature_cms
        body = base64.encodebytes(der).decode("ascii")
        return f"-----BEGIN CMS-----\n{body}-----END CMS-----\n"


def signed_copy(ctx: ServiceContext, application_id: str, *, verify: bool = True) -> SignedCopy:
    """The application's signed copy; an EDS signature is verified again as of its signing (unless
    ``verify`` is False: the bytes alone, for a download)."""
    with ctx.session() as session:
        application = session.get(ResidenceApplication, application_id) if application_id else None
        if application is None:
            raise ApplicationNotFound("This application does not exist.")
        signed_at = aware(application.submitted_at) if application.submitted_at else None
        copy = SignedCopy(
            application_id=application.id,
            applicant_iin=application.applicant_iin,
            document=application.document,
            signed_with=application.signed_with,
            signed_at=signed_at,
            signature_cms=application.signature_cms,
            verdict=None,
        )
    if not verify or copy.signature_cms is None or signed_at is None:
        return copy
    verdict = verdict_as_of(ctx, copy.signature_cms, document_bytes(copy.document), signed_at)
    return replace(copy, verdict=verdict)


def verdict_as_of(
    ctx: ServiceContext, cms: bytes, content: bytes, at: dt.datetime
) -> SignatureVerdict | None:
    """A kept signature's verdict as of ``at`` with the CA's current OCSP answer (a revocation after ``at``
    does not undo a signature made before it); None when the kept bytes cannot be read as a CMS."""
    try:
        authority = ctx.ca()
    except Exception as error:  # a CA that cannot load is an outage, as when signing
        raise ServiceUnavailable(
            "Signatures cannot be checked right now (the CA is not available).", code="ca_unavailable"
        ) from error

    def ask_our_responder(certificate: x509.Certificate, issuer: x509.Certificate) -> list[bytes]:
        from ca.ocsp import respond

        request = ocsp.OCSPRequestBuilder().add_certificate(certificate, issuer, hashes.SHA256()).build()
        return [respond(request.public_bytes(serialization.Encoding.DER), authority)]

    try:
        return verify_cms(
            cms,
            content=content,
            trust_roots=[authority.root_cert],
            at=at,
            enforce_iin_check_digit=True,
            required_profile="sign",
            revocation="ocsp",
            fetch_ocsp=ask_our_responder,
        )
    except SignatureInputError:
        return None
