"""Issuance with the issuing key in a PKCS#11 token (SoftHSM2) vs the same CA with the key in a file.

Run:  .venv/bin/python benchmarks/pkcs11_issuance.py [--count 500]

Makes a SoftHSM2 token in a temporary directory, a token CA and a file CA, then prints certificates
issued per second through the library (CSR checks + build + signature + SQLite, batched commits) for
each, and the token's raw CKM_SHA256_RSA_PKCS signing rate. Needs Debian's softhsm2.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "ca"))

from ca_test_support import make_csr, person, rsa_key  # noqa: E402
from cryptography.hazmat.primitives import hashes  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import padding  # noqa: E402

from ca.authority import CertificateAuthority  # noqa: E402
from ca.config import CAConfig  # noqa: E402
from ca.store import CertificateStore  # noqa: E402
from eds_toolkit.db import make_engine  # noqa: E402

MODULE = "/usr/lib/softhsm/libsofthsm2.so"
PIN = "4711-0815"
PASSPHRASE = b"benchmark passphrase, long enough"


def rate(authority: CertificateAuthority, requests: list) -> float:
    started = time.perf_counter()
    issued = sum(1 for _ in authority.issue_many(requests))
    return issued / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        root = Path(work)
        (root / "tokens").mkdir()
        config = root / "softhsm2.conf"
        config.write_text(f"directories.tokendir = {root / 'tokens'}\nobjectstore.backend = file\n")
        os.environ["SOFTHSM2_CONF"] = str(config)
        subprocess.run(
            [
                "softhsm2-util",
                "--init-token",
                "--free",
                "--label",
                "bench",
                "--so-pin",
                "so-12345678",
                "--pin",
                PIN,
            ],
            check=True,
            capture_output=True,
        )
        token_config = CAConfig(pkcs11_module=MODULE, pkcs11_token_label="bench", pkcs11_key_label="issuing")
        CertificateAuthority.initialise(root / "token-ca", PASSPHRASE, token_config, pin=PIN)
        CertificateAuthority.initialise(root / "file-ca", PASSPHRASE)
        requests = [(make_csr(rsa_key(2048, i % 20)), person(), "sign") for i in range(args.count)]
        results = {}
        for name in ("file-ca", "token-ca"):
            store = CertificateStore(make_engine(f"sqlite:///{root / name}.sqlite3"))
            store.create_schema()
            authority = CertificateAuthority.load(root / name, PASSPHRASE, store, pin=PIN)
            results[name] = rate(authority, requests)
        key = authority._signer.key
        started = time.perf_counter()
        for index in range(args.count):
            key.sign(index.to_bytes(8, "big") * 40, padding.PKCS1v15(), hashes.SHA256())
        raw = args.count / (time.perf_counter() - started)
    print(f"certificates: {args.count} (RSA-2048 CSRs, SIGN profile, SQLite, batched commits)")
    print(f"file key:  {results['file-ca']:8.0f} certificates/s")
    print(f"token key: {results['token-ca']:8.0f} certificates/s (signature verified before use)")
    print(f"token raw CKM_SHA256_RSA_PKCS signing: {raw:8.0f} signatures/s")
    print(f"token/file: {results['token-ca'] / results['file-ca']:.2f}")


if __name__ == "__main__":
    main()
