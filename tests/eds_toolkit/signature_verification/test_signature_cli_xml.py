"""`eds verify` taking a signed XML document: exit 0 valid, 1 not valid, 2 bad input; JSON verdicts."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives import serialization
from signature_helpers import NCA

from eds_agent.xml_signature import read_document, sign_xml
from eds_toolkit.cli import main

DOCUMENT = '<?xml version="1.0" encoding="UTF-8"?><өтініш><мекенжай>Астана</мекенжай></өтініш>'.encode()


def run(home, *args):
    return CliRunner().invoke(main, ["--home", str(home), *[str(arg) for arg in args]])


@pytest.fixture
def files(tmp_path, citizen, authority):
    root = tmp_path / "root.pem"
    root.write_bytes(authority.root_cert.public_bytes(serialization.Encoding.PEM))
    once = sign_xml(read_document(DOCUMENT), citizen.key, citizen.sign, citizen.chain[:1])
    signed = tmp_path / "application.xml"
    signed.write_text(once, encoding="utf-8")
    twice = tmp_path / "co-signed.xml"
    co_signature = sign_xml(read_document(once.encode()), citizen.auth_key, citizen.auth, citizen.chain[:1])
    twice.write_text(co_signature, encoding="utf-8")
    tampered = tmp_path / "tampered.xml"
    tampered.write_text(once.replace("Астана", "Алматы"), encoding="utf-8")
    return {"root": root, "signed": signed, "twice": twice, "tampered": tampered}


def test_a_signed_xml_document_exits_0_and_prints_the_signer(tmp_path, files, citizen):
    result = run(tmp_path, "verify", files["signed"], "--trust", files["root"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("VALID")
    assert f"IIN {citizen.iin}" in result.output and "SIGN certificate" in result.output


def test_a_co_signed_document_prints_one_block_per_signature(tmp_path, files):
    result = run(tmp_path, "verify", files["twice"], "--trust", files["root"])
    assert result.exit_code == 0, result.output
    assert "XML signature 1 of 2: valid" in result.output and "XML signature 2 of 2: valid" in result.output
    assert "AUTH certificate" in result.output


def test_a_tampered_document_exits_1_with_the_reason(tmp_path, files):
    result = run(tmp_path, "verify", files["tampered"], "--trust", files["root"])
    assert result.exit_code == 1, result.output
    assert result.output.startswith("NOT VALID")
    assert "Refused:    content_modified:" in result.output


def test_json_verdict_lists_the_signatures(tmp_path, files, citizen):
    result = run(tmp_path, "verify", files["twice"], "--trust", files["root"], "--format", "json")
    assert result.exit_code == 0, result.output
    verdict = json.loads(result.output)
    assert verdict["ok"] is True
    assert [s["signer"]["profile"] for s in verdict["signatures"]] == ["sign", "auth"]
    assert {s["signer"]["iin"] for s in verdict["signatures"]} == {citizen.iin}


def test_a_dtd_and_content_beside_xml_are_bad_input(tmp_path, files):
    bomb = tmp_path / "bomb.xml"
    bomb.write_bytes(b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY b "bbbb">]><a>&b;</a>')
    result = run(tmp_path, "verify", bomb, "--trust", files["root"])
    assert result.exit_code == 2 and "DTD" in result.output
    extra = run(tmp_path, "verify", files["signed"], "--content", files["signed"], "--trust", files["root"])
    assert extra.exit_code == 2 and "--content is not used" in extra.output


def test_ncanodes_ws_security_envelope_verifies_as_of_its_time(tmp_path):
    result = run(
        tmp_path,
        "verify",
        NCA / "ncanode" / "xml" / "WsseServiceTest.XML_SIGNED_STRING.xml",
        "--trust",
        NCA / "nca_rsa_test.crt",
        "--at",
        "2021-06-01T00:00:00Z",
    )
    assert result.exit_code == 0, result.output
    assert "IIN 123456789011" in result.output


def test_ncanodes_gost_co_signature_is_reported_valid_with_its_crl(tmp_path):
    """NCANode's two-signer document as of 2023: the RSA signer has expired (exit 1), the GOST
    34.10-2015 (512) co-signature is valid, its signer not on the GOST 2022 CA's CRL."""
    ncanode = NCA / "ncanode"
    result = run(
        tmp_path,
        "verify",
        ncanode / "xml" / "XmlServiceTest.XML_SIGNED_VALID_STRING_TWO_SIGNERS.xml",
        "--trust",
        ncanode / "ca" / "nca_rsa_test.crt",
        "--trust",
        ncanode / "ca" / "nca_gost2015_test.cer",
        "--crl",
        ncanode / "crl" / "nca_gost2022_test.crl",
        "--revocation",
        "crl",
        "--at",
        "2023-01-01T00:00:00Z",
        "--format",
        "json",
    )
    assert result.exit_code == 1, result.output
    rsa, gost = json.loads(result.output)["signatures"]
    assert rsa["reasons"] == ["certificate_expired"]
    assert gost["ok"] is True and gost["signer"]["iin"] == "123456789012"
    assert gost["revocation"]["status"] == "good" and gost["digest_algorithm"] == "1.2.398.3.10.1.3.3"
