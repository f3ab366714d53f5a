"""`eds verify` and `eds verify-cert`: exit 0 valid, 1 not valid, 2 bad input; JSON verdicts."""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives import serialization
from signature_helpers import NCA

from ca.crl import build_crl
from eds_toolkit.cli import main

CONTENT = "Заявление о регистрации по месту жительства".encode()


def run(home, *args):
    return CliRunner().invoke(main, ["--home", str(home), *[str(arg) for arg in args]])


@pytest.fixture
def files(tmp_path, citizen, authority):
    root = tmp_path / "root.pem"
    root.write_bytes(authority.root_cert.public_bytes(serialization.Encoding.PEM))
    attached = tmp_path / "application.cms"
    attached.write_bytes(citizen.sign_cms(CONTENT))
    detached = tmp_path / "application.sig"
    detached.write_bytes(citizen.sign_cms(CONTENT, attached=False))
    content = tmp_path / "application.txt"
    content.write_bytes(CONTENT)
    crl = tmp_path / "ca.crl"
    crl.write_bytes(build_crl(authority).public_bytes(serialization.Encoding.DER))
    return {"root": root, "attached": attached, "detached": detached, "content": content, "crl": crl}


def test_valid_signature_exits_0_and_prints_the_signer(tmp_path, files, citizen):
    result = run(tmp_path, "verify", files["attached"], "--trust", files["root"], "--crl", files["crl"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("VALID")
    assert f"IIN {citizen.iin}" in result.output and "SIGN certificate" in result.output
    assert "Revocation: good (crl)" in result.output


def test_json_verdict_for_a_detached_signature(tmp_path, files, citizen):
    result = run(
        tmp_path,
        "verify",
        files["detached"],
        "--content",
        files["content"],
        "--trust",
        files["root"],
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.output
    verdict = json.loads(result.output)
    assert verdict["ok"] is True and verdict["detached"] is True
    assert verdict["signer"]["iin"] == citizen.iin
    assert verdict["revocation"]["status"] == "not_checked"


def test_tampered_content_exits_1_with_the_reason(tmp_path, files):
    files["content"].write_bytes(CONTENT + b" ")
    result = run(
        tmp_path, "verify", files["detached"], "--content", files["content"], "--trust", files["root"]
    )
    assert result.exit_code == 1
    assert "NOT VALID" in result.output and "content_modified" in result.output


def test_auth_required_refuses_a_sign_signature_with_exit_1(tmp_path, files):
    result = run(tmp_path, "verify", files["attached"], "--trust", files["root"], "--require-profile", "auth")
    assert result.exit_code == 1 and "wrong_profile" in result.output


@pytest.mark.parametrize(
    "args",
    [
        ["verify", "missing.cms"],
        ["verify", "{root}", "--trust", "{root}"],  # a certificate is not a CMS
        ["verify", "{detached}", "--trust", "{root}"],  # detached without --content
        ["verify", "{attached}", "--trust", "{root}", "--at", "yesterday"],
        ["verify", "{attached}", "--trust", "{attached}"],  # the trust file is not a certificate
    ],
)
def test_bad_input_exits_2(tmp_path, files, args):
    result = run(tmp_path, *[arg.format(**files) for arg in args])
    assert result.exit_code == 2, result.output
    assert "Error" in result.output


def test_without_trust_the_instance_ca_root_is_used(tmp_path, files, authority, ca_template):
    home = tmp_path / "home"
    home.mkdir()
    shutil.copytree(ca_template, home / "ca")
    result = run(home, "verify", files["attached"])
    assert result.exit_code == 0, result.output


def test_national_ca_certificate_as_of_2022_with_their_crl(tmp_path):
    result = run(
        tmp_path,
        "verify-cert",
        NCA / "individual_valid_sign_2004_rsa.cer",
        "--trust",
        NCA / "nca_rsa_test.crt",
        "--at",
        "2022-06-01T00:00:00Z",
        "--crl",
        NCA / "nca_rsa_test.crl",
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.output
    verdict = json.loads(result.output)
    assert verdict["holder"]["iin"] == "123456789011"
    assert verdict["revocation"] == {
        "source": "crl",
        "status": "good",
        "revoked_at": None,
        "reason": None,
        "issued_at": "2022-03-29T04:18:29+00:00",
        "detail": "Not listed in the CRL of 2022-03-29 04:18 UTC.",
    }


def test_national_ca_certificate_with_enforced_check_digit_exits_1(tmp_path):
    result = run(
        tmp_path,
        "verify-cert",
        NCA / "individual_valid_sign_2004_rsa.cer",
        "--trust",
        NCA / "nca_rsa_test.crt",
        "--at",
        "2022-06-01",
        "--enforce-iin-check-digit",
    )
    assert result.exit_code == 1 and "invalid_iin" in result.output
