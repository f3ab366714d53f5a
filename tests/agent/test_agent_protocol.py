"""`eds agent` as a real subprocess, spoken to with the Python websockets client (NCALayer's wire format)."""

from __future__ import annotations

import base64
import json
import ssl

import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from .conftest import AIGERIM, ERLAN, PORTAL, call, certificate_files, load_certificate, verify_cms

BASICS = "kz.gov.pki.knca.basics"
COMMON = "kz.gov.pki.knca.commonUtils"
ISSUANCE = "kz.eds.toolkit.issuance"
DOCUMENT = "Өтініш: тұрғылықты жерді тіркеу / application for residence registration\n".encode()
B64 = base64.b64encode(DOCUMENT).decode()


def _sign_args(*, attached: bool, oids=(), iin=None, output_cert=False, data=B64):
    signer = {"extKeyUsageOids": list(oids), "chain": []}
    if iin:
        signer["iin"] = iin
    params = {"decode": True, "encapsulate": attached, "digested": False}
    if output_cert:
        params["outputCert"] = True
    return {
        "allowedStorages": None,
        "format": "cms",
        "data": data,
        "signingParams": params,
        "signerParams": signer,
        "locale": "ru",
    }


@pytest.fixture
def agent(start_agent, keys_copy):
    return start_agent(store=keys_copy)


def test_greeting_then_requests_on_one_connection(agent):
    with connect(agent.url) as ws:
        assert json.loads(ws.recv(timeout=10)) == {"result": {"version": "1.4"}}
        assert call(ws, COMMON, "getActiveTokens") == {"code": "200", "responseObject": []}
        ws.send("--heartbeat--")
        assert ws.recv(timeout=10) == "--heartbeat--"
        version = call(ws, ISSUANCE, "version")
        assert version["status"] is True
        assert ISSUANCE in version["body"]["result"]["modules"]


def test_a_page_from_another_origin_is_refused_at_the_handshake(agent):
    with pytest.raises(InvalidStatus) as refused:
        connect(agent.url, origin="https://evil.example", open_timeout=10)
    assert refused.value.response.status_code == 403
    body = json.loads(bytes(refused.value.response.body))
    assert body["errorCode"] == "ORIGIN_NOT_ALLOWED"
    assert "evil.example" in body["message"]


def test_the_configured_portal_and_a_local_program_without_origin_are_served(agent):
    with connect(agent.url, origin=PORTAL) as ws:
        assert json.loads(ws.recv(timeout=10))["result"]["version"]
    with connect(agent.url) as ws:
        assert json.loads(ws.recv(timeout=10))["result"]["version"]


def test_bad_requests_get_errors_in_ncalayers_shapes(agent):
    with connect(agent.url) as ws:
        ws.recv(timeout=10)
        ws.send("{not json")
        malformed = json.loads(ws.recv(timeout=10))
        assert malformed["success"] is False and malformed["code"] == "COMMON_JSON_WRAPPING_EXCEPTION"

        unknown_module = call(ws, "kz.digiflow.mobile.extensions", "getVersion")
        assert unknown_module["errorCode"] == "MODULE_NOT_FOUND" and unknown_module["code"] != "200"

        unknown_basics = call(ws, BASICS, "generateNuclearKey", {})
        assert unknown_basics["status"] is False and unknown_basics["code"] == "METHOD_NOT_FOUND"

        unknown_common = call(ws, COMMON, "formatDisk", ["C:"])
        assert unknown_common["code"] == "500" and "formatDisk" in unknown_common["message"]

        mismatch = call(ws, COMMON, "getKeyInfo", [None])
        assert mismatch == {"code": "500", "message": "argument type mismatch. Method: getKeyInfo"}

        bad_params = call(ws, BASICS, "sign", dict(_sign_args(attached=True), signingParams=555))
        assert bad_params["status"] is False and bad_params["code"] == "INVOCATION_ERROR"  # as NCALayer

        for profile in ({}, {"url": "http://tsp.pki.gov.kz:80"}):
            params = dict(_sign_args(attached=True)["signingParams"], tsaProfile=profile)
            no_tsa = call(ws, BASICS, "sign", dict(_sign_args(attached=True), signingParams=params))
            assert no_tsa["status"] is False and no_tsa["code"] == "TSA_NOT_SUPPORTED"
            assert "not supported by eds agent" in no_tsa["message"] and "tsaProfile" in no_tsa["message"]

        # the connection survives every error
        assert call(ws, COMMON, "getActiveTokens")["code"] == "200"


