"""The national CA's names are longer than X.520's upper bounds (its GOST test certificates carry
attributes of 69 and 71), and cryptography warns on every parse of such a name. The profile accepts them,
so reading the CA's certificates prints no Python warning at an operator's terminal."""

from __future__ import annotations

import subprocess
import sys

from tests.testdata import shared_file

CERTIFICATE = "nca/ncanode/keystores/KEY_CEO_REVOKED_2015.crt.pem"
CA = "nca/ncanode/ca/nca_gost2015_test.cer"
OCSP = "nca/ncanode/ocsp/ocsp_response_ceo_2015_revoked.bin"


def test_eds_verify_cert_on_the_national_cas_long_names_prints_no_python_warning(tmp_path):
    command = [
        sys.executable, "-c", "from eds_toolkit.cli import main; main()",
        "--home", str(tmp_path), "verify-cert", str(shared_file(CERTIFICATE)),
        "--trust", str(shared_file(CA)), "--ocsp", str(shared_file(OCSP)),
        "--at", "2022-09-02T17:00:00Z",
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1, result.stderr
    assert "Refused:    certificate_revoked" in result.stdout
    assert "Warning" not in result.stderr, result.stderr


def test_reading_a_national_ca_keystore_prints_no_python_warning():
    keystore = shared_file("nca/ncanode/keystores/KEY_INDIVIDUAL_VALID_2015.p12")
    code = (
        "import sys; from pathlib import Path; from keystore.pkcs12 import inspect_keystore; "
        "info = inspect_keystore(Path(sys.argv[1]).read_bytes(), 'Aa123456'); print(info.issuer)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(keystore)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert "ҰЛТТЫҚ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ" in result.stdout  # the name with a 69-character attribute was read
    assert "Warning" not in result.stderr, result.stderr
