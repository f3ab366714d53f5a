"""Read a CMS SignedData and check its cryptography: content digest and the signer's signature.

Only one signer per CMS (what NCALayer and ``eds_agent.cms`` make); several are refused as
input we do not handle rather than half-checked.
"""

from __future__ import annotations

import base64
import datetime as dt
import hmac
from dataclasses import dataclass

from asn1crypto import cms
from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from eds_toolkit.signatures import gost
from eds_toolkit.signatures.errors import SignatureInputError

_DIGESTS: dict[str, type[hashes.HashAlgorithm]] = {
    "sha1": hashes.SHA1,
    "sha224": hashes.SHA224,
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}
MAX_CMS_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class SignedCms:
    """A parsed single-signer CMS and the results of its cryptographic checks."""

    signer_certificate: x509.Certificate | None
    certificates: tuple[x509.Certificate, ...]  # every certificate the CMS carries
    detached: bool
    digest_algorithm: str
    content_digest: bytes
    digest_matches: bool
    signature_valid: bool
    signing_time: dt.datetime | None
    signature_value: bytes
    timestamp_token: cms.ContentInfo | None


def load_cms(data: bytes) -> cms.ContentInfo:
    """DER, PEM (``-----BEGIN CMS/PKCS7-----``) or base64 text; a SignedData or SignatureInputError."""
    if not data:
        raise SignatureInputError("The signature file is empty.")
    if len(data) > MAX_CMS_BYTES:
        raise SignatureInputError(f"The signature file is larger than {MAX_CMS_BYTES // (1024 * 1024)} MiB.")
    der = _der(data)
    try:
        info = cms.ContentInfo.load(der, strict=True)
        if info["content_type"].native != "signed_data":
            raise SignatureInputError(
                f"This CMS is {info['content_type'].native!r}, not a signature (SignedData)."
            )
        info["content"]["signer_infos"].native  # noqa: B018 - parse it all now, not halfway through checks
    except SignatureInputError:
        raise
    except (ValueError, TypeError, KeyError) as error:
        raise SignatureInputError(f"The file is not a CMS signature (PKCS#7 SignedData): {error}") from None
    return info


def read_signed_cms(data: bytes, content: bytes | None) -> SignedCms:
    """Parse the CMS and check the digest and the signature; ``content`` for a detached signature."""
    signed = load_cms(data)["content"]
    signer_infos = signed["signer_infos"]
    if len(signer_infos) != 1:
        raise SignatureInputError(f"The CMS has {len(signer_infos)} signers; exactly one is supported.")
    signer_info = signer_infos[0]
    encapsulated = signed["encap_content_info"]["content"]
    detached = encapsulated.native is None
    embedded = None if detached else bytes(encapsulated)  # the octets signed, also of a TSTInfo
    if detached and content is None:
        raise SignatureInputError("This is a detached signature: give the signed content as well.")
    if not detached and content is not None and content != embedded:
        raise SignatureInputError("The CMS already holds content, and it differs from the content given.")
    signed_content = content if detached else embedded
    certificates = _certificates(signed)
    signer_certificate = _find_signer(signer_info["sid"], certificates)
    digest_name = signer_info["digest_algorithm"]["algorithm"].native
    if digest_name not in _DIGESTS and digest_name not in gost.DIGEST_NAMES:
        raise SignatureInputError(f"Digest algorithm {digest_name!r} is not supported.")
    digest = _hash(digest_name, signed_content)
    signed_attrs = signer_info["signed_attrs"]
    if signed_attrs.native is not None and len(signed_attrs):
        attributes = {attr["type"].native: attr["values"] for attr in signed_attrs}
        claimed = attributes.get("message_digest")
        digest_matches = claimed is not None and hmac.compare_digest(claimed[0].native, digest)
        # Signed as received but with the SET OF tag instead of [0] IMPLICIT (RFC 5652 5.4); not
        # re-encoded, so a signer's own (even unsorted) encoding still verifies.
        to_verify = b"\x31" + signed_attrs.dump()[1:]
        signing_time = attributes["signing_time"][0].native if "signing_time" in attributes else None
    else:
        digest_matches, to_verify, signing_time = True, signed_content, None
    signature_value = signer_info["signature"].native
    signature_valid = signer_certificate is not None and _signature_verifies(
        signer_certificate, signer_info, digest_name, signature_value, to_verify
    )
    return SignedCms(
        signer_certificate=signer_certificate,
        certificates=certificates,
        detached=detached,
        digest_algorithm=digest_name,
        content_digest=digest,
        digest_matches=digest_matches,
        signature_valid=signature_valid,
        signing_time=signing_time,
        signature_value=signature_value,
        timestamp_token=_timestamp_token(signer_info),
    )


