"""Read a CMS SignedData and check its cryptography: content digest and each signer's signature.

``read_signers`` checks every signer (a CMS co-signed by several people, as NCALayer and NCANode
make them); a signer whose algorithms this verifier does not implement is reported as such, not
refused for the whole CMS. ``read_signed_cms`` is the one-signer view the renewal proof needs.
"""

from __future__ import annotations

import base64
import datetime as dt
import hmac
import time
import warnings
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


MAX_SIGNERS = 16
MAX_CERTIFICATES = 128


@dataclass(frozen=True)
class SignerCheck:
    """One SignerInfo and the results of its cryptographic checks.

    ``unsupported`` says why its digest or signature algorithm could not be checked (then
    ``digest_matches`` and ``signature_valid`` are False)."""

    signer_certificate: x509.Certificate | None
    digest_algorithm: str
    content_digest: bytes
    digest_matches: bool
    signature_valid: bool
    signing_time: dt.datetime | None
    signature_value: bytes
    timestamp_token: cms.ContentInfo | None
    unsupported: str | None = None
    skipped: bool = False  # not checked: the caller's time budget was spent on the signers before it


@dataclass(frozen=True)
class SignedCmsSigners:
    """A parsed CMS: its certificates, whether the content is detached, and each signer checked."""

    certificates: tuple[x509.Certificate, ...]
    detached: bool
    signers: tuple[SignerCheck, ...]


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
        _parse_signers(info["content"]["signer_infos"])  # all now, not halfway through the checks
    except SignatureInputError:
        raise
    except (ValueError, TypeError, KeyError) as error:
        raise SignatureInputError(f"The file is not a CMS signature (PKCS#7 SignedData): {error}") from None
    return info


def _parse_signers(signer_infos: cms.SignerInfos) -> None:
    """Parse every part of every SignerInfo, the timestamp token inside its unsigned attributes too.

    Part by part, not ``signer_infos.native``: asn1crypto marks the default values it fills in (an
    ESSCertIDv2's hash algorithm, in every RFC 3161 token) as changed, and then re-encodes the whole
    of each structure above them each time one of them is read; over the levels that hold a token
    this took ~1 s for a 6 kB CAdES-T. Read from the token down, each part is parsed once."""
    for signer_info in signer_infos:
        for field in signer_info:
            if field != "unsigned_attrs":
                signer_info[field].native  # noqa: B018 - parsed for its errors
        for attribute in signer_info["unsigned_attrs"]:
            attribute["type"].native  # noqa: B018
            for value in attribute["values"]:
                value.native  # noqa: B018


def read_signed_cms(data: bytes, content: bytes | None) -> SignedCms:
    """Parse a one-signer CMS and check the digest and the signature; ``content`` when detached."""
    parsed = read_signers(data, content)
    if len(parsed.signers) != 1:
        raise SignatureInputError(f"The CMS has {len(parsed.signers)} signers; exactly one is expected here.")
    (signer,) = parsed.signers
    if signer.unsupported:
        raise SignatureInputError(signer.unsupported)
    return SignedCms(
        signer_certificate=signer.signer_certificate,
        certificates=parsed.certificates,
        detached=parsed.detached,
        digest_algorithm=signer.digest_algorithm,
        content_digest=signer.content_digest,
        digest_matches=signer.digest_matches,
        signature_valid=signer.signature_valid,
        signing_time=signer.signing_time,
        signature_value=signer.signature_value,
        timestamp_token=signer.timestamp_token,
    )


def read_signers(data: bytes, content: bytes | None, *, deadline: float | None = None) -> SignedCmsSigners:
    """Parse the CMS and check each signer's digest and signature; ``content`` for a detached one.

    Signers after the first reached after ``deadline`` (``time.monotonic()``) are ``skipped``, not
    checked (a slow machine never leaves a one-signer CMS unchecked)."""
    signed = load_cms(data)["content"]
    signer_infos = signed["signer_infos"]
    if not len(signer_infos):
        raise SignatureInputError("The CMS has no signer.")
    if len(signer_infos) > MAX_SIGNERS:
        raise SignatureInputError(
            f"The CMS has {len(signer_infos)} signers; at most {MAX_SIGNERS} are checked."
        )
    encapsulated = signed["encap_content_info"]["content"]
    detached = encapsulated.native is None
    embedded = None if detached else bytes(encapsulated)  # the octets signed, also of a TSTInfo
    if detached and content is None:
        raise SignatureInputError("This is a detached signature: give the signed content as well.")
    if not detached and content is not None and content != embedded:
        raise SignatureInputError("The CMS already holds content, and it differs from the content given.")
    signed_content = content if detached else embedded
    if not isinstance(signed_content, bytes):
        raise SignatureInputError("The CMS content is not data (id-data); other content types are not read.")
    certificates = _certificates(signed)
    return SignedCmsSigners(
        certificates=certificates,
        detached=detached,
        signers=tuple(
            _skipped(info, certificates)
            if index > 0 and deadline is not None and time.monotonic() > deadline  # the first: always
            else _check_signer(info, signed_content, certificates)
            for index, info in enumerate(signer_infos)
        ),
    )


