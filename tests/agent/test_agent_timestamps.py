"""Time-stamps end to end with real peers: `eds serve` as the TSA (POST /pki/tsp), `openssl ts` and
rfc3161-client as its clients, and `eds agent` making CAdES-T that our verifier and `openssl cms` accept."""

from __future__ import annotations

import base64
import shutil
import subprocess

import requests
from asn1crypto import cms
from cryptography import x509
from rfc3161_client import HashAlgorithm, TimestampRequestBuilder, VerifierBuilder, decode_timestamp_response
from websockets.sync.client import connect

from ca.tsa import reply_outcome
from eds_toolkit.signatures import Reason, verify_cms
from tests.e2e.eds import EDS
from tests.e2e.services import free_port

from .conftest import call, openssl
from .conftest import verify_cms as openssl_verify_cms

BASICS = "kz.gov.pki.knca.basics"
DOCUMENT = "Өтініш: тұрғылықты жерді тіркеу (CAdES-T)\n".encode()


def _post(url: str, body: bytes, content_type: str = "application/timestamp-query") -> requests.Response:
    return requests.post(url, data=body, headers={"Content-Type": content_type}, timeout=30)


def test_openssl_ts_query_to_the_running_server_is_accepted_by_openssl_ts_verify(
    tsa_server, test_ca, tmp_path
):
    data, query, reply = tmp_path / "data", tmp_path / "query.tsq", tmp_path / "reply.tsr"
    data.write_bytes(DOCUMENT)
    assert openssl("ts", "-query", "-data", str(data), "-sha384", "-cert", "-out", str(query)).returncode == 0
    answer = _post(f"{tsa_server.url}/pki/tsp", query.read_bytes())
    assert answer.status_code == 200 and answer.headers["Content-Type"] == "application/timestamp-reply"
    reply.write_bytes(answer.content)
    verified = openssl(
        "ts", "-verify", "-queryfile", str(query), "-in", str(reply), "-CAfile", str(test_ca.root_path)
    )
    assert verified.returncode == 0 and b"Verification: OK" in verified.stdout, verified.stderr


def test_rfc3161_client_gets_a_reply_it_verifies_against_the_root(tsa_server, test_ca):
    request = TimestampRequestBuilder().data(DOCUMENT).hash_algorithm(HashAlgorithm.SHA512).build()
    response = decode_timestamp_response(_post(f"{tsa_server.url}/pki/tsp", request.as_bytes()).content)
    root = x509.load_pem_x509_certificate(test_ca.root_path.read_bytes())
    verifier = VerifierBuilder.from_request(request).add_root_certificate(root).build()
    assert verifier.verify_message(response, DOCUMENT)
    assert response.tst_info.nonce == request.nonce


def test_bad_requests_get_a_415_or_a_rejection_never_a_server_error(tsa_server):
    wrong_type = _post(f"{tsa_server.url}/pki/tsp", b"\x30\x00", content_type="application/octet-stream")
    assert wrong_type.status_code == 415
    garbage = _post(f"{tsa_server.url}/pki/tsp", b"\x30\x03garbage")
    assert garbage.status_code == 200
    granted, outcome = reply_outcome(garbage.content)
    assert not granted and "bad_data_format" in outcome
    too_big = _post(f"{tsa_server.url}/pki/tsp", b"\x30" * 10_000)
    assert too_big.status_code == 413


def _sign_args(*, tsa_profile, attached=True, data=None):
    return {
        "allowedStorages": None,
        "format": "cms",
        "data": data if data is not None else base64.b64encode(DOCUMENT).decode(),
        "signingParams": {
            "decode": True,
            "encapsulate": attached,
            "digested": False,
            "tsaProfile": tsa_profile,
        },
        "signerParams": {"extKeyUsageOids": ["1.3.6.1.5.5.7.3.4"], "chain": []},
        "locale": "ru",
    }


def _sign(agent, args) -> dict:
    with connect(agent.url) as ws:
        ws.recv(timeout=10)
        return call(ws, BASICS, "sign", args)


def _der(pem: str) -> bytes:
    return base64.b64decode("".join(line for line in pem.splitlines() if not line.startswith("-----")))


def test_the_agent_makes_cades_t_that_our_verifier_and_openssl_accept(
    start_agent, keys_copy, tsa_server, test_ca, tmp_path
):
    agent = start_agent(store=keys_copy, extra=("--tsa-url", f"{tsa_server.url}/pki/tsp"))
    reply = _sign(agent, _sign_args(tsa_profile={}))
    assert reply["status"] is True, reply
    signature_pem = reply["body"]["result"]
    assert openssl_verify_cms(signature_pem.encode(), test_ca.root_path, tmp_path / "cms").ok

    der = _der(signature_pem)
    signer_info = cms.ContentInfo.load(der)["content"]["signer_infos"][0]
    stamps = [a for a in signer_info["unsigned_attrs"] if a["type"].native == "signature_time_stamp_token"]
    assert len(stamps) == 1
    root = x509.load_pem_x509_certificate(test_ca.root_path.read_bytes())
    verdict = verify_cms(der, trust_roots=[root], revocation="none")
    assert verdict.ok, verdict.messages
    assert verdict.timestamp.verified is True and verdict.timestamp.matches_signature is True

    # openssl ts checks the token on its own: over the signature value, signed by a timeStamping TSA
    token, value = tmp_path / "token.der", tmp_path / "signature-value.bin"
    token.write_bytes(stamps[0]["values"][0].dump())
    value.write_bytes(signer_info["signature"].native)
    checked = openssl(
        "ts",
        "-verify",
        "-token_in",
        "-in",
        str(token),
        "-data",
        str(value),
        "-CAfile",
        str(test_ca.root_path),
    )
    assert checked.returncode == 0 and b"Verification: OK" in checked.stdout, checked.stderr


