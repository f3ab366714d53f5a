"""XML signing in `eds agent` (a real subprocess, NCALayer's wire format): commonUtils.signXml /
signXmls and basics.sign format xml, checked by our verifier and by Debian's `xmlsec1 --verify`."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from websockets.sync.client import connect

from eds_toolkit.signatures import Reason
from eds_toolkit.signatures.verify_xml import verify_xml
from keystore.pkcs12 import open_keystore

from .conftest import PASSWORD, call, certificate_files, load_certificate

BASICS = "kz.gov.pki.knca.basics"
COMMON = "kz.gov.pki.knca.commonUtils"
DOCUMENT = (
    '<?xml version="1.0" encoding="UTF-8"?><application xmlns="urn:eds:test">'
    "<address>Астана, Кенесары 40, кв. 12</address><applicant>Сейтқали Әйгерім</applicant></application>"
)


@pytest.fixture
def agent(start_agent, keys_copy):
    return start_agent(store=keys_copy)


@pytest.fixture(scope="module")
def xmlsec1() -> str:
    executable = shutil.which("xmlsec1")
    assert executable, "xmlsec1 is required (Debian package xmlsec1, installed by scripts/setup --test)"
    return executable


def xmlsec_verify(xmlsec1: str, signed: str, root: Path, workdir: Path) -> subprocess.CompletedProcess:
    """``xmlsec1 --verify`` trusting only the CA root; the chain comes from the signature's X509Data."""
    workdir.mkdir(parents=True, exist_ok=True)
    document = workdir / "signed.xml"
    document.write_text(signed, encoding="utf-8")
    return subprocess.run(
        [xmlsec1, "--verify", "--trusted-pem", str(root), str(document)],
        capture_output=True,
        text=True,
        timeout=60,
    )


def _certificate(path: Path):
    return open_keystore(path.read_bytes(), PASSWORD).certificate


def _verdict(signed: str, test_ca):
    return verify_xml(signed.encode(), trust_roots=[test_ca.authority.root_cert], revocation="none")


def test_sign_xml_is_accepted_by_our_verifier_and_xmlsec1_and_tampering_by_neither(
    agent, keys_copy, test_ca, xmlsec1, tmp_path
):
    with connect(agent.url) as ws:
        ws.recv(timeout=10)
        reply = call(ws, COMMON, "signXml", ["PKCS12", "SIGNATURE", DOCUMENT, "", ""])

    assert reply["code"] == "200", reply
    signed = reply["responseObject"]
    assert "Кенесары 40, кв. 12" in signed and "<ds:Signature" in signed
    verdict = _verdict(signed, test_ca)
    assert verdict.ok, verdict.describe()
    sign_certificate = _certificate(certificate_files(keys_copy)["sign"])
    assert verdict.signatures[0].signer.serial == f"{sign_certificate.serial_number:x}"
    accepted = xmlsec_verify(xmlsec1, signed, test_ca.root_path, tmp_path / "ok")
    assert accepted.returncode == 0, accepted.stderr
    assert "SignedInfo References (ok/all): 1/1" in accepted.stderr

    tampered = signed.replace("кв. 12", "кв. 13")
    assert _verdict(tampered, test_ca).signatures[0].reasons == (Reason.CONTENT_MODIFIED,)
    refused = xmlsec_verify(xmlsec1, tampered, test_ca.root_path, tmp_path / "tampered")
    assert refused.returncode != 0
    assert "failed to verify" in refused.stderr


def test_sign_xml_with_the_authentication_key_and_sign_xmls_with_two_documents(
    agent, keys_copy, test_ca, xmlsec1, tmp_path
):
    second = DOCUMENT.replace("кв. 12", "кв. 14")
    with connect(agent.url) as ws:
        ws.recv(timeout=10)
        authed = call(ws, COMMON, "signXml", ["PKCS12", "AUTHENTICATION", DOCUMENT, "", ""])
        several = call(ws, COMMON, "signXmls", ["PKCS12", "SIGNATURE", [DOCUMENT, second], "", ""])

    auth_certificate = _certificate(certificate_files(keys_copy)["auth"])
    auth_verdict = _verdict(authed["responseObject"], test_ca)
    assert auth_verdict.ok and auth_verdict.signatures[0].signer.profile == "auth"
    assert auth_verdict.signatures[0].signer.serial == f"{auth_certificate.serial_number:x}"
    first_signed, second_signed = several["responseObject"]
    assert "кв. 14" in second_signed and "кв. 14" not in first_signed
    for index, signed in enumerate(several["responseObject"]):
        assert _verdict(signed, test_ca).ok
        assert xmlsec_verify(xmlsec1, signed, test_ca.root_path, tmp_path / str(index)).returncode == 0