def _skipped(signer_info: cms.SignerInfo, certificates: tuple[x509.Certificate, ...]) -> SignerCheck:
    return SignerCheck(
        signer_certificate=_find_signer(signer_info["sid"], certificates),
        digest_algorithm=signer_info["digest_algorithm"]["algorithm"].native,
        content_digest=b"",
        digest_matches=False,
        signature_valid=False,
        signing_time=None,
        signature_value=signer_info["signature"].native,
        timestamp_token=None,
        skipped=True,
    )


def _check_signer(
    signer_info: cms.SignerInfo, signed_content: bytes, certificates: tuple[x509.Certificate, ...]
) -> SignerCheck:
    signer_certificate = _find_signer(signer_info["sid"], certificates)
    digest_name = signer_info["digest_algorithm"]["algorithm"].native
    signature_value = signer_info["signature"].native
    signed_attrs = signer_info["signed_attrs"]
    has_attributes = len(signed_attrs) > 0  # 0 when absent
    attributes = {attr["type"].native: attr["values"] for attr in signed_attrs} if has_attributes else {}
    signing_time = attributes["signing_time"][0].native if "signing_time" in attributes else None
    unchecked = {
        "signer_certificate": signer_certificate,
        "digest_algorithm": digest_name,
        "signing_time": signing_time,
        "signature_value": signature_value,
        "timestamp_token": _timestamp_token(signer_info),
    }
    try:
        if digest_name not in _DIGESTS and digest_name not in gost.DIGEST_NAMES:
            raise SignatureInputError(f"Digest algorithm {digest_name!r} is not supported.")
        digest = _hash(digest_name, signed_content)
    except SignatureInputError as error:  # e.g. GOST 34.311-95 without the gostsum program
        return SignerCheck(
            **unchecked,
            content_digest=b"",
            digest_matches=False,
            signature_valid=False,
            unsupported=str(error),
        )
    if has_attributes:
        claimed = attributes.get("message_digest")
        digest_matches = claimed is not None and hmac.compare_digest(claimed[0].native, digest)
        # Signed as received but with the SET OF tag instead of [0] IMPLICIT (RFC 5652 5.4); not
        # re-encoded, so a signer's own (even unsorted) encoding still verifies.
        to_verify = b"\x31" + signed_attrs.dump()[1:]
    else:
        digest_matches, to_verify = True, signed_content
    try:
        signature_valid = signer_certificate is not None and _signature_verifies(
            signer_certificate, signer_info, digest_name, signature_value, to_verify
        )
    except SignatureInputError as error:
        return SignerCheck(
            **unchecked,
            content_digest=digest,
            digest_matches=digest_matches,
            signature_valid=False,
            unsupported=str(error),
        )
    return SignerCheck(
        **unchecked, content_digest=digest, digest_matches=digest_matches, signature_valid=signature_valid
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
    carried = signed["certificates"] or []
    if len(carried) > MAX_CERTIFICATES:
        raise SignatureInputError(
            f"The CMS carries {len(carried)} certificates; at most {MAX_CERTIFICATES} are read."
        )
    for choice in carried:
        if choice.name == "certificate":
            try:
                found.append(x509.load_der_x509_certificate(choice.chosen.dump()))
            except (ValueError, x509.InvalidVersion) as error:
                raise SignatureInputError(f"A certificate inside the CMS cannot be read: {error}") from None
    return tuple(found)


def _find_signer(
    sid: cms.SignerIdentifier, certificates: tuple[x509.Certificate, ...]
) -> x509.Certificate | None:
    with warnings.catch_warnings():  # the national CA's names exceed X.520 lengths (e.g. a 69-character CN)
        warnings.simplefilter("ignore", UserWarning)
        return _matching(sid, certificates)


def _matching(
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
    try:
        key = certificate.public_key()
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
    for attribute in signer_info["unsigned_attrs"]:  # none when absent; never .native (_parse_signers)
        if attribute["type"].native == "signature_time_stamp_token":
            return attribute["values"][0]
    return None
