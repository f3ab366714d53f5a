"""The published NCALayer client (npm ``ncalayer-js-client``) running in Node against `eds agent` over wss://.

Needs ``npm ci --prefix tests/agent/js`` (done by .ci/run); Node 20 is /usr/bin/node.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from eds_toolkit.signatures import verify_cms_signers

from .conftest import AIGERIM, ERLAN, PASSWORD, RunningAgent, certificate_files, load_certificate, verify_cms

HARNESS = Path(__file__).parent / "js"
DOCUMENT = "Келісімшарт № 7 / contract no. 7\n".encode()


@pytest.fixture(scope="module")
def node() -> str:
    executable = shutil.which("node")
    assert executable, "Node.js is required (Debian package nodejs)"
    assert (HARNESS / "node_modules" / "ncalayer-js-client").is_dir(), (
        "run `npm ci --prefix tests/agent/js` first (the published NCALayer client from npm)"
    )
    return executable


@pytest.fixture(scope="module")
def signing_keys(keystore_folder, tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("js") / "eds-keys"
    shutil.copytree(keystore_folder, target)
    return target


@pytest.fixture(scope="module")
def client_results(node, signing_keys, tmp_path_factory):
    """One run of drive-agent.js against one `eds agent` over wss:// (shared by the tests below)."""
    home = tmp_path_factory.mktemp("js-agent")
    password_file = home / "password.txt"
    password_file.write_text(PASSWORD + "\n")
    agent = RunningAgent(
        home / "home",
        ["--yes", "--store", str(signing_keys), "--password-file", str(password_file)],
    )
    try:
        environment = dict(os.environ, NODE_EXTRA_CA_CERTS=str(agent.tls_ca))
        run = subprocess.run(
            [node, "drive-agent.js", agent.url, base64.b64encode(DOCUMENT).decode(), ERLAN.iin],
            cwd=HARNESS,
            env=environment,
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        agent_log = agent.stop()
    assert run.returncode == 0, run.stderr
    assert PASSWORD not in agent_log
    return json.loads(run.stdout)


def _certificate(path: Path):
    from keystore.pkcs12 import open_keystore

    return open_keystore(path.read_bytes(), PASSWORD).certificate


def test_connect_get_active_tokens_and_key_info(client_results, signing_keys):
    assert client_results["version"] == "1.4"
    assert client_results["activeTokens"] == []
    info = client_results["keyInfo"]
    assert f"SERIALNUMBER=IIN{AIGERIM.iin}" in info["subjectDn"]
    certificate = load_certificate(info["pem"])
    assert certificate in {_certificate(p) for p in certificate_files(signing_keys).values()}
    assert info["keyId"] == info["alias"] and len(info["keyId"]) == 40


def test_create_cades_from_base64_signature_and_authentication(
    client_results, signing_keys, test_ca, tmp_path
):
    files = certificate_files(signing_keys)
    attached = verify_cms(
        base64.b64decode(client_results["cadesSignature"]), test_ca.root_path, tmp_path / "sign", pem=False
    )
    assert attached.ok, attached.stderr
    assert attached.content == DOCUMENT
    assert attached.signer == _certificate(files["sign"])

    detached = verify_cms(
        base64.b64decode(client_results["cadesAuthentication"]),
        test_ca.root_path,
        tmp_path / "auth",
        pem=False,
        content=DOCUMENT,
        any_purpose=True,
    )
    assert detached.ok, detached.stderr
    assert detached.signer == _certificate(files["auth"])


def test_basics_sign_cms_with_the_libraries_signer_presets(client_results, signing_keys, test_ca, tmp_path):
    files = certificate_files(signing_keys)
    attached = verify_cms(
        client_results["basicsAttachedSignPerson"].encode(), test_ca.root_path, tmp_path / "a"
    )
    assert attached.ok, attached.stderr
    assert attached.content == DOCUMENT
    assert attached.signer == _certificate(files["sign"])

    detached = client_results["basicsDetachedAuthPerson"].encode()
    verdict = verify_cms(detached, test_ca.root_path, tmp_path / "d", content=DOCUMENT, any_purpose=True)
    assert verdict.ok, verdict.stderr
    assert verdict.signer == _certificate(files["auth"])
    assert not verify_cms(detached, test_ca.root_path, tmp_path / "t", content=b"other", any_purpose=True).ok


def test_the_librarys_time_stamp_presets_are_refused_not_answered_without_a_time_stamp(client_results):
    refused = client_results["basicsTimestampPreset"]
    assert refused["name"] == "NCALayerError"
    assert refused["message"].startswith("TSA_NOT_SUPPORTED:")
    assert "not supported by eds agent" in refused["message"]


def test_hash_signing_co_signing_and_the_time_stamped_cms(client_results, signing_keys, test_ca, tmp_path):
    """createCAdESFromBase64Hash, basicsSignCMS with the library's DetachedHash preset (less its
    tsaProfile), a CMS co-signed through createCAdESFromBase64, createCMSSignatureFromBase64."""
    files = certificate_files(signing_keys)
    cades_hash = base64.b64decode(client_results["cadesHash"])
    verdict = verify_cms(cades_hash, test_ca.root_path, tmp_path / "h", pem=False, content=DOCUMENT)
    assert verdict.ok, verdict.stderr
    assert verdict.signer == _certificate(files["sign"])
    basics_hash = verify_cms(
        client_results["basicsHash"].encode(), test_ca.root_path, tmp_path / "b", content=DOCUMENT
    )
    assert basics_hash.ok, basics_hash.stderr

    cosigned = base64.b64decode(client_results["cadesCosigned"])
    opened = verify_cms(cosigned, test_ca.root_path, tmp_path / "c", pem=False, any_purpose=True)
    assert opened.ok and opened.content == DOCUMENT, opened.stderr
    root = load_certificate(test_ca.root_path.read_bytes())
    verdict = verify_cms_signers(cosigned, trust_roots=[root], revocation="none")
    assert verdict.ok and [s.signer.profile_label for s in verdict.signers] == ["SIGN", "AUTH"]

    refused = client_results["cmsWithTimestamp"]
    assert refused["name"] == "NCALayerError" and "time-stamp" in refused["message"]


def test_one_document_is_answered_with_a_string_a_list_of_one_with_a_list(client_results):
    # NCALayer's recorded answers (ncalayer-js-client test data) give a string for one document.
    assert isinstance(client_results["basicsAttachedSignPerson"], str)
    listed = client_results["basicsListOfOne"]
    assert isinstance(listed, list) and len(listed) == 1 and listed[0].startswith("-----BEGIN CMS-----")


def test_refusals_reach_the_library_as_ncalayer_errors(client_results):
    other_iin = client_results["basicsOtherIin"]
    assert other_iin["name"] == "NCALayerError" and other_iin["message"].startswith("NO_SUITABLE_KEY:")
    assert ERLAN.iin in other_iin["message"]
    assert client_results["basicsHardwareOnly"]["message"].startswith("NO_SUITABLE_KEY:")
    token = client_results["keyInfoOnToken"]
    assert token["message"].startswith("500:") and "AKKaztokenStore" in token["message"]
    assert not any(
        "unexpectedSuccess" in value for value in client_results.values() if isinstance(value, dict)
    )


def test_the_librarys_xml_methods_sign_what_our_verifier_and_xmlsec1_accept(
    client_results, signing_keys, test_ca, tmp_path
):
    from eds_toolkit.signatures.verify_xml import verify_xml

    files = certificate_files(signing_keys)
    signed = {
        "sign": [client_results["signXml"], *client_results["signXmls"], *client_results["basicsSignXml"]],
        "auth": [client_results["signXmlAuth"]],
    }
    assert len(signed["sign"]) == 4  # basicsSignXML answers a list, as NCALayer's recorded answer
    xmlsec1 = shutil.which("xmlsec1")
    assert xmlsec1, "xmlsec1 is required (Debian package xmlsec1)"
    for profile, documents in signed.items():
        for index, document in enumerate(documents):
            assert document.count("<ds:Signature xmlns") == 1 and "<tag>data<ds:Signature" in document
            verdict = verify_xml(
                document.encode(), trust_roots=[test_ca.authority.root_cert], revocation="none"
            )
            assert verdict.ok, verdict.describe()
            assert verdict.signatures[0].signer.serial == f"{_certificate(files[profile]).serial_number:x}"
            path = tmp_path / f"{profile}-{index}.xml"
            path.write_text(document, encoding="utf-8")
            checked = subprocess.run(
                [xmlsec1, "--verify", "--trusted-pem", str(test_ca.root_path), str(path)],
                capture_output=True,
                text=True,
                timeout=60,
            )
            assert checked.returncode == 0, checked.stderr
    # the digest of <tag>data</tag> is byte for byte NCALayer's in its recorded signXml answer
    recorded = json.loads((HARNESS / "node_modules/ncalayer-js-client/test/test-data.json").read_text())
    signing = '"method":"signXml","args":["AKKaztokenStore","SIGNATURE"'
    (ncalayer,) = [exchange for exchange in recorded if signing in exchange["request"]]
    digest = re.search(r"<ds:DigestValue>([^<]+)</ds:DigestValue>", client_results["signXml"])[1]
    assert f"<ds:DigestValue>{digest}</ds:DigestValue>" in ncalayer["result"]
    broken = client_results["signXmlBroken"]
    assert broken["name"] == "NCALayerError" and broken["message"].startswith("500:")


def test_the_page_helper_drives_the_whole_issuance(node, start_agent, test_ca, tmp_path):
    """eds_agent/js/eds-agent-client.js in Node: connect, choose folder, requests, install."""
    store = tmp_path / "keys-from-page"
    agent = start_agent(store=store)
    person = {
        "enrolmentId": "enrol-page",
        "iin": ERLAN.iin,
        "surname": ERLAN.surname,
        "givenName": ERLAN.given_name,
    }
    page = subprocess.Popen(
        [node, "drive-issuance.js", agent.url, json.dumps(person), "Tuz-Kala 2026 kilt"],
        cwd=HARNESS,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        first = json.loads(page.stdout.readline() or "{}")
        assert first.get("requests"), page.stderr.read()
        certificates = test_ca.issue_pair(first["requests"], ERLAN)
        page.stdin.write(json.dumps(certificates) + "\n")
        page.stdin.flush()
        second = json.loads(page.stdout.readline() or "{}")
        assert page.wait(timeout=60) == 0, page.stderr.read()
    finally:
        page.kill()

    assert first["unreachable"]["error"]["code"] == "AGENT_UNREACHABLE"
    assert first["version"] == "1.4" and first["folder"] == {"folder": str(store)}
    assert second["strangers"]["error"]["code"] == "NO_PENDING_REQUEST"
    assert second["weak"]["error"]["code"] == "WEAK_PASSWORD"
    files = [Path(p) for p in second["installed"]["files"]]
    assert sorted(p.name.split("_")[0] for p in files) == ["AUTH", "RSA256"]
    assert all(p.exists() for p in files)
    assert sorted(k["type"] for k in second["keys"]["keystores"]) == ["AUTH", "SIGN"]