def _der(data: bytes) -> bytes:
    stripped = data.strip()
    if stripped.startswith(b"-----BEGIN"):
        body = b"".join(line for line in stripped.splitlines() if not line.startswith(b"-----"))
        return _b64(body)
    if stripped[:1] == b"\x30":
        return data
    return _b64(stripped)


def _b64(text: bytes) -> bytes:
    try:
        return base64.b64decode(b"".join(text.split()), validate=True)
    except ValueError:
        raise SignatureInputError("The file is neither DER, PEM nor base64 CMS.") from None


def _certificates(signed: cms.SignedData) -> tuple[x509.Certificate, ...]:
    found = []
    for choice in signed["certificates"] or []:
        if choice.name == "certificate":
            try:
                found.append(x509.load_der_x509_certificate(choice.chosen.dump()))
            except ValueError as error:
                raise SignatureInputError(f"A certificate inside the CMS cannot be read: {error}") from None
    return tuple(found)


def _find_signer(
    sid: cms.SignerIdentifier, certificates: tuple[x509.Certificate, ...]
) -> x509.Certificate | None:
    for certificate in certificates:
        if sid.name == "issuer_and_serial_number":
            wanted = sid.chosen
            if (
                certificate.serial_number == wanted["serial_number"].native
                and certificate.issuer.public_bytes() == wanted["issuer"].dump()
            ):
                return certificate
        else:
            try:
                ski = certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
            except x509.ExtensionNotFound:
                continue
            if ski == sid.chosen.native:
                return certificate
    return None


def _hash(name: str, data: bytes) -> bytes:
    if name in gost.DIGEST_NAMES:
        return gost.digest(name, data)
    digest = hashes.Hash(_DIGESTS[name]())
    digest.update(data)
    return digest.finalize()


def _signature_verifies(
    certificate: x509.Certificate,
    signer_info: cms.SignerInfo,
    digest_name: str,
    signature: bytes,
    data: bytes,
) -> bool:
    algorithm = signer_info["signature_algorithm"]
    if gost.is_gost_signature(algorithm["algorithm"].dotted):
        return gost.verify(gost.spki_of(certificate), algorithm["algorithm"].dotted, signature, data)
    key = certificate.public_key()
    try:
        kind = algorithm.signature_algo
        if kind == "rsassa_pss" and isinstance(key, rsa.RSAPublicKey):
            params = algorithm["parameters"]
            pss_hash = _DIGESTS[params["hash_algorithm"]["algorithm"].native]()
            pss = padding.PSS(mgf=padding.MGF1(pss_hash), salt_length=params["salt_length"].native)
            key.verify(signature, data, pss, pss_hash)
        elif kind == "rsassa_pkcs1v15" and isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, data, padding.PKCS1v15(), _DIGESTS[digest_name]())
        elif kind == "ecdsa" and isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, data, ec.ECDSA(_DIGESTS[digest_name]()))
        else:
            raise SignatureInputError(
                f"Signature algorithm {algorithm['algorithm'].native!r} is not supported."
            )
    except InvalidSignature:
        return False
    except (UnsupportedAlgorithm, KeyError, ValueError) as error:
        raise SignatureInputError(f"The signature algorithm cannot be checked: {error}") from None
    return True


def _timestamp_token(signer_info: cms.SignerInfo) -> cms.ContentInfo | None:
    unsigned = signer_info["unsigned_attrs"]
    if unsigned.native is None:
        return None
    for attribute in unsigned:
        if attribute["type"].native == "signature_time_stamp_token":
            return attribute["values"][0]
    return None