def test_basics_sign_attached_cms_verifies_and_is_signed_by_the_sign_certificate(
    agent, keys_copy, test_ca, tmp_path
):
    with connect(agent.url) as ws:
        ws.recv(timeout=10)
        reply = call(
            ws, BASICS, "sign", _sign_args(attached=True, oids=["1.3.6.1.5.5.7.3.4", "1.2.398.3.3.4.1.1"])
        )

    assert reply["status"] is True
    signature = reply["body"]["result"]
    assert signature.startswith("-----BEGIN CMS-----")
    verdict = verify_cms(signature.encode(), test_ca.root_path, tmp_path)
    assert verdict.ok, verdict.stderr
    assert verdict.content == DOCUMENT
    sign_certificate = _certificate_in(certificate_files(keys_copy)["sign"])
    assert verdict.signer == sign_certificate


def test_basics_sign_detached_verifies_only_with_the_original_content(agent, test_ca, tmp_path):
    with connect(agent.url) as ws:
        ws.recv(timeout=10)
        reply = call(ws, BASICS, "sign", _sign_args(attached=False, oids=["1.3.6.1.5.5.7.3.4"]))

    signature = reply["body"]["result"].encode()
    assert verify_cms(signature, test_ca.root_path, tmp_path / "a", content=DOCUMENT).ok
    tampered = verify_cms(signature, test_ca.root_path, tmp_path / "b", content=DOCUMENT + b" ")
    assert not tampered.ok
    no_content = verify_cms(signature, test_ca.root_path, tmp_path / "c")
    assert not no_content.ok, "a detached signature must not carry the document"


def test_basics_sign_filters_choose_the_auth_key_and_refuse_another_iin(agent, keys_copy, test_ca, tmp_path):
    with connect(agent.url) as ws:
        ws.recv(timeout=10)
        auth = call(
            ws, BASICS, "sign", _sign_args(attached=True, oids=["1.3.6.1.5.5.7.3.2"], iin=AIGERIM.iin)
        )
        other = call(ws, BASICS, "sign", _sign_args(attached=True, iin=ERLAN.iin))
        several = call(
            ws, BASICS, "sign", _sign_args(attached=False, oids=["1.3.6.1.5.5.7.3.4"], data=[B64, B64])
        )

    verdict = verify_cms(auth["body"]["result"].encode(), test_ca.root_path, tmp_path, any_purpose=True)
    assert verdict.ok, verdict.stderr
    assert verdict.signer == _certificate_in(certificate_files(keys_copy)["auth"])
    assert other["status"] is False and other["code"] == "NO_SUITABLE_KEY"
    assert ERLAN.iin in other["message"]
    assert isinstance(several["body"]["result"], list) and len(several["body"]["result"]) == 2


def test_basics_sign_with_output_cert_returns_the_signer_certificate(agent, keys_copy):
    with connect(agent.url) as ws:
        ws.recv(timeout=10)
        reply = call(
            ws, BASICS, "sign", _sign_args(attached=True, oids=["1.3.6.1.5.5.7.3.4"], output_cert=True)
        )

    result = reply["body"]["result"]
    assert len(result["signatures"]) == 1
    assert load_certificate(result["certificate"]) == _certificate_in(certificate_files(keys_copy)["sign"])


def test_common_utils_cades_with_signature_and_authentication_keys(agent, keys_copy, test_ca, tmp_path):
    with connect(agent.url) as ws:
        ws.recv(timeout=10)
        signed = call(ws, COMMON, "createCAdESFromBase64", ["PKCS12", "SIGNATURE", B64, True])
        authed = call(ws, COMMON, "createCAdESFromBase64", ["PKCS12", "AUTHENTICATION", B64, False])
        info = call(ws, COMMON, "getKeyInfo", ["PKCS12"])
        no_token = call(ws, COMMON, "getKeyInfo", ["AKKaztokenStore"])

    assert signed["code"] == "200"
    attached = verify_cms(
        base64.b64decode(signed["responseObject"]), test_ca.root_path, tmp_path / "s", pem=False
    )
    assert attached.ok and attached.content == DOCUMENT
    assert attached.signer == _certificate_in(certificate_files(keys_copy)["sign"])
    detached = verify_cms(
        base64.b64decode(authed["responseObject"]),
        test_ca.root_path,
        tmp_path / "a",
        pem=False,
        content=DOCUMENT,
        any_purpose=True,
    )
    assert detached.ok, detached.stderr
    assert detached.signer == _certificate_in(certificate_files(keys_copy)["auth"])
    key_info = info["responseObject"]
    assert key_info["subjectDn"] and f"IIN{AIGERIM.iin}" in key_info["subjectDn"]
    assert load_certificate(key_info["pem"]).serial_number == int(key_info["serialNumber"], 16)
    assert int(key_info["certNotAfter"]) > int(key_info["certNotBefore"])
    assert key_info["algorithm"] == "RSA"
    assert key_info["subjectDn"].startswith("CN=") and ",SURNAME=" in key_info["subjectDn"]
    assert no_token["code"] == "500" and "AKKaztokenStore" in no_token["message"]


