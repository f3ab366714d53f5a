"""Certificate requests an attacker builds to break the CSR parser: a version other than 0 (PKCS#10 knows
only v1 = 0), or subject text that is not UTF-8; each signed again with its key or left with the old
signature. Built with asn1crypto, as a hand-made request would be."""

from __future__ import annotations

from asn1crypto import csr as asn1_csr
from asn1crypto import pem
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from keystore.csr import build_csr
from keystore.keys import generate_private_key

PLACEHOLDER = "ZZZZ"
VERSIONS = (1, 2, 3, -1, 2**100)


def _signed(info: bytes, template: asn1_csr.CertificationRequest, key: rsa.RSAPrivateKey | None) -> bytes:
    """A request of ``info`` (DER), signed again with ``key``, or with ``template``'s signature if None."""
    signature = key.sign(info, padding.PKCS1v15(), hashes.SHA256()) if key else template["signature"].native
    request = asn1_csr.CertificationRequest(
        {
            "certification_request_info": asn1_csr.CertificationRequestInfo.load(info),
            "signature_algorithm": template["signature_algorithm"],
            "signature": signature,
        }
    )
    return pem.armor("CERTIFICATE REQUEST", request.dump())


def _base(iin: str) -> tuple[rsa.RSAPrivateKey, bytes]:
    key = generate_private_key("rsa2048")
    csr = build_csr(key, iin=iin, surname=PLACEHOLDER, given_name="Else")
    return key, csr.public_bytes(serialization.Encoding.DER)


def csr_with_version(iin: str, version: int, *, signed_again: bool = True) -> bytes:
    """A PEM request for ``iin`` whose version field is ``version``."""
    key, der = _base(iin)
    template = asn1_csr.CertificationRequest.load(der)
    info = template["certification_request_info"]
    info["version"] = version
    return _signed(info.dump(force=True), template, key if signed_again else None)


def csr_with_broken_subject_text(iin: str, *, signed_again: bool = True) -> bytes:
    """A PEM request for ``iin`` whose surname (a UTF8String) holds bytes that are not UTF-8."""
    key, der = _base(iin)
    der = der.replace(PLACEHOLDER.encode(), b"\xff\xfe\xff\xfe")
    template = asn1_csr.CertificationRequest.load(der)
    info = template["certification_request_info"].dump()
    return _signed(info, template, key if signed_again else None)


def hostile_csrs(iin: str) -> dict[str, bytes]:
    """Every hostile request for ``iin``, by a name for test ids."""
    found: dict[str, bytes] = {}
    for signed_again in (True, False):
        how = "signed again" if signed_again else "old signature"
        for version in VERSIONS:
            found[f"version {version}, {how}"] = csr_with_version(iin, version, signed_again=signed_again)
        found[f"subject not UTF-8, {how}"] = csr_with_broken_subject_text(iin, signed_again=signed_again)
    return found
