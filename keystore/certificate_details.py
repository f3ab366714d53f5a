"""What a citizen's certificate says about itself: names, key identifier, key type, signature algorithm."""

from __future__ import annotations

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.types import PublicKeyTypes
from cryptography.x509.oid import ExtensionOID, NameOID, SignatureAlgorithmOID

from keystore.errors import UnsupportedKey

# The national CA's GOST keys (its keystores open for their certificates only, keystore.certificates_only):
# key algorithm OID -> name, bits, the national CA's file-name tag
GOST_KEYS = {
    "1.2.398.3.10.1.1.1.1": ("GOST 34.310-2004", 256, "GOSTKNCA"),
    "1.2.398.3.10.1.1.2.2": ("GOST 34.10-2015", 512, "GOST512"),
}
_GOST_SIGNATURES = {  # in Kalkan's (Java's) spelling
    "1.2.398.3.10.1.1.1.2": "ECGOST34310",
    "1.2.398.3.10.1.1.2.3.1": "ECGOST3410-2015-256",
    "1.2.398.3.10.1.1.2.3.2": "ECGOST3410-2015-512",
}


def gost_key(certificate: x509.Certificate) -> tuple[str, int, str] | None:
    """(name, bits, file-name tag) of the certificate's GOST key, or None for another key."""
    return GOST_KEYS.get(certificate.public_key_algorithm_oid.dotted_string)


def _extension(certificate: x509.Certificate, oid: x509.ObjectIdentifier):
    try:
        return certificate.extensions.get_extension_for_oid(oid).value
    except x509.ExtensionNotFound:
        return None


def subject_key_id(certificate: x509.Certificate) -> bytes:
    """The SubjectKeyIdentifier; for a certificate without one, RFC 5280's method 1 (SHA-1 of the key)."""
    identifier = _extension(certificate, ExtensionOID.SUBJECT_KEY_IDENTIFIER)
    if identifier is not None:
        return identifier.digest
    return x509.SubjectKeyIdentifier.from_public_key(certificate.public_key()).digest


def name_value(name: x509.Name, oid: x509.ObjectIdentifier) -> str | None:
    """The first value of attribute ``oid`` in ``name`` as text, or None."""
    attributes = name.get_attributes_for_oid(oid)
    if not attributes:
        return None
    value = attributes[0].value
    return value if isinstance(value, str) else value.decode("utf-8", "replace")


def display_name(name: x509.Name) -> str:
    """The commonName, or the whole name in RFC 4514 form when it has none."""
    return name_value(name, NameOID.COMMON_NAME) or name.rfc4514_string()


def algorithm_tag(public_key: PublicKeyTypes) -> str:
    """The file-name tag: ``RSA256`` as the national CA writes it; ours for EC: ``ECDSA256``/``ECDSA384``."""
    if isinstance(public_key, rsa.RSAPublicKey):
        return "RSA256"
    if isinstance(public_key, ec.EllipticCurvePublicKey) and public_key.curve.name in (
        "secp256r1",
        "secp384r1",
    ):
        return f"ECDSA{public_key.curve.key_size}"
    raise UnsupportedKey("Keystores hold RSA or EC P-256/P-384 keys only.")


def describe_key(public_key: PublicKeyTypes) -> tuple[str, int]:
    """(``RSA``/``EC P-256``/..., size in bits)."""
    if isinstance(public_key, rsa.RSAPublicKey):
        return "RSA", public_key.key_size
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        curves = {"secp256r1": "P-256", "secp384r1": "P-384", "secp521r1": "P-521"}
        return f"EC {curves.get(public_key.curve.name, public_key.curve.name)}", public_key.curve.key_size
    return type(public_key).__name__, 0


def describe_signature(certificate: x509.Certificate) -> str:
    """The CA's signature algorithm in Java's spelling: ``SHA256withRSA``, ``SHA256withECDSA``..."""
    oid = certificate.signature_algorithm_oid
    if oid == SignatureAlgorithmOID.RSASSA_PSS:
        family = "RSASSA-PSS"
    elif oid.dotted_string.startswith("1.2.840.10045.4."):
        family = "ECDSA"
    elif oid.dotted_string.startswith("1.2.840.113549.1.1."):
        family = "RSA"
    else:
        return _GOST_SIGNATURES.get(oid.dotted_string, oid.dotted_string)
    hash_algorithm = certificate.signature_hash_algorithm
    digest = hash_algorithm.name.upper().replace("-", "") if hash_algorithm else "NONE"
    return f"{digest}with{family}"
