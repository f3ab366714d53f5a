"""Checking an EDS signature of the registration service: the applicant's over the application, or the
owner's over their consent; the signer's own SIGN certificate from the service CA, valid and not revoked
(the CA's OCSP responder, asked in-process) at the time of signing."""

from __future__ import annotations

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp

from eds_toolkit.core.context import ServiceContext
from eds_toolkit.core.refusals import ServiceUnavailable
from eds_toolkit.registration.errors import SignatureRefused
from eds_toolkit.signatures import SignatureInputError, SignatureVerdict, verify_cms

MAX_CMS_BYTES = 256 * 1024

NOT_THE_APPLICATION = "The signed document is not this application: sign the application's document as given."
NOT_THE_APPLICANT = (
    "The application was signed with another person's certificate: the applicant must sign it with their "
    "own EDS."
)
NOT_THE_CONSENT = "The signed document is not this consent: sign the consent document as shown."
NOT_THE_OWNER = (
    "The consent was signed with another person's certificate: only the owner of the address confirms, "
    "with their own EDS."
)


def verify_application_signature(
    ctx: ServiceContext, cms: bytes, content: bytes, *, applicant_iin: str
) -> SignatureVerdict:
    """The verdict when the CMS is the applicant's valid SIGN signature over ``content``; else
    SignatureRefused with the verdict's reason codes."""
    return verify_signature(
        ctx,
        cms,
        content,
        signer_iin=applicant_iin,
        not_content=NOT_THE_APPLICATION,
        not_signer=NOT_THE_APPLICANT,
    )


def verify_consent_signature(
    ctx: ServiceContext, cms: bytes, content: bytes, *, owner_iin: str
) -> SignatureVerdict:
    """The verdict when the CMS is the owner's valid SIGN signature over their consent ``content``."""
    return verify_signature(
        ctx,
        cms,
        content,
        signer_iin=owner_iin,
        not_content=NOT_THE_CONSENT,
        not_signer=NOT_THE_OWNER,
        rule="owner_consent",
    )


def verify_signature(
    ctx: ServiceContext,
    cms: bytes,
    content: bytes,
    *,
    signer_iin: str,
    not_content: str,
    not_signer: str,
    rule: str | None = None,
) -> SignatureVerdict:
    """The verdict when the CMS is ``signer_iin``'s valid SIGN signature over ``content`` as of now; else
    SignatureRefused (``not_content``: the sentence for another document, ``not_signer``: for another
    person's certificate; ``rule``: the refusal catalogue's more precise text, ``code.rule``)."""
    precise = {"rule": rule} if rule else {}
    if not cms or len(cms) > MAX_CMS_BYTES:
        raise SignatureRefused(
            f"Send the CMS signature (at most {MAX_CMS_BYTES // 1024} KiB).",
            code="signature_unreadable",
            **precise,
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
            message = not_content
        raise SignatureRefused(message, code="signature_unreadable", **precise) from None
    if not verdict.ok:
        raise SignatureRefused(
            "The signature was not accepted: " + " ".join(verdict.messages),
            reasons=[reason.value for reason in verdict.reasons],
        )
    if verdict.signer.iin != signer_iin:
        raise SignatureRefused(not_signer, code="signer_mismatch", **precise)
    return verdict
