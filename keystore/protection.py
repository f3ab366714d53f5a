"""How the keystores and key files ``keystore`` reads are protected, described for people.

The encryption ``keystore`` writes, and its ITERATIONS, live in ``national_profile.key_encryption``
(one implementation, shared with the CA's own keys).
"""

from __future__ import annotations

from asn1crypto import algos


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