def test_every_document_of_a_list_gets_its_own_time_stamp(start_agent, keys_copy, tsa_server):
    agent = start_agent(store=keys_copy, extra=("--tsa-url", f"{tsa_server.url}/pki/tsp"))
    documents = [base64.b64encode(text.encode()).decode() for text in ("бірінші", "екінші")]
    reply = _sign(
        agent, _sign_args(tsa_profile={"url": "http://tsp.pki.gov.kz:80"}, attached=False, data=documents)
    )
    assert reply["status"] is True, reply
    imprints = set()
    for pem in reply["body"]["result"]:
        signer_info = cms.ContentInfo.load(_der(pem))["content"]["signer_infos"][0]
        token = signer_info["unsigned_attrs"][0]["values"][0]
        imprints.add(token["content"]["encap_content_info"]["content"].parsed["message_imprint"].dump())
    assert len(imprints) == 2


def test_an_unreachable_tsa_is_a_clear_refusal_and_no_signature(start_agent, keys_copy):
    agent = start_agent(store=keys_copy, extra=("--tsa-url", f"http://127.0.0.1:{free_port()}/pki/tsp"))
    reply = _sign(agent, _sign_args(tsa_profile={}))
    assert reply["status"] is False and reply["code"] == "TSA_UNAVAILABLE"
    assert "cannot be reached" in reply["message"] and "nothing was signed" in reply["message"]


def test_a_url_that_is_no_tsa_is_a_clear_refusal(start_agent, keys_copy, tsa_server):
    agent = start_agent(store=keys_copy, extra=("--tsa-url", f"{tsa_server.url}/pki/no-such-service"))
    reply = _sign(agent, _sign_args(tsa_profile={}))
    assert reply["status"] is False and reply["code"] == "TSA_UNAVAILABLE"
    assert "HTTP 404" in reply["message"]


def test_without_a_tsa_setting_tsa_profile_is_still_refused_and_says_how_to_set_one(start_agent, keys_copy):
    reply = _sign(start_agent(store=keys_copy), _sign_args(tsa_profile={}))
    assert reply["status"] is False and reply["code"] == "TSA_NOT_SUPPORTED"
    assert "--tsa-url" in reply["message"]


def test_a_tsa_url_that_is_not_http_is_bad_input(tmp_path):
    started = subprocess.run(
        [str(EDS), "--home", str(tmp_path), "agent", "--no-tls", "--tsa-url", "ftp://tsa.example.kz/"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert started.returncode == 2 and "TSA URL" in started.stderr


def test_a_verdict_names_a_time_stamp_that_is_not_over_the_signature(
    start_agent, keys_copy, tsa_server, test_ca
):
    """Two CAdES-T signatures; the first's time-stamp moved onto the second is refused."""
    agent = start_agent(store=keys_copy, extra=("--tsa-url", f"{tsa_server.url}/pki/tsp"))
    # two different documents: the same one signed twice within a second has the same RSA signature
    documents = (base64.b64encode(DOCUMENT + bytes([n])).decode() for n in range(2))
    first, second = (
        _der(_sign(agent, _sign_args(tsa_profile={}, data=data))["body"]["result"]) for data in documents
    )
    moved = cms.ContentInfo.load(second)
    moved["content"]["signer_infos"][0]["unsigned_attrs"] = cms.ContentInfo.load(first)["content"][
        "signer_infos"
    ][0]["unsigned_attrs"]
    root = x509.load_pem_x509_certificate(test_ca.root_path.read_bytes())
    verdict = verify_cms(moved.dump(), trust_roots=[root], revocation="none")
    assert Reason.TIMESTAMP_INVALID in verdict.reasons


def test_the_published_ncalayer_client_gets_cades_t_with_its_time_stamp_presets(
    start_agent, keys_copy, tsa_server, test_ca, tmp_path
):
    """ncalayer-js-client's basicsCMSParamsAttached / Detached (tsaProfile: {}) over wss://, in Node."""
    import json
    import os
    from pathlib import Path

    node = shutil.which("node")
    harness = Path(__file__).parent / "js"
    assert node and (harness / "node_modules" / "ncalayer-js-client").is_dir(), (
        "npm ci --prefix tests/agent/js"
    )
    agent = start_agent(store=keys_copy, tls=True, extra=("--tsa-url", f"{tsa_server.url}/pki/tsp"))
    run = subprocess.run(
        [node, "drive-agent-tsa.js", agent.url, base64.b64encode(DOCUMENT).decode()],
        cwd=harness,
        env=dict(os.environ, NODE_EXTRA_CA_CERTS=str(agent.tls_ca)),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    results = json.loads(run.stdout)
    root = x509.load_pem_x509_certificate(test_ca.root_path.read_bytes())
    for name, content in (("attached", None), ("detached", DOCUMENT)):
        der = _der(results[name]) if results[name].startswith("-----") else base64.b64decode(results[name])
        verdict = verify_cms(der, content=content, trust_roots=[root], revocation="none")
        assert verdict.ok and verdict.timestamp.verified, (name, verdict.messages, verdict.timestamp)
        checked = openssl_verify_cms(der, test_ca.root_path, tmp_path / name, content=content, pem=False)
        assert checked.ok, checked.stderr
