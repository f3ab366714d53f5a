"""Checking a citizen's PKCS#10 request: well-formed, proof of possession, an acceptable key."""

from __future__ import annotations

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from ca.errors import IssuanceRefused

MAX_CSR_BYTES = 16 * 1024  # a PEM request with an RSA-8192 key and a national subject is under 5 KB
MIN_RSA_BITS = 2048
MAX_RSA_BITS = 8192
RSA_EXPONENT = 65537  # CA/B Baseline Requirements 6.1.6 ask for an odd e >= 65537; every tool uses F4
ACCEPTED_CURVES = (ec.SECP256R1, ec.SECP384R1)
WEAK_HASHES = (hashes.MD5, hashes.SHA1)

AcceptedPublicKey = rsa.RSAPublicKey | ec.EllipticCurvePublicKey


def load_csr(csr_data: bytes) -> x509.CertificateSigningRequest:
    """Parse a PEM (or DER) CSR; a malformed or truncated one is refused with ``malformed_csr``.

    Every parse failure is that refusal: a version other than 0 (``InvalidVersion``, not a
    ``ValueError``) and a subject that does not decode (read lazily, so it is read here) too.
    """
    if not isinstance(csr_data, bytes | bytearray) or not csr_data.strip():
        raise IssuanceRefused("malformed_csr", "The certificate request is empty.")
    if len(csr_data) > MAX_CSR_BYTES:
        raise IssuanceRefused(
            "malformed_csr", "The certificate request is too large to be a PKCS#10 request."
        )
    try:
        if csr_data.lstrip().startswith(b"-----BEGIN"):
            csr = x509.load_pem_x509_csr(bytes(csr_data))
        else:
            csr = x509.load_der_x509_csr(bytes(csr_data))
        csr.subject.rfc4514_string()  # parsed on first use: fail here, not mid-issuance
    except (ValueError, x509.InvalidVersion):
        raise IssuanceRefused(
            "malformed_csr",
            "The certificate request cannot be read (malformed or truncated PKCS#10): create it again.",
        ) from None
    return csr


def checked_public_key(csr: x509.CertificateSigningRequest) -> AcceptedPublicKey:
    """The CSR's public key once its signature proves possession and the key is strong enough."""
    try:
        public_key = csr.public_key()
    except (ValueError, UnsupportedAlgorithm):
        raise IssuanceRefused("unsupported_key", "The request's public key cannot be read.") from None
    if isinstance(public_key, rsa.RSAPublicKey):
        if public_key.key_size < MIN_RSA_BITS:
            raise IssuanceRefused(
                "weak_key",
                f"RSA keys must be at least {MIN_RSA_BITS} bits; this one is {public_key.key_size}.",
            )
        if public_key.key_size > MAX_RSA_BITS:
            raise IssuanceRefused(
                "unsupported_key", f"RSA keys larger than {MAX_RSA_BITS} bits are not accepted."
            )
        exponent = public_key.public_numbers().e
        if exponent != RSA_EXPONENT:
            raise IssuanceRefused(
                "weak_key",
                f"RSA keys must use the public exponent {RSA_EXPONENT}; this one uses {exponent}. "
                "Create a new key pair (every standard tool uses 65537 by default).",
            )
    elif isinstance(public_key, ec.EllipticCurvePublicKey):
        if not isinstance(public_key.curve, ACCEPTED_CURVES):
            raise IssuanceRefused(
                "weak_key", f"EC keys must be on P-256 or P-384; this one is on {public_key.curve.name}."
            )
    else:
        raise IssuanceRefused(
            "unsupported_key",
            f"Only RSA (2048+ bits) and EC P-256/P-384 keys are accepted, not {type(public_key).__name__}.",
        )
    try:
        hash_algorithm = csr.signature_hash_algorithm
    except UnsupportedAlgorithm:
        raise IssuanceRefused(
            "weak_signature", "The request is signed with an unsupported algorithm."
        ) from None
    if isinstance(hash_algorithm, WEAK_HASHES):
        raise IssuanceRefused(
            "weak_signature",
            f"The request is signed with {hash_algorithm.name}; sign it with SHA-256 or better.",
        )
    if not csr.is_signature_valid:
        raise IssuanceRefused(
            "bad_signature",
            "The request's signature does not match its public key "
            "(no proof of possession of the private key).",
        )
    return public_key