def test_basics_sign_format_xml_answers_a_list_as_ncalayer_does(agent, keys_copy, test_ca):
    args = {
        "allowedStorages": ["PKCS12"],
        "format": "xml",
        "data": DOCUMENT,
        "signingParams": {},  # NCALayerClient.basicsXMLParams
        "signerParams": {"extKeyUsageOids": ["1.3.6.1.5.5.7.3.4"]},
        "locale": "kk",
    }
    with connect(agent.url) as ws:
        ws.recv(timeout=10)
        one = call(ws, BASICS, "sign", args)
        with_cert = call(ws, BASICS, "sign", dict(args, data=[DOCUMENT, DOCUMENT], outputCert=True))

    assert one["status"] is True
    (signed,) = one["body"]["result"]  # a list even for one document (NCALayer's recorded answer)
    verdict = _verdict(signed, test_ca)
    assert verdict.ok and verdict.signatures[0].signer.profile == "sign"
    result = with_cert["body"]["result"]
    assert len(result["signatures"]) == 2
    assert load_certificate(result["certificate"]) == _certificate(certificate_files(keys_copy)["sign"])


def test_a_signed_document_signed_again_carries_two_valid_signatures(agent, test_ca, xmlsec1, tmp_path):
    with connect(agent.url) as ws:
        ws.recv(timeout=10)
        once = call(ws, COMMON, "signXml", ["PKCS12", "SIGNATURE", DOCUMENT, "", ""])["responseObject"]
        twice = call(ws, COMMON, "signXml", ["PKCS12", "AUTHENTICATION", once, "", ""])["responseObject"]

    verdict = _verdict(twice, test_ca)
    assert verdict.ok, verdict.describe()
    assert [s.signer.profile for s in verdict.signatures] == ["sign", "auth"]


def test_bad_xml_requests_get_ncalayers_errors_and_the_connection_survives(agent, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("hunter2")
    xxe = f'<!DOCTYPE a [<!ENTITY x SYSTEM "file://{secret}">]><a>&x;</a>'
    with connect(agent.url) as ws:
        ws.recv(timeout=10)
        mismatch = call(ws, COMMON, "signXml", ["PKCS12", "123", 555, "", ""])
        not_a_list = call(ws, COMMON, "signXmls", ["PKCS12", "123", "<tag>data</tag>", "", ""])
        broken = call(ws, COMMON, "signXml", ["PKCS12", "SIGNATURE", "<this>is not a valid XML", "", ""])
        entity = call(ws, COMMON, "signXml", ["PKCS12", "SIGNATURE", xxe, "", ""])
        part = call(ws, COMMON, "signXml", ["PKCS12", "SIGNATURE", "<a><b/></a>", "/a/b", ""])
        token = call(ws, COMMON, "signXml", ["AKKaztokenStore", "SIGNATURE", "<a/>", "", ""])
        basics_broken = call(
            ws, BASICS, "sign", {"format": "xml", "data": "<a>", "signingParams": {}, "signerParams": {}}
        )
        timestamped = call(
            ws,
            BASICS,
            "sign",
            {"format": "xml", "data": "<a/>", "signingParams": {"tsaProfile": {}}, "signerParams": {}},
        )
        alive = call(ws, COMMON, "getActiveTokens")

    assert mismatch == {"code": "500", "message": "argument type mismatch. Method: signXml"}
    assert not_a_list == {"code": "500", "message": "argument type mismatch. Method: signXmls"}
    assert broken["code"] == "500" and "not well-formed XML" in broken["message"]
    assert entity["code"] == "500" and "hunter2" not in entity["message"]
    assert "DTD" in entity["message"] or "not well-formed" in entity["message"]
    assert part["code"] == "500" and "tbsElementXPath" in part["message"]
    assert token["code"] == "500" and "AKKaztokenStore" in token["message"]
    assert basics_broken["status"] is False and basics_broken["code"] == "INVALID_SIGNING_PARAMS"
    assert timestamped["status"] is False and timestamped["code"] == "TSA_NOT_SUPPORTED"  # no XAdES-T
    assert alive["code"] == "200"
