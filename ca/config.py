"""CA configuration, persisted as ``<ca_dir>/ca.json`` so published URLs stay stable."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from ca.errors import CAError


@dataclass(frozen=True)
class CAConfig:
    """Names, URLs and key sizes of a CA.

    Key sizes: the root signs rarely and lives 20 years, so RSA-4096; the issuing CA signs every
    citizen certificate, so RSA-2048 (the national CA's end-entity profile is RSA-2048/SHA-256, and
    NIST SP 800-57 keeps 2048 acceptable to 2030, past the issuing CA's 4-year life).
    """

    root_name: str = "ҰКО ТҮБІРЛІК (RSA) TEST"  # ҰКО: Ұлттық куәландырушы орталық
    issuing_name: str = "ҰКО (RSA) TEST"
    base_url: str = "http://127.0.0.1:5000"
    root_key_size: int = 4096
    issuing_key_size: int = 2048
    root_validity_years: int = 20
    issuing_validity_years: int = 4
    # The issuing key in a PKCS#11 token (all three set) instead of issuing.key.pem (all empty).
    pkcs11_module: str = ""
    pkcs11_token_label: str = ""
    pkcs11_key_label: str = ""

    def __post_init__(self) -> None:
        for name in ("root_name", "issuing_name"):
            value = getattr(self, name)
            if not value.strip() or len(value) > 64:
                raise CAError(f"The CA name ({name}) must be 1 to 64 characters, got {value!r}.")
        if not self.base_url.startswith(("http://", "https://")):
            raise CAError(f"The base URL must start with http:// or https://, got {self.base_url!r}.")
        if self.root_key_size not in (3072, 4096) or self.issuing_key_size not in (2048, 3072, 4096):
            raise CAError("Key sizes: root 3072 or 4096 bits, issuing CA 2048, 3072 or 4096 bits.")
        token = (self.pkcs11_module, self.pkcs11_token_label, self.pkcs11_key_label)
        if any(token) and not all(value.strip() for value in token):
            raise CAError(
                "A token-held issuing key needs the PKCS#11 module path, the token label and the key label."
            )

    @property
    def issuing_key_in_token(self) -> bool:
        """True when the issuing CA's private key is in a PKCS#11 token, not in issuing.key.pem."""
        return bool(self.pkcs11_module)

    @property
    def _base(self) -> str:
        return self.base_url.rstrip("/")

    @property
    def crl_url(self) -> str:
        return f"{self._base}/pki/crl"

    @property
    def delta_crl_url(self) -> str:
        """The issuing CA's delta CRL (RFC 5280 5.2.4), named by Freshest CRL in certificates and CRLs."""
        return f"{self._base}/pki/delta.crl"

    @property
    def root_crl_url(self) -> str:
        """The root's CRL of CA certificates (it signs only issuing CA certificates)."""
        return f"{self._base}/pki/root.crl"

    @property
    def ocsp_url(self) -> str:
        return f"{self._base}/pki/ocsp"

    @property
    def issuing_cert_url(self) -> str:
        return f"{self._base}/pki/issuing.cer"

    @property
    def root_cert_url(self) -> str:
        return f"{self._base}/pki/root.cer"

    @property
    def cps_url(self) -> str:
        return f"{self._base}/pki/cps"

    def to_json(self) -> str:
        """The JSON of ``ca.json``; the PKCS#11 keys appear only for a token-held issuing key."""
        data = asdict(self)
        if not self.issuing_key_in_token:
            for name in ("pkcs11_module", "pkcs11_token_label", "pkcs11_key_label"):
                del data[name]
        return json.dumps(data, ensure_ascii=False, indent=2)

    @classmethod
    def from_file(cls, path: Path) -> CAConfig:
        """Read ``ca.json``; unknown keys are an error (a typo should not silently change a URL)."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise CAError(f"Cannot read the CA configuration {path}: {exc}") from exc
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise CAError(f"Unknown keys in {path}: {', '.join(sorted(unknown))}.")
        return cls(**data)
