"""Where the issuing CA's private key lives: a passphrase-encrypted file, or a PKCS#11 token.

A signer hands :mod:`ca.authority` (the one module that signs) a private key to sign with, and says
whether each signature must be checked against the issuing certificate before it is handed out: a
token's signature is, since it comes from outside this process; a file key's is not (it is
cryptography's own, and the check would cost every issuance time).
"""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import rsa

from ca.config import CAConfig
from ca.files import load_key


class FileKeySigner:
    """The issuing key decrypted from ``issuing.key.pem`` with the CA passphrase."""

    verify_signatures = False

    def __init__(self, key: rsa.RSAPrivateKey) -> None:
        self.key = key

    @classmethod
    def from_file(cls, path: Path, passphrase: bytes) -> FileKeySigner:
        return cls(load_key(path, passphrase))

    def public_key(self) -> rsa.RSAPublicKey:
        return self.key.public_key()


class Pkcs11Signer:
    """The issuing key inside a PKCS#11 token, found by token and key label, logged in with ``pin``."""

    verify_signatures = True

    def __init__(self, module_path: str, token_label: str, key_label: str, pin: str) -> None:
        from ca.pkcs11 import open_token_key

        self.module_path, self.token_label, self.key_label = module_path, token_label, key_label
        self.key = open_token_key(module_path, token_label, key_label, pin)

    @classmethod
    def for_config(cls, config: CAConfig, pin: str) -> Pkcs11Signer:
        return cls(config.pkcs11_module, config.pkcs11_token_label, config.pkcs11_key_label, pin)

    def public_key(self) -> rsa.RSAPublicKey:
        return self.key.public_key()


Signer = FileKeySigner | Pkcs11Signer
