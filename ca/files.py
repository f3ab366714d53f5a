"""The CA directory on disk: certificates, passphrase-encrypted private keys (0600) and ``ca.json``."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from ca.errors import CAAlreadyExists, CAError, CANotInitialised, WrongCAPassphrase
from national_profile.key_encryption import encrypted_pkcs8_pem


@dataclass(frozen=True)
class CAFiles:
    """Paths of one CA directory; ``ca.json`` is written last, so its presence means a complete CA."""

    directory: Path

    @property
    def config(self) -> Path:
        return self.directory / "ca.json"

    @property
    def root_key(self) -> Path:
        return self.directory / "root.key.pem"

    @property
    def root_cert(self) -> Path:
        return self.directory / "root.cer.pem"

    @property
    def issuing_key(self) -> Path:
        return self.directory / "issuing.key.pem"

    @property
    def issuing_cert(self) -> Path:
        return self.directory / "issuing.cer.pem"

    def all(self) -> tuple[Path, ...]:
        return (self.root_key, self.root_cert, self.issuing_key, self.issuing_cert, self.config)

    def exists(self) -> bool:
        return self.config.exists()

    def refuse_overwrite(self) -> None:
        present = [p.name for p in self.all() if p.exists()]
        if present:
            raise CAAlreadyExists(
                f"A CA already exists in {self.directory} ({', '.join(present)}); it is never overwritten. "
                "Use another --home, or move the directory away first."
            )

    def require(self, *, issuing_key: bool = True, root_key: bool = True) -> None:
        """Refuse an incomplete CA; ``issuing_key=False`` when that key may be in a token instead,
        ``root_key=False`` where the root key is not needed (it may be kept offline)."""
        needed = [
            p
            for p in self.all()
            if (issuing_key or p != self.issuing_key) and (root_key or p != self.root_key)
        ]
        missing = [p.name for p in needed if not p.exists()]
        if missing:
            raise CANotInitialised(
                f"No complete CA in {self.directory} (missing {', '.join(missing)}): run `eds ca init` first."
            )

    def write_all(self, contents: dict[Path, tuple[bytes, int]]) -> None:
        """Write each file exclusively (never over an existing one); on failure remove what was written."""
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        written: list[Path] = []
        try:
            for path, (data, mode) in contents.items():
                descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
                written.append(path)
                with os.fdopen(descriptor, "wb") as handle:
                    handle.write(data)
                os.chmod(path, mode)
        except FileExistsError as exc:
            for path in written:
                path.unlink(missing_ok=True)
            raise CAAlreadyExists(
                f"{exc.filename} appeared while the CA was being created; nothing was kept."
            ) from None
        except OSError as exc:
            for path in written:
                path.unlink(missing_ok=True)
            raise CAError(f"Cannot write the CA files in {self.directory}: {exc.strerror}.") from None


def encrypted_key_pem(key: rsa.RSAPrivateKey, passphrase: bytes) -> bytes:
    """PKCS#8 PEM encrypted with the passphrase: PBES2, AES-256-CBC, PBKDF2-HMAC-SHA256 at ITERATIONS.

    Keys written before (cryptography's 2,048 iterations) still load: ``load_key`` reads any PBES2 key.
    """
    return encrypted_pkcs8_pem(key, passphrase)


def load_key(path: Path, passphrase: bytes) -> rsa.RSAPrivateKey:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=passphrase)
    except (ValueError, TypeError):
        raise WrongCAPassphrase(
            f"The passphrase does not decrypt {path.name}: check EDS_CA_PASSPHRASE or the file."
        ) from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise CAError(f"{path} does not hold an RSA private key.")
    return key


def load_cert(path: Path) -> x509.Certificate:
    try:
        return x509.load_pem_x509_certificate(path.read_bytes())
    except ValueError:
        raise CAError(f"{path} is not a PEM certificate: the CA directory is damaged.") from None
