"""Hostile PKI material built in the tests: long chains, cross-certified meshes, stuffed CMS,
duplicate extensions, deep nesting (x509-limbo's vectors are not on the package registries, so the
cases its RFC 5280 and pathological suites exercise are made here).

EC P-256 keys: fast to make, and verified by the same code paths as RSA.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass

from asn1crypto import core
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from eds_agent.cms import sign_cms

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)  # the CMS signing time is the real time
SIGNER_IIN = "900314400123"


@functools.cache
def key(index: int) -> ec.EllipticCurvePrivateKey:
    """Keys are cached by index: a test suite makes hundreds of certificates."""
    return ec.generate_private_key(ec.SECP256R1())


def name(common_name: str, iin: str | None = None) -> x509.Name:
    attributes = [x509.NameAttribute(NameOID.COMMON_NAME, common_name)]
    if iin:
        attributes.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, f"IIN{iin}"))
    return x509.Name(attributes)


def certificate(
    subject: x509.Name,
    subject_key: ec.EllipticCurvePrivateKey,
    issuer: x509.Name,
    issuer_key: ec.EllipticCurvePrivateKey,
    *,
    ca: bool,
    path_length: int | None = None,
    not_before: dt.datetime = NOW - dt.timedelta(days=30),
    not_after: dt.datetime = NOW + dt.timedelta(days=365),
    key_usage: x509.KeyUsage | None = None,
    key_ids: bool = True,
) -> x509.Certificate:
    if key_usage is None:
        key_usage = _CA_USAGE if ca else _SIGNER_USAGE
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(subject_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=path_length), critical=True)
        .add_extension(key_usage, critical=True)
    )
    if key_ids:
        builder = builder.add_extension(
            x509.SubjectKeyIdentifier.from_public_key(subject_key.public_key()), critical=False
        ).add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False
        )
    return builder.sign(issuer_key, hashes.SHA256())


_CA_USAGE = x509.KeyUsage(False, False, False, False, False, True, True, False, False)
_SIGNER_USAGE = x509.KeyUsage(True, True, False, False, False, False, False, False, False)


@dataclass
class Pki:
    """A root, intermediates (root side first) and a signer at the bottom."""

    root: x509.Certificate
    intermediates: list[x509.Certificate]
    signer: x509.Certificate
    signer_key: ec.EllipticCurvePrivateKey

    def cms(self, data: bytes, *, extra: list[x509.Certificate] = ()) -> bytes:
        return sign_cms(
            data, self.signer_key, self.signer, [*self.intermediates, *extra, self.root], attached=True
        )


def root(index: int = 0, **options) -> x509.Certificate:
    return certificate(
        name(f"Root {index}"), key(index), name(f"Root {index}"), key(index), ca=True, **options
    )


def chain(length: int, *, root_index: int = 0, root_options: dict | None = None) -> Pki:
    """root -> ``length`` intermediates -> signer."""
    top = root(root_index, **(root_options or {}))
    intermediates = []
    issuer_name, issuer_key = top.subject, key(root_index)
    for level in range(length):
        subject, subject_key = name(f"CA {root_index}.{level}"), key(100 + root_index * 1000 + level)
        intermediates.append(certificate(subject, subject_key, issuer_name, issuer_key, ca=True))
        issuer_name, issuer_key = subject, subject_key
    signer_key = key(99_999 - root_index)
    signer = certificate(name("Signer", SIGNER_IIN), signer_key, issuer_name, issuer_key, ca=False)
    return Pki(top, intermediates, signer, signer_key)


def mesh(levels: int, width: int, *, anchored: bool) -> Pki:
    """``levels`` of CAs, each level ``width`` certificates for one name and key, cross-certified by
    every certificate of the level above: width**levels paths. Not ``anchored``: the top level is
    issued by a stranger, so no path reaches the root and a naive builder walks them all."""
    top = root(7)
    above = [(top.subject, key(7))] if anchored else [(name("Stranger"), key(8))]
    intermediates = []
    for level in range(levels):
        subject, subject_key = name(f"Mesh CA {level}"), key(200 + level)
        for index in range(width):
            issuer_name, issuer_key = above[index % len(above)]
            intermediates.append(
                certificate(subject, subject_key, issuer_name, issuer_key, ca=True, key_ids=False)
            )
        above = [(subject, subject_key)] * width
    signer_key = key(99_000)
    signer = certificate(name("Signer", SIGNER_IIN), signer_key, above[0][0], above[0][1], ca=False)
    return Pki(top, intermediates, signer, signer_key)


def with_duplicate_extension(cert: x509.Certificate, issuer_key: ec.EllipticCurvePrivateKey) -> bytes:
    """``cert`` re-signed with its first extension twice (RFC 5280 4.2: MUST NOT)."""
    parsed = asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))
    tbs = parsed["tbs_certificate"]
    extensions = list(tbs["extensions"])
    tbs["extensions"] = asn1_x509.Extensions([*extensions, extensions[0]])
    return _resign(tbs, issuer_key)


def with_nested_extension(
    cert: x509.Certificate, issuer_key: ec.EllipticCurvePrivateKey, depth: int
) -> bytes:
    """``cert`` re-signed with a non-critical private extension of ``depth`` nested SEQUENCEs."""
    nested = b"\x05\x00"
    for _ in range(depth):
        nested = _tlv(0x30, nested)
    parsed = asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))
    tbs = parsed["tbs_certificate"]
    extension = asn1_x509.Extension(
        {"extn_id": "1.3.6.1.4.1.99999.1", "critical": False, "extn_value": core.ParsableOctetString(nested)}
    )
    tbs["extensions"] = asn1_x509.Extensions([*tbs["extensions"], extension])
    return _resign(tbs, issuer_key)


def _resign(tbs: asn1_x509.TbsCertificate, issuer_key: ec.EllipticCurvePrivateKey) -> bytes:
    signature = issuer_key.sign(tbs.dump(force=True), ec.ECDSA(hashes.SHA256()))
    return asn1_x509.Certificate(
        {
            "tbs_certificate": tbs,
            "signature_algorithm": {"algorithm": "sha256_ecdsa"},
            "signature_value": signature,
        }
    ).dump(force=True)


def _tlv(tag: int, body: bytes) -> bytes:
    length = len(body)
    if length < 0x80:
        return bytes([tag, length]) + body
    encoded = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(encoded)]) + encoded + body


def pem(*certificates: x509.Certificate) -> bytes:
    return b"".join(cert.public_bytes(serialization.Encoding.PEM) for cert in certificates)
