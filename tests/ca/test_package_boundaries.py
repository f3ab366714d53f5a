"""`ca` is a plain library: importing all of it pulls in neither the service nor Flask."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

MODULES = [
    "ca.authority", "ca.config", "ca.crl", "ca.csr", "ca.errors", "ca.files",
    "ca.ocsp", "ca.passphrase", "ca.person", "ca.pkcs11", "ca.signers", "ca.store",
    "ca.subject", "ca.proofs", "ca.proofs.remote_enrolment", "ca.proofs.renewal", "ca.proofs.service_centre",
]  # fmt: skip


def test_ca_imports_neither_eds_toolkit_nor_flask():
    code = (
        f"import importlib, sys\nfor m in {MODULES!r}: importlib.import_module(m)\n"
        "print(sorted({n.split('.')[0] for n in sys.modules if n.split('.')[0] in ('eds_toolkit', 'flask')}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=Path(__file__).parents[2],
        check=True,
    )
    assert result.stdout.strip() == "[]"


def test_only_the_authority_signs():
    """STYLE.md: ``ca.authority`` is the one place that calls ``.sign(``.

    The one exception is the token primitive: ``ca.pkcs11.TokenRSAKey.sign`` hands the bytes the
    authority's builders give it to the PKCS#11 token, in exactly one call.
    """
    package = Path(__file__).parents[2] / "ca"
    signing = sorted(p.name for p in package.rglob("*.py") if ".sign(" in p.read_text(encoding="utf-8"))
    assert signing == ["authority.py", "pkcs11.py"]
    assert (package / "pkcs11.py").read_text(encoding="utf-8").count(".sign(") == 1


def test_pbes2_encryption_has_one_implementation_shared_by_ca_and_keystore():
    """The CA's keys and the citizens' keystores are protected by the same code and the same iteration
    count (``national_profile.key_encryption``): no library derives a key or encrypts one elsewhere."""
    root = Path(__file__).parents[2]
    deriving = sorted(
        str(p.relative_to(root))
        for package in ("ca", "keystore", "national_profile")
        for p in (root / package).rglob("*.py")
        if "PBKDF2HMAC(" in p.read_text(encoding="utf-8") or "BestAvailableEncryption" in p.read_text("utf-8")
    )
    assert deriving == ["national_profile/key_encryption.py"]
    code = (
        "import ca.files, keystore.keys, keystore.pfx_builder, national_profile.key_encryption as k\n"
        "print(ca.files.encrypted_pkcs8_pem is keystore.keys.encrypted_pkcs8_pem is k.encrypted_pkcs8_pem,"
        " keystore.pfx_builder.pbes2_encrypt is k.pbes2_encrypt,"
        " keystore.pfx_builder.ITERATIONS == k.ITERATIONS)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=root, check=True
    )
    assert result.stdout.strip() == "True True True"
