"""A one-time challenge signed with this CA's AUTH key: who signed it, proven by ``RenewalProof``.

Used wherever the AUTH key is the authentication: yearly renewal (``eds_toolkit.renewal``) and the
operators' sign-in (``eds_toolkit.operators.signin``). The CMS must be over exactly the challenge's
bytes (attached or detached), SHA-256, one signer, carrying its certificate; the proof then checks
the certificate is ours, an AUTH one, current, unrevoked, and that its key made the signature.
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from ca.proofs.renewal import RenewalProof
from eds_toolkit.core.context import ServiceContext
from eds_toolkit.core.refusals import InvalidInput
from eds_toolkit.signatures.cms_reader import load_cms, read_signed_cms
from eds_toolkit.signatures.errors import SignatureInputError

MAX_CMS_BYTES = 64 * 1024


@dataclass(frozen=True)
class ChallengeSignature:
    """A CMS over exactly the challenge: who signed, and what their key signed (RFC 5652 5.4)."""

    signer_certificate: x509.Certificate
    signed_data: bytes
    signature: bytes


def cms_bytes(value: str | bytes | None) -> bytes:
    """The CMS as given (DER, PEM or base64 text), refused when empty or too large to be one."""
    data = value.encode("ascii", "replace") if isinstance(value, str) else (value or b"")
    if not data.strip():
        raise InvalidInput("The signed challenge (CMS) is missing.", code="cms_missing")
    if len(data) > MAX_CMS_BYTES:
        raise InvalidInput("The signed challenge is too large to be a CMS signature.", code="cms_too_large")
    return data


def challenge_signature(challenge: bytes, cms_der: bytes) -> ChallengeSignature:
    """Read the CMS and check it is over exactly ``challenge`` with SHA-256 and carries its signer."""
    try:
        signer_info, embedded = _signer_info_and_content(cms_der)
        if embedded is not None and embedded != challenge:
            raise _wrong_challenge()
        signed = read_signed_cms(cms_der, None if embedded is not None else challenge)
    except SignatureInputError as error:
        raise InvalidInput(f"The signed challenge cannot be read: {error}", code="malformed_cms") from None
    if signed.digest_algorithm != "sha256":
        raise InvalidInput(
            f"The challenge must be signed with SHA-256, not {signed.digest_algorithm}.",
            code="unsupported_algorithm",
        )
    if not signed.digest_matches:
        raise _wrong_challenge()
    if signed.signer_certificate is None:
        raise InvalidInput(
            "The signed challenge does not include the signer's certificate: include the AUTH certificate.",
            code="signer_certificate_missing",
        )
    attributes = signer_info["signed_attrs"]
    has_attributes = attributes.native is not None and len(attributes) > 0
    # RFC 5652 5.4: with signed attributes the signature covers their DER with the SET OF tag.
    signed_data = b"\x31" + attributes.dump()[1:] if has_attributes else challenge
    return ChallengeSignature(signed.signer_certificate, signed_data, signed.signature_value)


def auth_proof(ctx: ServiceContext, authority, signature: ChallengeSignature) -> RenewalProof:
    """The proof of the signer: our still-valid, unrevoked AUTH certificate, and its key's signature."""
    return RenewalProof(
        auth_certificate_pem=signature.signer_certificate.public_bytes(serialization.Encoding.PEM),
        signed_data=signature.signed_data,
        signature=signature.signature,
        issuing_cert=authority.issuing_cert,
        store=authority.store,
        clock=ctx.now,
    )


def _wrong_challenge() -> InvalidInput:
    return InvalidInput(
        "The signature is over other data than this challenge. Sign the challenge text exactly as it "
        "was given.",
        code="wrong_challenge",
    )


def _signer_info_and_content(cms_der: bytes):
    signed = load_cms(cms_der)["content"]
    if len(signed["signer_infos"]) != 1:
        raise SignatureInputError("The signed challenge must have exactly one signer.")
    return signed["signer_infos"][0], signed["encap_content_info"]["content"].native
