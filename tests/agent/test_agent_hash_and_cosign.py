"""The rest of NCALayer's CMS protocol against `eds agent`: signing a given hash, adding a signer to an
existing CMS, createCMSSignatureFromBase64, the ``uuid`` echo. OpenSSL and our verifier check the
results (each signer its own verdict)."""

from __future__ import annotations

import base64
import hashlib
import json

import pytest
from asn1crypto import cms
from cryptography import x509
from websockets.sync.client import connect

from eds_toolkit.signatures import verify_cms_signers

from .conftest import call, certificate_files, verify_cms

BASICS = "kz.gov.pki.knca.basics"
COMMON = "kz.gov.pki.knca.commonUtils"
DOCUMENT = "Бір құжат, екі қол / one document, two signatures\n".encode()
B64 = base64.b64encode(DOCUMENT).decode()
HASH_B64 = base64.b64encode(hashlib.sha256(DOCUMENT).digest()).decode()


def _basics_args(data, *, digested=False, attached=False, oids=("1.3.6.1.5.5.7.3.4",)):
    return {
        "allowedStorages": ["PKCS12"],
        "format": "cms",
        "data": data,
        "signingParams": {"decode": True, "encapsulate": attached, "digested": digested},
        "signerParams": {"extKeyUsageOids": list(oids)},
        "locale": "en",
    }


@pytest.fixture
def agent(start_agent, keys_copy):
    return start_agent(store=keys_copy)


def _pem_to_der(text: str) -> bytes:
    return base64.b64decode("".join(line for line in text.splitlines() if not line.startswith("-----")))


def _signed_data(der: bytes) -> cms.SignedData:
    return cms.ContentInfo.load(der)["content"]


def _root(test_ca) -> x509.Certificate:
    return x509.load_pem_x509_certificate(test_ca.root_path.read_bytes())


def test_a_given_hash_is_signed_into_a_detached_cms_that_verifies_with_the_document(agent, test_ca, tmp_path):
    with connect(agent.url) as ws:
        ws.recv(timeout=10)
        basics = call(ws, BASICS, "sign", _basics_args(HASH_B64, digested=True))
        common = call(ws, COMMON, "createCAdESFromBase64Hash", ["PKCS12", "SIGNATURE", HASH_B64])

    assert basics["status"] is True, basics
    assert common["code"] == "200", common
    for label, der in (
        ("basics", _pem_to_der(basics["body"]["result"])),
        ("common", base64.b64decode(common["responseObject"])),
    ):
        signed = _signed_data(der)
        assert signed["encap_content_info"]["content"].native is None, label
        attributes = {
            a["type"].native: a["values"][0].native for a in signed["signer_infos"][0]["signed_attrs"]
        }
        assert attributes["message_digest"] == hashlib.sha256(DOCUMENT).digest()
        assert verify_cms(der, test_ca.root_path, tmp_path / label, pem=False, content=DOCUMENT).ok
        assert not verify_cms(der, test_ca.root_path, tmp_path / f"{label}-x", pem=False, content=b"other").ok
        verdict = verify_cms_signers(der, content=DOCUMENT, trust_roots=[_root(test_ca)], revocation="none")
        assert verdict.ok, verdict.describe()


def test_hash_requests_ncalayer_cannot_mean_are_refused_before_asking(agent):
    with connect(agent.url) as ws:
        ws.recv(timeout=10)
        short = call(ws, BASICS, "sign", _basics_args("MTEK", digested=True))  # "11\n" is no SHA-256
        encapsulated = call(ws, BASICS, "sign", _basics_args(HASH_B64, digested=True, attached=True))
        empty = call(ws, COMMON, "createCAdESFromBase64Hash", ["PKCS12", "SIGNATURE", ""])
        mismatch = call(ws, COMMON, "createCAdESFromBase64Hash", ["PKCS12", 0, "123"])

    assert short["status"] is False and short["code"] == "INVALID_SIGNING_PARAMS"
    assert "SHA-256" in short["message"] and "3 bytes" in short["message"]
    assert encapsulated["status"] is False and "cannot be encapsulated" in encapsulated["message"]
    assert empty["code"] == "500" and "SHA-256" in empty["message"]
    assert mismatch == {"code": "500", "message": "argument type mismatch. Method: createCAdESFromBase64Hash"}