def test_a_wrong_password_is_refused_in_both_shapes(start_agent, keys_copy):
    agent = start_agent(store=keys_copy, password="Not-the-password-42")
    with connect(agent.url) as ws:
        ws.recv(timeout=10)
        basics = call(ws, BASICS, "sign", _sign_args(attached=True))
        common = call(ws, COMMON, "createCAdESFromBase64", ["PKCS12", "SIGNATURE", B64, True])
    assert basics["status"] is False and basics["code"] == "WRONG_PASSWORD"
    assert common["code"] == "500" and "password" in common["message"]
    assert "Not-the-password-42" not in json.dumps([basics, common])


def test_an_empty_folder_has_no_key_to_sign_with(start_agent, tmp_path):
    agent = start_agent(store=tmp_path / "nothing-here")
    with connect(agent.url) as ws:
        ws.recv(timeout=10)
        reply = call(ws, BASICS, "sign", _sign_args(attached=True))
    assert reply["status"] is False and reply["code"] == "NO_SUITABLE_KEY"


def test_the_whole_issuance_through_the_agent(start_agent, test_ca, tmp_path):
    store = tmp_path / "citizen-keys"
    agent = start_agent(store=store)
    with connect(agent.url, origin=PORTAL) as ws:
        ws.recv(timeout=10)
        (tmp_path / "a-file").write_text("not a folder")
        blocked = call(ws, ISSUANCE, "chooseStore", {"path": str(tmp_path / "a-file" / "keys")})
        assert blocked["status"] is False and blocked["code"] == "STORE_NOT_WRITABLE"
        relative = call(ws, ISSUANCE, "chooseStore", {"path": "keys"})
        assert relative["status"] is False and relative["code"] == "INVALID_SIGNING_PARAMS"
        chosen = call(ws, ISSUANCE, "chooseStore", {})
        assert chosen == {"status": True, "body": {"result": {"folder": str(store)}}}
        made = call(
            ws,
            ISSUANCE,
            "makeRequests",
            {
                "enrolmentId": "enrol-ws",
                "iin": ERLAN.iin,
                "surname": ERLAN.surname,
                "givenName": ERLAN.given_name,
            },
        )["body"]["result"]
        assert "PRIVATE" not in json.dumps(made)
        certificates = test_ca.issue_pair(made, ERLAN)

        foreign = dict(certificates, enrolmentId="enrol-unknown", password="Tuz-Kala 2026 kilt")
        assert call(ws, ISSUANCE, "installCertificates", foreign)["code"] == "NO_PENDING_REQUEST"
        weak = call(
            ws, ISSUANCE, "installCertificates", dict(certificates, enrolmentId="enrol-ws", password="123")
        )
        assert weak["status"] is False and weak["code"] == "WEAK_PASSWORD"
        assert list(store.glob("*.p12")) == []

        installed = call(
            ws,
            ISSUANCE,
            "installCertificates",
            dict(certificates, enrolmentId="enrol-ws", password="Tuz-Kala 2026 kilt"),
        )
        assert installed["status"] is True, installed
        listed = call(ws, ISSUANCE, "listKeys", {})["body"]["result"]

    assert sorted(k["type"] for k in listed["keystores"]) == ["AUTH", "SIGN"]
    assert len(installed["body"]["result"]["files"]) == 2


def test_tls_with_the_agents_local_ca_as_trust_anchor(start_agent, keys_copy):
    agent = start_agent(store=keys_copy, tls=True)
    assert agent.url.startswith("wss://")
    trusted = ssl.create_default_context(cafile=str(agent.tls_ca))
    with connect(agent.url, ssl=trusted, origin=PORTAL) as ws:
        assert json.loads(ws.recv(timeout=10)) == {"result": {"version": "1.4"}}
        assert call(ws, COMMON, "getActiveTokens")["code"] == "200"
    with pytest.raises(ssl.SSLCertVerificationError):
        connect(agent.url, ssl=ssl.create_default_context(), open_timeout=10)


def _certificate_in(path):
    from keystore.pkcs12 import open_keystore

    from .conftest import PASSWORD

    return open_keystore(path.read_bytes(), PASSWORD).certificate
