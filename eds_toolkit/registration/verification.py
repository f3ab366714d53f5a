"""Checking an application's EDS signature: the applicant's own SIGN certificate from the service CA,
valid and not revoked (the CA's OCSP responder, asked in-process) at the time of signing."""

from __future__ import annotations

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp

from eds_toolkit.core.context import ServiceContext
from eds_toolkit.core.refusals import ServiceUnavailable
from eds_toolkit.registration.errors import SignatureRefused
from eds_toolkit.signatures import SignatureInputError, SignatureVerdict, verify_cms

MAX_CMS_BYTES = 256 * 1024


def verify_application_signature(
    ctx: ServiceContext, cms: bytes, content: bytes, *, applicant_iin: str
) -> SignatureVerdict:
    """The verdict when the CMS is the applicant's valid SIGN signature over ``content``; else
    SignatureRefused with the verdict's reason codes."""
    if not cms or len(cms) > MAX_CMS_BYTES:
        raise SignatureRefused(
            f"Send the CMS signature (at most {MAX_CMS_BYTES // 1024} KiB).", code="signature_unreadable"
        )
    try:
        authority = ctx.ca()
    except Exception as error:  # a CA that cannot load (no passphrase, damaged files) is an outage here
        raise ServiceUnavailable(
            "Signatures cannot be checked right now (the CA is not available).", code="ca_unavailable"
        ) from error

    def ask_our_responder(certificate: x509.Certificate, issuer: x509.Certificate) -> list[bytes]:
        from ca.ocsp import respond

        request = ocsp.OCSPRequestBuilder().add_certificate(certificate, issuer, hashes.SHA256()).build()
        return [respond(request.public_bytes(serialization.Encoding.DER), authority)]

    try:
        verdict = verify_cms(
            cms,
            content=content,
            trust_roots=[authority.root_cert],
            at=ctx.now(),
            enforce_iin_check_digit=True,
            required_profile="sign",
            revocation="ocsp",
            fetch_ocsp=ask_our_responder,
        )
    except SignatureInputError as error:
        message = str(error)
        if "differs" in message:
            message = "The signed document is not this application: sign the application's document as given."
        raise SignatureRefused(message, code="signature_unreadable") from None
    if not verdict.ok:
        raise SignatureRefused(
            "The signature was not accepted: " + " ".join(verdict.messages),
            reasons=[reason.value for reason in verdict.reasons],
        )
    if verdict.signer.iin != applicant_iin:
        raise SignatureRefused(
            "The application was signed with another person's certificate: the applicant must sign it "
            "with their own EDS.",
            code="signer_mismatch",
        )
    return verdict