def test_a_cms_given_as_data_gets_a_second_signer(agent, keys_copy, test_ca, tmp_path):
    """As NCALayer: the data to sign is itself a CMS, so the new signature is added to it."""
    with connect(agent.url) as ws:
        ws.recv(timeout=10)
        first = call(ws, COMMON, "createCAdESFromBase64", ["PKCS12", "SIGNATURE", B64, True])
        both = call(
            ws, COMMON, "createCAdESFromBase64", ["PKCS12", "AUTHENTICATION", first["responseObject"], True]
        )
        detached = call(ws, BASICS, "sign", _basics_args(B64))
        cosigned = call(
            ws,
            BASICS,
            "sign",
            _basics_args(
                base64.b64encode(_pem_to_der(detached["body"]["result"])).decode(), oids=["1.3.6.1.5.5.7.3.2"]
            ),
        )

    der = base64.b64decode(both["responseObject"])
    assert len(_signed_data(der)["signer_infos"]) == 2
    opened = verify_cms(der, test_ca.root_path, tmp_path / "attached", pem=False, any_purpose=True)
    assert opened.ok, opened.stderr
    assert opened.content == DOCUMENT
    verdict = verify_cms_signers(der, trust_roots=[_root(test_ca)], revocation="none")
    assert verdict.ok, verdict.describe()
    assert [signer.signer.profile_label for signer in verdict.signers] == ["SIGN", "AUTH"]
    files = certificate_files(keys_copy)
    assert {signer.signer.serial for signer in verdict.signers} == {
        f"{_certificate(files[kind]).serial_number:x}" for kind in ("sign", "auth")
    }

    detached_both = _pem_to_der(cosigned["body"]["result"])
    assert len(_signed_data(detached_both)["signer_infos"]) == 2
    assert verify_cms(
        detached_both, test_ca.root_path, tmp_path / "d", pem=False, content=DOCUMENT, any_purpose=True
    ).ok
    two = verify_cms_signers(detached_both, content=DOCUMENT, trust_roots=[_root(test_ca)], revocation="none")
    assert two.ok and len(two.signers) == 2


def test_create_cms_signature_from_base64_needs_a_time_stamp_server(agent):
    with connect(agent.url) as ws:
        ws.recv(timeout=10)
        refused = call(ws, COMMON, "createCMSSignatureFromBase64", ["PKCS12", "SIGNATURE", B64, True])
        mismatch = call(ws, COMMON, "createCMSSignatureFromBase64", ["PKCS12", [7, 7, 7], "MTEK", False])

    assert refused["code"] == "500" and "time-stamp" in refused["message"]
    assert "createCAdESFromBase64" in refused["message"]
    assert mismatch == {
        "code": "500",
        "message": "argument type mismatch. Method: createCMSSignatureFromBase64",
    }


def test_a_requests_uuid_comes_back_in_its_reply(agent):
    with connect(agent.url) as ws:
        ws.recv(timeout=10)
        ws.send(json.dumps({"module": COMMON, "method": "getActiveTokens", "uuid": "a1b2-c3"}))
        answered = json.loads(ws.recv(timeout=30))
        ws.send(json.dumps({"module": BASICS, "method": "sign", "args": 555, "uuid": "d4"}))
        refused = json.loads(ws.recv(timeout=30))
        ws.send(json.dumps({"module": "no.such.module", "method": "x", "uuid": 7}))
        unknown = json.loads(ws.recv(timeout=30))
        plain = call(ws, COMMON, "getActiveTokens")

    assert answered == {"code": "200", "responseObject": [], "uuid": "a1b2-c3"}
    assert refused["status"] is False and refused["uuid"] == "d4"
    assert unknown["code"] == "MODULE_NOT_FOUND" and unknown["uuid"] == 7
    assert "uuid" not in plain


def _certificate(path):
    from keystore.pkcs12 import open_keystore

    from .conftest import PASSWORD

    return open_keystore(path.read_bytes(), PASSWORD).certificate
