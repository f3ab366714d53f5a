"""How keystores and key files are protected: PBES2 (PBKDF2-HMAC-SHA256 + AES-256-CBC).

ITERATIONS is the PBKDF2 count of every key and certificate bag and the MAC count of every keystore.
600,000 is OWASP's 2023 figure for PBKDF2-HMAC-SHA256. Measured on the 2-core CI machine (SHA-NI):
one PBKDF2 run ~0.06 s; building a keystore ~0.3 s (the MAC's PKCS#12 KDF runs in Python), opening
one ~0.25 s, `openssl pkcs12` ~0.16 s, Java `keytool -list` ~1.2 s including JVM start: usable. An
attacker's cheapest test of a guess is the MAC (600,000 chained SHA-256 hashes), not a 2,048-round one.
"""

from __future__ import annotations

import os

from asn1crypto import algos
from cryptography.hazmat.primitives import hashes, padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

ITERATIONS = 600_000
SALT_BYTES = 16
_AES_KEY_BYTES = 32
_AES_BLOCK_BYTES = 16


def pbes2_encrypt(
    plaintext: bytes, password: str, *, iterations: int = ITERATIONS
) -> tuple[algos.EncryptionAlgorithm, bytes]:
    """Encrypt with PBES2 (RFC 8018): a fresh salt and IV; returns (AlgorithmIdentifier, ciphertext).

    The password enters PBKDF2 as UTF-8, as OpenSSL and Java do.
    """
    salt = os.urandom(SALT_BYTES)
    iv = os.urandom(_AES_BLOCK_BYTES)
    kdf = PBKDF2HMAC(algorithm=hashes.SHA256(), length=_AES_KEY_BYTES, salt=salt, iterations=iterations)
    key = kdf.derive(password.encode("utf-8"))
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


def describe_encryption(algorithm: algos.EncryptionAlgorithm) -> tuple[str, int]:
    """A readable name of a password-based encryption algorithm and its iteration count.

    ``PBES2/PBKDF2-HMAC-SHA256/AES-256-CBC`` for ours, ``pbeWithSHA1And3-KeyTripleDES-CBC`` and the like
    for the national CA's legacy files.
    """
    name = algorithm["algorithm"].native
    if name == "pbes2":
        kdf = algorithm["parameters"]["key_derivation_func"]
        cipher = algorithm["parameters"]["encryption_scheme"]["algorithm"].native
        cipher_name = cipher.upper().replace("_", "-").replace("AES", "AES-") if "aes" in cipher else cipher
        if kdf["algorithm"].native == "pbkdf2":
            prf = kdf["parameters"]["prf"]["algorithm"].native.upper()
            return f"PBES2/PBKDF2-HMAC-{prf}/{cipher_name}", int(algorithm.kdf_iterations)
        return f"PBES2/{kdf['algorithm'].native}/{cipher_name}", 0
    legacy_names = {
        "pkcs12_sha1_tripledes_3key": "pbeWithSHA1And3-KeyTripleDES-CBC",
        "pkcs12_sha1_tripledes_2key": "pbeWithSHA1And2-KeyTripleDES-CBC",
        "pkcs12_sha1_rc2_40": "pbeWithSHA1And40BitRC2-CBC",
        "pkcs12_sha1_rc2_128": "pbeWithSHA1And128BitRC2-CBC",
        "pkcs12_sha1_rc4_40": "pbeWithSHA1And40BitRC4",
        "pkcs12_sha1_rc4_128": "pbeWithSHA1And128BitRC4",
    }
    try:
        iterations = int(algorithm.kdf_iterations)
    except (ValueError, KeyError, TypeError):
        iterations = 0
    return legacy_names.get(name, name), iterations
