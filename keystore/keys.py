"""Citizens' key pairs: generate, encrypt to a PKCS#8 PEM file, load back with clear errors."""

from __future__ import annotations

from asn1crypto import keys as asn1_keys
from asn1crypto import pem as asn1_pem
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

from keystore.errors import CorruptKeystore, UnsupportedKey, WrongPassword
from national_profile.key_encryption import encrypted_pkcs8_pem

ALGORITHMS = ("rsa2048", "p256")
MIN_RSA_BITS = 2048
ALLOWED_CURVES = ("secp256r1", "secp384r1")

SupportedPrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


def generate_private_key(algorithm: str = "rsa2048") -> SupportedPrivateKey:
    """A fresh key pair: ``rsa2048`` (RSA-2048, e=65537, the national profile's default) or ``p256``."""
    if algorithm == "rsa2048":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    if algorithm == "p256":
        return ec.generate_private_key(ec.SECP256R1())
    raise UnsupportedKey(f"Unknown key algorithm {algorithm!r}: choose one of {', '.join(ALGORITHMS)}.")


def check_supported_key(key: PrivateKeyTypes) -> SupportedPrivateKey:
    """Return ``key`` if the national profile allows it (RSA >= 2048 bits, EC P-256/P-384), else raise."""
    if isinstance(key, rsa.RSAPrivateKey):
        if key.key_size < MIN_RSA_BITS:
            raise UnsupportedKey(f"An RSA key of {key.key_size} bits is too weak: at least {MIN_RSA_BITS}.")
        return key
    if isinstance(key, ec.EllipticCurvePrivateKey):
        if key.curve.name not in ALLOWED_CURVES:
            raise UnsupportedKey(f"The curve {key.curve.name} is not allowed: use P-256 or P-384.")
        return key
    raise UnsupportedKey(f"{type(key).__name__} keys are not allowed: use RSA (2048+ bits) or EC P-256.")


def encrypt_private_key(key: PrivateKeyTypes, password: str) -> bytes:
    """PEM ``ENCRYPTED PRIVATE KEY`` (PKCS#8, PBES2 AES-256-CBC, PBKDF2-HMAC-SHA256 at ITERATIONS).

    Same protection as the keystores; ``cryptography``'s own PKCS#8 encryption uses a lower count.
    """
    check_supported_key(key)
    return encrypted_pkcs8_pem(key, password)


def load_private_key(pem: bytes, password: str) -> SupportedPrivateKey:
    """Decrypt a key file written by ``encrypt_private_key`` (any PKCS#8 encrypted PEM key).

    Raises CorruptKeystore when the file is not an encrypted key file, WrongPassword when the password
    does not decrypt it, UnsupportedKey for keys the national profile does not allow.
    """
    try:
        kind, _headers, der = asn1_pem.unarmor(pem)
    except (ValueError, TypeError):
        raise CorruptKeystore(
            "This is not a key file (expected a PEM 'ENCRYPTED PRIVATE KEY'): choose the .key file "
            "that 'eds keystore new' wrote."
        ) from None
    if kind in ("PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY"):
        raise UnsupportedKey(
            "This key file is not protected by a password; only encrypted key files are used."
        )
    if kind != "ENCRYPTED PRIVATE KEY":
        raise CorruptKeystore(f"This file holds a PEM '{kind}', not an encrypted private key.")
    try:
        asn1_keys.EncryptedPrivateKeyInfo.load(der).native  # noqa: B018 - parses every field
    except (ValueError, TypeError):
        raise CorruptKeystore("The key file is damaged (its structure cannot be read).") from None
    try:
        key = serialization.load_der_private_key(der, password.encode("utf-8"))
    except ValueError:
        raise WrongPassword(
            "The password does not open this key file. Passwords are case-sensitive: check the "
            "keyboard layout and Caps Lock."
        ) from None
    except UnsupportedAlgorithm:
        raise UnsupportedKey(
            "The key file uses an encryption or key type this toolkit does not support."
        ) from None
    return check_supported_key(key)
