"""NCANode's GOST resources (../shared/testdata/nca/ncanode, EXPECTED.md) give the outcomes NCANode's
tests expect: GOST 34.10-2015 (Streebog-512) and GOST 34.310-2004 (GOST 34.311-95) certificates,
CRLs, OCSP responses, CMS and keystores of the national CA's test hierarchies.

Each test names its EXPECTED.md row. A signature verifying under its issuer's key is the proof; each
has a counterpart that must fail (another CA's key, a changed byte).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from pathlib import Path

import pytest
from asn1crypto import cms, tsp
from click.testing import CliRunner
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from lxml import etree
from signature_helpers import TESTDATA

from eds_toolkit.cli import main
from eds_toolkit.signatures import Reason, gost, verify_certificate, verify_cms
from eds_toolkit.signatures.revocation import check_with_crls, check_with_ocsp, read_ocsp_response
from keystore.certificates_only import read_keystore_certificates
from keystore.errors import WrongPassword
from keystore.pkcs12 import inspect_keystore, open_keystore

NCANODE = TESTDATA.resolve() / "nca" / "ncanode"
UTC = dt.UTC
IN_2022 = dt.datetime(2022, 8, 1, tzinfo=UTC)  # both GOST test CAs and their users' certificates valid
OCSP_TIME = dt.datetime(2022, 9, 2, 17, 0, tzinfo=UTC)  # minutes after the responses were produced
AFTER_SIGNING = dt.datetime(2022, 10, 2, tzinfo=UTC)  # S1/S2 claim 2022-09-27: checked after that


def load(relative: str) -> x509.Certificate:
    data = (NCANODE / relative).read_bytes()
    if b"-----BEGIN" in data:  # the keystores' .crt.pem files start with OpenSSL's "Bag Attributes"
        return x509.load_pem_x509_certificate(data[data.index(b"-----BEGIN") :])
    return x509.load_der_x509_certificate(data)


def read(relative: str) -> bytes:
    return (NCANODE / relative).read_bytes()


def keystore(name: str) -> tuple[bytes, str]:
    path = NCANODE / "keystores" / f"{name}.p12"
    return path.read_bytes(), path.with_suffix(".pw").read_text().strip()


NCA_GOST_2004 = "ca/nca_gost_test.crt"
NCA_GOST_2015 = "ca/nca_gost2015_test.cer"
CEO_2004 = "certs/ceo_valid_sign_2004_gost.cer"
CEO_REVOKED_2004 = "keystores/KEY_CEO_SIGN_REVOKED_2004.crt.pem"
CEO_REVOKED_2015 = "keystores/KEY_CEO_REVOKED_2015.crt.pem"
INDIVIDUAL_2015 = "keystores/KEY_INDIVIDUAL_VALID_2015.crt.pem"
KNCA_2018 = "keystores-2018/GOSTKNCA_f8a422238209b6e753116431b69b09178f14e9d7"


def changed_byte(data: bytes, offset_from_end: int = 10) -> bytes:
    position = len(data) - offset_from_end
    return data[:position] + bytes([data[position] ^ 0x01]) + data[position + 1 :]


# --- certificates -----------------------------------------------------------------------------------


def test_c3_ceo_gost_2004_certificate_chains_to_nca_gost():
    verdict = verify_certificate(
        load(CEO_2004), trust_roots=[load(NCA_GOST_2004)], at=IN_2022, revocation="none"
    )
    assert verdict.ok, verdict.messages
    assert verdict.chain[-1] == "CN=ҰКО 3.0 (GOST TEST),C=KZ"
    assert verdict.holder.iin == "123456789011"


def test_c4_individual_gost_2015_certificate_chains_to_nca_gost2015():
    verdict = verify_certificate(
        load(INDIVIDUAL_2015), trust_roots=[load(NCA_GOST_2015)], at=IN_2022, revocation="none"
    )
    assert verdict.ok, verdict.messages
    assert "(GOST) TEST 2022" in verdict.chain[-1]


def test_a_gost_certificate_does_not_chain_to_another_gost_ca():
    verdict = verify_certificate(
        load(CEO_2004), trust_roots=[load(NCA_GOST_2015)], at=IN_2022, revocation="none"
    )
    assert Reason.PATH_INVALID in verdict.reasons


@pytest.mark.parametrize("relative", [CEO_2004, INDIVIDUAL_2015])
def test_a_changed_byte_in_a_gost_certificate_breaks_its_signature(relative):
    original = load(relative)
    signature = original.signature
    der = original.public_bytes(serialization.Encoding.DER)
    altered = x509.load_der_x509_certificate(der[: -len(signature)] + changed_byte(signature, 5))
    issuer = load(NCA_GOST_2004 if relative == CEO_2004 else NCA_GOST_2015)
    verdict = verify_certificate(altered, trust_roots=[issuer], at=IN_2022, revocation="none")
    assert verdict.reasons == (Reason.PATH_INVALID,)
    assert gost.verify_issued_by(original, issuer) and not gost.verify_issued_by(altered, issuer)


def test_v7_gost_2018_certificate_valid_in_2019_trusting_the_gost_root_only():
    user = load(f"{KNCA_2018}.crt.pem")
    verdict = verify_certificate(
        user,
        trust_roots=[load("keystores-2018/root_gost.crt")],
        intermediates=[load("keystores-2018/nca_gost.crt")],
        at=dt.datetime(2019, 6, 1, tzinfo=UTC),
        revocation="none",
    )
    assert verdict.ok, verdict.messages
    assert len(verdict.chain) == 3  # user -> NCA (GOST) -> root (GOST), each GOST 34.310-2004


# --- CRLs (R3, R5, R6) ------------------------------------------------------------------------------


def test_r3_revoked_ceo_gost_2004_certificate_is_in_the_gost_crl():
    verdict = verify_certificate(
        load(CEO_REVOKED_2004),
        trust_roots=[load(NCA_GOST_2004)],
        at=dt.datetime(2022, 6, 1, tzinfo=UTC),
        revocation="crl",
        crls=[read("crl/nca_gost_test.crl")],
    )
    assert verdict.reasons == (Reason.CERTIFICATE_REVOKED,)
    assert verdict.revocation.source == "crl" and verdict.revocation.status == "revoked"


def test_r5_revoked_ceo_gost_2015_certificate_is_in_the_gost_2022_crl():
    verdict = verify_certificate(
        load(CEO_REVOKED_2015),
        trust_roots=[load(NCA_GOST_2015)],
        at=IN_2022,
        revocation="crl",
        crls=[read("crl/nca_gost2022_test.crl")],
    )
    assert verdict.reasons == (Reason.CERTIFICATE_REVOKED,)


def test_r6_valid_individual_gost_2015_certificate_is_active():
    verdict = verify_certificate(
        load(INDIVIDUAL_2015),
        trust_roots=[load(NCA_GOST_2015)],
        at=IN_2022,
        revocation="crl",
        crls=[read("crl/nca_gost2022_test.crl")],
    )
    assert verdict.ok, verdict.messages
    assert verdict.revocation.status == "good"


def test_a_gost_crl_with_a_changed_signature_decides_nothing():
    crl = read("crl/nca_gost2022_test.crl")
    check = check_with_crls(load(INDIVIDUAL_2015), load(NCA_GOST_2015), [changed_byte(crl)], IN_2022)
    assert check.status == "unknown"
    assert "does not verify" in check.detail


# --- OCSP (O1, O2, O4) ------------------------------------------------------------------------------


def test_o1_ocsp_says_the_ceo_gost_2015_certificate_is_revoked():
    verdict = verify_certificate(
        load(CEO_REVOKED_2015),
        trust_roots=[load(NCA_GOST_2015)],
        at=OCSP_TIME,
        revocation="ocsp",
        ocsp_responses=[read("ocsp/ocsp_response_ceo_2015_revoked.bin")],
    )
    assert verdict.reasons == (Reason.CERTIFICATE_REVOKED,)
    assert verdict.revocation.source == "ocsp"


def test_o2_ocsp_says_the_ceo_gost_2004_certificate_is_revoked():
    issuer = load(NCA_GOST_2004)
    response = read("ocsp/ocsp_response_ceo_sign_2004_revoked.bin")
    info = read_ocsp_response(response, issuer)
    assert info.signature_valid and info.responder_authorised  # a responder the GOST CA certified
    verdict = verify_certificate(
        load(CEO_REVOKED_2004),
        trust_roots=[issuer],
        at=OCSP_TIME,
        revocation="ocsp",
        ocsp_responses=[response],
    )
    assert verdict.reasons == (Reason.CERTIFICATE_REVOKED,)


def test_o4_a_gost_ocsp_response_with_another_nonce_is_unknown():
    certificate, issuer = load(INDIVIDUAL_2015), load(NCA_GOST_2015)
    response = read("ocsp/ocsp_response_individual_2015.bin")
    replayed = check_with_ocsp(certificate, issuer, [response], OCSP_TIME, nonce=b"our request's nonce")
    assert replayed.status == "unknown" and "nonce" in replayed.detail
    echoed = read_ocsp_response(response, issuer).nonce
    assert echoed is not None
    assert check_with_ocsp(certificate, issuer, [response], OCSP_TIME, nonce=echoed).status == "revoked"


def test_a_gost_ocsp_response_checked_against_another_ca_is_not_trusted():
    check = check_with_ocsp(
        load(CEO_REVOKED_2015),
        load(NCA_GOST_2004),
        [read("ocsp/ocsp_response_ceo_2015_revoked.bin")],
        OCSP_TIME,
    )
    assert check.status == "unknown"


# --- CMS: the GOST 2015 signer of NCANode's two-signer CMS, on its own -----------------------------


def gost_signer_only(relative: str) -> bytes:
    info = cms.ContentInfo.load(read(relative))
    signed = info["content"]
    signed["signer_infos"] = cms.SignerInfos(
        [
            si
            for si in signed["signer_infos"]
            if si["signature_algorithm"]["algorithm"].dotted.startswith("1.2.398")
        ]
    )
    return info.dump(force=True)


@pytest.mark.parametrize(
    ("relative", "content"),
    [("cms/CmsServiceTest.SIGNED_CMS.der", None), ("cms/CmsServiceTest.SIGNED_DETACHED_CMS.der", b"test123")],
)
def test_s1_s2_the_gost_2015_signer_verifies(relative, content):
    verdict = verify_cms(
        gost_signer_only(relative),
        content=content,
        trust_roots=[load(NCA_GOST_2015)],
        at=AFTER_SIGNING,
        revocation="none",
    )
    assert verdict.ok, verdict.messages
    assert verdict.digest_algorithm == gost.STREEBOG_512
    assert verdict.signer.iin == "123456789012"


def test_the_gost_2015_detached_signature_does_not_fit_other_content():
    verdict = verify_cms(
        gost_signer_only("cms/CmsServiceTest.SIGNED_DETACHED_CMS.der"),
        content=b"test124",
        trust_roots=[load(NCA_GOST_2015)],
        at=AFTER_SIGNING,
        revocation="none",
    )
    assert verdict.reasons == (Reason.CONTENT_MODIFIED,)


# --- a GOST 34.310-2004 CMS: the national CA's timestamp token ---------------------------------------


@pytest.mark.parametrize("relative", ["tsp/tsp_token.bin", "tsp/tsp_response.bin"])
def test_the_tsa_token_is_a_gost_2004_cms_whose_digest_and_signature_verify(relative):
    if relative.endswith("response.bin"):
        token = tsp.TimeStampResp.load(read(relative))["time_stamp_token"]
    else:
        token = cms.ContentInfo.load(read(relative))
    signed = token["content"]
    signer = signed["signer_infos"][0]
    tst_info = signed["encap_content_info"]["content"].contents
    attributes = {attribute["type"].native: attribute["values"] for attribute in signer["signed_attrs"]}
    assert signer["digest_algorithm"]["algorithm"].dotted == gost.GOST_34311_95
    assert attributes["message_digest"][0].native == gost.digest(gost.GOST_34311_95, tst_info)
    assert attributes["message_digest"][0].native != gost.digest(gost.GOST_34311_95, changed_byte(tst_info))
    tsa = x509.load_der_x509_certificate(signed["certificates"][0].chosen.dump())
    signed_attributes = b"\x31" + signer["signed_attrs"].dump()[1:]
    algorithm = signer["signature_algorithm"]["algorithm"].dotted
    assert gost.verify(gost.spki_of(tsa), algorithm, signer["signature"].native, signed_attributes)
    assert not gost.verify(
        gost.spki_of(tsa), algorithm, signer["signature"].native, changed_byte(signed_attributes)
    )
    assert gost.verify_issued_by(tsa, load(NCA_GOST_2004))


# --- XMLDSig: the GOST 2015 signer of NCANode's two-signer XML (the XML verifier's building blocks) ---

DS = {"ds": "http://www.w3.org/2000/09/xmldsig#"}


def gost_xml_signature(document: bytes):
    tree = etree.fromstring(document)
    for signature in tree.findall(".//ds:Signature", DS):
        method = signature.find("ds:SignedInfo/ds:SignatureMethod", DS).get("Algorithm")
        if method in gost.XML_SIGNATURE_METHODS:
            return tree, signature, gost.XML_SIGNATURE_METHODS[method]
    raise AssertionError("no GOST signature")


def test_the_gost_xml_signature_value_and_digest_value_verify():
    tree, signature, algorithm = gost_xml_signature(
        read("xml/XmlServiceTest.XML_SIGNED_VALID_STRING_TWO_SIGNERS.xml")
    )
    signed_info = etree.tostring(signature.find("ds:SignedInfo", DS), method="c14n")
    value = base64.b64decode("".join(signature.find("ds:SignatureValue", DS).text.split()))
    certificate = x509.load_der_x509_certificate(
        base64.b64decode("".join(signature.find(".//ds:X509Certificate", DS).text.split()))
    )
    assert gost.verify(gost.spki_of(certificate), algorithm, value, signed_info)
    assert not gost.verify(gost.spki_of(certificate), algorithm, value, changed_byte(signed_info, 30))
    assert gost.verify_issued_by(certificate, load(NCA_GOST_2015))
    reference = signature.find("ds:SignedInfo/ds:Reference", DS)
    digest_method = gost.XML_DIGEST_METHODS[reference.find("ds:DigestMethod", DS).get("Algorithm")]
    signature.getparent().remove(signature)  # the enveloped-signature transform, then C14N
    assert base64.b64decode(reference.find("ds:DigestValue", DS).text) == gost.digest(
        digest_method, etree.tostring(tree, method="c14n")
    )


# --- keystores (K2, K5, K9, K10, V3) ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "alias_start", "issuer"),
    [
        ("KEY_INDIVIDUAL_VALID_2015", "8ff06211", NCA_GOST_2015),  # K2
        ("KEY_CEO_SIGN_REVOKED_2004", "f91cff24", NCA_GOST_2004),  # K9
        ("KEY_CEO_REVOKED_2015", "3a90343e", NCA_GOST_2015),  # K10
    ],
)
def test_k2_k9_k10_gost_keystores_open_for_their_certificates(name, alias_start, issuer):
    data, password = keystore(name)
    opened = read_keystore_certificates(data, password)
    assert opened.alias.startswith(alias_start)
    assert gost.is_gost_key(gost.spki_of(opened.certificate))
    assert gost.verify_issued_by(opened.certificate, load(issuer))
    assert opened.certificate == load(f"keystores/{name}.crt.pem")


def test_v3_the_2018_gost_keystore_opens_and_its_certificate_is_valid_in_2019():
    opened = read_keystore_certificates((NCANODE / f"{KNCA_2018}.p12").read_bytes(), "Qwerty12")
    assert opened.alias == "f8a422238209b6e753116431b69b09178f14e9d7"
    verdict = verify_certificate(
        opened.certificate,
        trust_roots=[load("keystores-2018/nca_gost.crt")],
        at=dt.datetime(2019, 6, 1, tzinfo=UTC),
        revocation="none",
    )
    assert verdict.ok, verdict.messages


def test_k5_a_gost_keystore_with_a_wrong_password_is_refused_as_such():
    data, _ = keystore("KEY_INDIVIDUAL_VALID_2015")
    with pytest.raises(WrongPassword):
        read_keystore_certificates(data, "invalidpassword000")
    with pytest.raises(WrongPassword):
        open_keystore(data, "invalidpassword000")


@pytest.mark.parametrize(
    ("path", "password", "key"),
    [
        (f"{KNCA_2018}.p12", "Qwerty12", ("GOST 34.310-2004", 256)),
        ("keystores/KEY_INDIVIDUAL_VALID_2015.p12", "Aa123456", ("GOST 34.10-2015", 512)),
    ],
)
def test_eds_keystore_inspect_describes_a_gost_keystore_and_names_it_as_the_national_ca_does(
    path, password, key
):
    info = inspect_keystore((NCANODE / path).read_bytes(), password)
    assert (info.key_algorithm, info.key_size) == key
    assert info.file_name_expected.split("_")[0] in ("GOSTKNCA", "GOST512")
    assert info.file_name_expected.endswith(f"_{info.friendly_name}.p12")
    if path.startswith("keystores-2018"):  # the real file's name, as the national CA issued it
        assert info.file_name_expected == Path(path).name
    assert info.signature_algorithm in ("ECGOST34310", "ECGOST3410-2015-512")


# --- without gost-engine's programs -----------------------------------------------------------------


def test_without_gostsum_a_gost_2004_path_is_unsupported_and_2015_still_verifies(monkeypatch, tmp_path: Path):
    monkeypatch.setenv("PATH", str(tmp_path))  # neither gostsum nor gost12sum: Streebog from gostcrypto
    old = verify_certificate(load(CEO_2004), trust_roots=[load(NCA_GOST_2004)], at=IN_2022, revocation="none")
    assert old.reasons == (Reason.PATH_INVALID,)
    assert "unsupported algorithm: GOST 34.310-2004" in old.messages[0]
    new = verify_certificate(
        load(INDIVIDUAL_2015), trust_roots=[load(NCA_GOST_2015)], at=IN_2022, revocation="none"
    )
    assert new.ok, new.messages
    crl = check_with_crls(
        load(CEO_REVOKED_2004), load(NCA_GOST_2004), [read("crl/nca_gost_test.crl")], IN_2022
    )
    assert crl.status == "unknown" and "GOST 34.310-2004" in crl.detail


def test_streebog_of_gost_engine_and_of_gostcrypto_agree(monkeypatch, tmp_path: Path):
    data = load(INDIVIDUAL_2015).tbs_certificate_bytes
    with_programs = [gost.digest(algorithm, data) for algorithm in (gost.STREEBOG_256, gost.STREEBOG_512)]
    monkeypatch.setenv("PATH", str(tmp_path))
    assert with_programs == [
        gost.digest(algorithm, data) for algorithm in (gost.STREEBOG_256, gost.STREEBOG_512)
    ]
    assert [len(value) for value in with_programs] == [32, 64]


# --- the command line --------------------------------------------------------------------------------


def test_eds_verify_cert_checks_gost_certificates_with_their_crl_and_ocsp(tmp_path: Path):
    def run(*args) -> tuple[int, dict]:
        result = CliRunner().invoke(main, ["--home", str(tmp_path), "verify-cert", *map(str, args)])
        return result.exit_code, json.loads(result.output)

    code, verdict = run(
        NCANODE / CEO_2004,
        "--trust", NCANODE / NCA_GOST_2004,
        "--crl", NCANODE / "crl/nca_gost_test.crl",
        "--at", "2022-06-01T00:00:00Z",
        "--format", "json",
    )  # fmt: skip
    assert code == 0 and verdict["revocation"]["status"] == "good"
    code, verdict = run(
        NCANODE / CEO_REVOKED_2015,
        "--trust", NCANODE / NCA_GOST_2015,
        "--ocsp", NCANODE / "ocsp/ocsp_response_ceo_2015_revoked.bin",
        "--at", "2022-09-02T17:00:00Z",
        "--format", "json",
    )  # fmt: skip
    assert code == 1 and verdict["reasons"] == ["certificate_revoked"]


def test_a_gost_key_on_curve_parameters_we_do_not_know_gives_a_verdict_not_a_traceback():
    known = bytes.fromhex("060a2a830e030a01010202" + "01")  # 1.2.398.3.10.1.1.2.2.1, TC26 512 paramSetA
    unknown = bytes.fromhex("060a2a830e030a01010202" + "09")
    root_der = load(NCA_GOST_2015).public_bytes(serialization.Encoding.DER)
    assert root_der.count(known) == 1
    strange_root = x509.load_der_x509_certificate(root_der.replace(known, unknown))
    verdict = verify_certificate(
        load(INDIVIDUAL_2015), trust_roots=[strange_root], at=IN_2022, revocation="none"
    )
    assert verdict.reasons == (Reason.PATH_INVALID,)
    assert "curve parameters 1.2.398.3.10.1.1.2.2.9" in verdict.messages[0]


def test_eds_verify_checks_a_gost_2004_cms_and_without_gostsum_says_unsupported(tmp_path: Path, monkeypatch):
    token = NCANODE / "tsp/tsp_token.bin"  # the TSA's token: a CMS signed with GOST 34.310-2004
    args = ["--home", str(tmp_path), "verify", str(token), "--trust", str(NCANODE / NCA_GOST_2004)]
    args += ["--at", "2022-09-18T13:30:00Z", "--format", "json"]
    result = CliRunner().invoke(main, args)
    verdict = json.loads(result.output)
    assert result.exit_code == 1  # a TSA certificate is not a signer's (no digitalSignature)...
    assert verdict["reasons"] == ["path_invalid"]  # ...but its digest and signature verify
    assert verdict["digest_algorithm"] == gost.GOST_34311_95
    monkeypatch.setenv("PATH", str(tmp_path))
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1  # a verdict for its one signer: the algorithm cannot be checked
    verdict = json.loads(result.output)
    assert verdict["reasons"] == ["algorithm_unsupported"]
    assert "unsupported algorithm: GOST 34.310-2004" in verdict["messages"][0]
