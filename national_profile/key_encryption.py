"""Password-based encryption of private keys: PBES2 (PBKDF2-HMAC-SHA256 + AES-256-CBC), RFC 8018.

The one implementation and its parameters, used by ``ca`` for the CA's own keys and by ``keystore``
for citizens' key files and keystores (neither imports the other for it).

ITERATIONS is the PBKDF2 count of every key file and keystore bag and the MAC count of every keystore.
600,000 is OWASP's 2023 figure for PBKDF2-HMAC-SHA256. Measured on the 2-core CI machine (SHA-NI):
one PBKDF2 run ~0.06 s; building a keystore ~0.3 s (the MAC's PKCS#12 KDF runs in Python), opening
one ~0.25 s, `openssl pkcs12` ~0.16 s, Java `keytool -list` ~1.2 s including JVM start: usable.
``cryptography``'s own PKCS#8 encryption (BestAvailableEncryption) uses only 2,048 iterations.
"""

from __future__ import annotations

import os

from asn1crypto import algos
from asn1crypto import keys as asn1_keys
from asn1crypto import pem as asn1_pem
from cryptography.hazmat.primitives import hashes, padding, serialization
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

ITERATIONS = 600_000
SALT_BYTES = 16
_AES_KEY_BYTES = 32
_AES_BLOCK_BYTES = 16


def _password_bytes(password: str | bytes) -> bytes:
    """A text password enters PBKDF2 as UTF-8 (as OpenSSL and Java do); bytes are used as they are."""
    return password if isinstance(password, bytes) else password.encode("utf-8")


def pbes2_encrypt(
    plaintext: bytes, password: str | bytes, *, iterations: int = ITERATIONS
) -> tuple[algos.EncryptionAlgorithm, bytes]:
    """Encrypt with PBES2 (RFC 8018): a fresh salt and IV; returns (AlgorithmIdentifier, ciphertext)."""
    salt = os.urandom(SALT_BYTES)
    iv = os.urandom(_AES_BLOCK_BYTES)
    kdf = PBKDF2HMAC(algorithm=hashes.SHA256(), length=_AES_KEY_BYTES, salt=salt, iterations=iterations)
    key = kdf.derive(_password_bytes(password))
    padder = padding.PKCS7(_AES_BLOCK_BYTES * 8).padder()
    padded = padder.update(plaintext) + padder.finalize()
    encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    ciphertext = encryptor.update(padded) + encryptor.finalize()
    algorithm = algos.EncryptionAlgorithm(
        {
            "algorithm": "pbes2",
            "parameters": {
                "key_derivation_func": {
                    "algorithm": "pbkdf2",
                    "parameters": {
                        "salt": algos.Pbkdf2Salt(name="specified", value=salt),
                        "iteration_count": iterations,
                        "prf": {"algorithm": "sha256", "parameters": None},
                    },
                },
                "encryption_scheme": {"algorithm": "aes256_cbc", "parameters": iv},
            },
        }
    )
    return algorithm, ciphertext


def encrypted_pkcs8_pem(key: PrivateKeyTypes, password: str | bytes) -> bytes:
    """PEM ``ENCRYPTED PRIVATE KEY`` (PKCS#8 EncryptedPrivateKeyInfo, PBES2 at ITERATIONS).

    Readable by ``cryptography``'s ``load_pem_private_key``, OpenSSL and Java.
    """
    plain = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    algorithm, ciphertext = pbes2_encrypt(plain, password)
    encrypted = asn1_keys.EncryptedPrivateKeyInfo(
        {"encryption_algorithm": algorithm, "encrypted_data": ciphertext}
    )
    return asn1_pem.armor("ENCRYPTED PRIVATE KEY", encrypted.dump())
