"""CMS signatures that cryptography's PKCS#7 builder cannot make: over a given hash, and co-signing.

* ``sign_digest``: a detached CMS whose messageDigest is a SHA-256 hash the page computed (NCALayer's
  ``createCAdESFromBase64Hash`` and ``basics.sign`` with ``digested: true``, for large files).
* ``add_signer``: an existing CMS with one more SignerInfo over the same content (what NCALayer does
  when the data to sign is itself a CMS), its certificates merged.

Signed attributes as ``cms.sign_cms`` makes them (content type, signing time, message digest) plus
the signer's ESS signingCertificateV2 (CAdES-BES), DER-sorted so that OpenSSL verifies them.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from asn1crypto import algos, cms, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

from eds_agent.errors import BadRequest

SHA256_LENGTH = 32


def sign_digest(
    digest: bytes, key: PrivateKeyTypes, certificate: x509.Certificate, chain: list[x509.Certificate]
) -> bytes:
    """DER SignedData without content whose signer's messageDigest is ``digest`` (SHA-256)."""
    if len(digest) != SHA256_LENGTH:
        raise BadRequest(
            f"The hash to sign must be a SHA-256 digest ({SHA256_LENGTH} bytes), not {len(digest)} bytes."
        )
    signer = _asn1_certificate(certificate)
    signed = cms.SignedData(
        {
            "version": "v1",
            "digest_algorithms": [_sha256()],
            "encap_content_info": {"content_type": "data"},
            "certificates": [signer, *(_asn1_certificate(ca) for ca in chain)],
            "signer_infos": [_signer_info(digest, key, signer)],
        }
    )
    return cms.ContentInfo({"content_type": "signed_data", "content": signed}).dump()


def signed_data_of(data: bytes) -> cms.ContentInfo | None:
    """``data`` read as a CMS SignedData with at least one signer, or None when it is not one."""
    if data[:1] != b"\x30":
        return None
    try:
        info = cms.ContentInfo.load(data, strict=True)
        if info["content_type"].native != "signed_data" or not len(info["content"]["signer_infos"]):
            return None
        info["content"]["signer_infos"].native  # noqa: B018 - parse it all now
    except (ValueError, TypeError, KeyError):
        return None
    return info


def content_of(existing: cms.ContentInfo) -> bytes | None:
    """The content a CMS carries (None when detached)."""
    return existing["content"]["encap_content_info"]["content"].native


def add_signer(
    existing: cms.ContentInfo,
    key: PrivateKeyTypes,
    certificate: x509.Certificate,
    chain: list[x509.Certificate],
) -> bytes:
    """``existing`` with one more signer over the same content; DER.

    Attached: the content's SHA-256. Detached: the SHA-256 messageDigest the existing signers state
    (they must agree: the new signature is over the same document)."""
    signed = existing["content"]
    content = content_of(existing)
    digest = hashlib.sha256(content).digest() if content is not None else stated_digest(signed)
    signer = _asn1_certificate(certificate)
    certificates = list(signed["certificates"] or [])
    known = {choice.chosen.dump() for choice in certificates}
    for candidate in (signer, *(_asn1_certificate(ca) for ca in chain)):
        if candidate.dump() not in known:
            certificates.append(cms.CertificateChoices(name="certificate", value=candidate))
            known.add(candidate.dump())
    algorithms = list(signed["digest_algorithms"])
    if not any(algorithm["algorithm"].native == "sha256" for algorithm in algorithms):
        algorithms.append(_sha256())
    fields = {
        "version": signed["version"],
        "digest_algorithms": algorithms,
        "encap_content_info": signed["encap_content_info"],
        "certificates": certificates,
        "signer_infos": [*signed["signer_infos"], _signer_info(digest, key, signer)],
    }
    if signed["crls"].native is not None:
        fields["crls"] = signed["crls"]
    updated = cms.SignedData(fields)
    return cms.ContentInfo({"content_type": "signed_data", "content": updated}).dump()


def stated_digest(signed: cms.SignedData) -> bytes:
    """The one SHA-256 messageDigest the signers of a detached CMS state (BadRequest otherwise)."""
    stated = set()
    for info in signed["signer_infos"]:
        if info["digest_algorithm"]["algorithm"].native != "sha256" or info["signed_attrs"].native is None:
            raise BadRequest("Only a detached CMS whose signers used SHA-256 can be co-signed.")
        for attribute in info["signed_attrs"]:
            if attribute["type"].native == "message_digest":
                stated.add(attribute["values"][0].native)
    if len(stated) != 1:
        raise BadRequest("The signers of this detached CMS do not state one message digest to co-sign.")
    return stated.pop()


def _signer_info(digest: bytes, key: PrivateKeyTypes, signer: asn1_x509.Certificate) -> cms.SignerInfo:
    attributes = [
        cms.CMSAttribute({"type": "content_type", "values": ["data"]}),
        cms.CMSAttribute({"type": "signing_time", "values": [cms.Time({"utc_time": _now()})]}),
        cms.CMSAttribute({"type": "message_digest", "values": [digest]}),
        cms.CMSAttribute(
            {
                "type": "signing_certificate_v2",
                "values": [
                    tsp.SigningCertificateV2(
                        {"certs": [{"cert_hash": hashlib.sha256(signer.dump()).digest()}]}
                    )
                ],
            }
        ),
    ]
    attributes.sort(key=lambda attribute: attribute.dump())  # DER: a SET OF is sorted
    signed_attrs = cms.CMSAttributes(attributes)
    to_sign = signed_attrs.dump()  # the SET OF encoding (RFC 5652 5.4)
    signature, algorithm = _sign(key, to_sign)
    return cms.SignerInfo(
        {
            "version": "v1",
            "sid": cms.SignerIdentifier(
                name="issuer_and_serial_number",
                value={"issuer": signer.issuer, "serial_number": signer.serial_number},
            ),
            "digest_algorithm": _sha256(),
            "signed_attrs": signed_attrs,
            "signature_algorithm": algos.SignedDigestAlgorithm({"algorithm": algorithm}),
            "signature": signature,
        }
    )


def _sign(key: PrivateKeyTypes, data: bytes) -> tuple[bytes, str]:
    if isinstance(key, rsa.RSAPrivateKey):
        return key.sign(data, padding.PKCS1v15(), hashes.SHA256()), "sha256_rsa"
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return key.sign(data, ec.ECDSA(hashes.SHA256())), "sha256_ecdsa"
    raise BadRequest(f"eds agent cannot sign with a {type(key).__name__} key.")


def _sha256() -> algos.DigestAlgorithm:
    return algos.DigestAlgorithm({"algorithm": "sha256"})


def _asn1_certificate(certificate: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)
