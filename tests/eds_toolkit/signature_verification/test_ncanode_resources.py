"""NCANode's own test resources (../shared/testdata/nca/ncanode, EXPECTED.md) through our verifier.

Each test names the EXPECTED.md row it checks. Where our verdict differs from NCANode's on purpose,
the test says why: NCANode's CMS tests check the signatures' cryptography and the signer count,
not the signing time against the certificate's life, which this verifier refuses (issue 13).
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from click.testing import CliRunner
from cryptography import x509

from eds_toolkit.cli import main
from eds_toolkit.signatures import Reason, SignatureInputError, verify_cms_signers
from tests.testdata import shared_file

NCANODE = "nca/ncanode"
RSA_SIGNER = "ТЕСТОВ ТЕСТ"  # the RSA signer of SIGNED_CMS (its certificate: 2021-01-18 to 2022-01-18)
GOST_SIGNER = "ТЕСТТОВ ТЕСТТ"  # the GOST 34.10-2015 signer
NOT_CHECKED_CRYPTO = {Reason.SIGNATURE_INVALID, Reason.CONTENT_MODIFIED, Reason.ALGORITHM_UNSUPPORTED}


def _certificate(relative: str) -> x509.Certificate:
    data = shared_file(f"{NCANODE}/{relative}").read_bytes()
    if data.lstrip().startswith(b"-----"):
        return x509.load_pem_x509_certificate(data)
    return x509.load_der_x509_certificate(data)


@pytest.fixture(scope="module")
def roots() -> list[x509.Certificate]:
    return [_certificate("ca/nca_rsa_test.crt"), _certificate("ca/nca_gost2015_test.cer")]


def _cms(name: str) -> bytes:
    return shared_file(f"{NCANODE}/cms/{name}").read_bytes()


def _by_name(verdict):
    return {signer.signer.common_name: signer for signer in verdict.signers}


@pytest.mark.parametrize(
    ("row", "name", "content"),
    [
        ("S1", "CmsServiceTest.SIGNED_CMS.der", None),
        ("S2", "CmsServiceTest.SIGNED_DETACHED_CMS.der", b"test123"),
    ],
)
def test_two_signers_each_with_their_own_verdict(roots, row, name, content):
    """S1/S2 (NCANode: valid, 2 signers). Both signers read, both signatures verify (what NCANode's
    test checks): the GOST 34.10-2015 signer is valid. The RSA signer's certificate had expired when
    it claims to have signed (2021-01-18 to 2022-01-18, signed 2022-09-27), which we refuse and
    NCANode's test does not look at: that is the one difference, on purpose."""
    verdict = verify_cms_signers(
        _cms(name),
        content=content,
        trust_roots=roots,
        at=dt.datetime(2022, 10, 2, tzinfo=dt.UTC),
        revocation="none",  # as NCANode's test: no CRL or OCSP asked for
    )
    signers = _by_name(verdict)
    assert sorted(signers) == sorted([RSA_SIGNER, GOST_SIGNER]), row
    assert signers[GOST_SIGNER].ok, signers[GOST_SIGNER].messages
    rsa_signer = signers[RSA_SIGNER]
    assert not NOT_CHECKED_CRYPTO & set(rsa_signer.reasons)
    assert rsa_signer.content_digest == "ecd71870d1963316a97e3ac3408c9835ad8cf0f3c1bc703527c30265534f75ae"
    assert rsa_signer.reasons == (Reason.SIGNING_TIME_OUTSIDE_VALIDITY, Reason.CERTIFICATE_EXPIRED)
    assert not verdict.ok


def test_detached_with_other_content_is_modified(roots):
    """S2 with the wrong content: the RSA signer's digest no longer matches."""
    verdict = verify_cms_signers(
        _cms("CmsServiceTest.SIGNED_DETACHED_CMS.der"), content=b"test124", trust_roots=roots
    )
    assert Reason.CONTENT_MODIFIED in _by_name(verdict)[RSA_SIGNER].reasons


def test_one_signer_cms(roots):
    """S3 (NCANode: 1 signer, a valid CMS to add signers to)."""
    verdict = verify_cms_signers(_cms("CmsServiceTest.SIGNED_CMS_ONE_SIGNER.der"), trust_roots=roots)
    (signer,) = verdict.signers
    assert signer.signer.common_name == RSA_SIGNER
    assert not NOT_CHECKED_CRYPTO & set(signer.reasons)


def test_lol_kek_is_not_valid_today_nor_as_of_2021(roots):
    """S4 (NCANode: !valid today, 1 signer). S4b: as of 2021-06-01 it claims to be signed in 2022,
    after the time checked and after its certificate expired: refused (no longer "valid then")."""
    today = verify_cms_signers(_cms("CmsIntegrationTest.SIGNED_CMS.der"), trust_roots=roots)
    assert len(today.signers) == 1 and not today.ok
    then = verify_cms_signers(
        _cms("CmsIntegrationTest.SIGNED_CMS.der"),
        trust_roots=roots,
        at=dt.datetime(2021, 6, 1, tzinfo=dt.UTC),
        revocation="none",
    )
    (signer,) = then.signers
    assert signer.reasons == (Reason.SIGNING_TIME_AFTER_CHECK, Reason.SIGNING_TIME_OUTSIDE_VALIDITY)


def test_detached_without_content_is_an_input_error(roots):
    """S5 (NCANode: extracting the content of a detached CMS throws)."""
    with pytest.raises(SignatureInputError, match="detached"):
        verify_cms_signers(_cms("CmsServiceTest.SIGNED_DETACHED_CMS.der"), trust_roots=roots)


def _verify_cert(tmp_path, certificate: str, *extra: str):
    keystores = shared_file(f"{NCANODE}/keystores-2018/{certificate}").parent
    args = ["--home", str(tmp_path), "verify-cert", str(keystores / certificate)]
    args += ["--at", "2019-01-01T00:00:00Z", "--format", "json"]
    args += [str(keystores / item) if item.endswith(".crt") else item for item in extra]
    result = CliRunner().invoke(main, args)
    return result.exit_code, json.loads(result.output)


@pytest.mark.parametrize(
    ("row", "certificate", "profile"),
    [
        ("V4", "AUTH_RSA256_6b361b864c679601b652fe387f61fcd9303c0327.crt.pem", "auth"),
        ("V6", "RSA256_8426360556902ce4ac33977836f873e1dc190976.crt.pem", "sign"),
    ],
)
def test_2018_certificates_trusting_the_issuing_ca(tmp_path, row, certificate, profile):
    code, verdict = _verify_cert(tmp_path, certificate, "--trust", "nca_rsa.crt")
    assert code == 0, verdict
    assert verdict["holder"]["profile"] == profile and len(verdict["chain"]) == 2


@pytest.mark.parametrize(
    "certificate",
    [
        "AUTH_RSA256_6b361b864c679601b652fe387f61fcd9303c0327.crt.pem",
        "RSA256_8426360556902ce4ac33977836f873e1dc190976.crt.pem",
    ],
)
def test_2018_certificates_trusting_only_the_national_root_with_an_intermediate(tmp_path, certificate):
    """V5: root -> national CA -> citizen, with the national CA given by --intermediate."""
    code, verdict = _verify_cert(
        tmp_path, certificate, "--trust", "root_rsa.crt", "--intermediate", "nca_rsa.crt"
    )
    assert code == 0, verdict
    assert [subject.split("CN=")[-1].split(",")[0] for subject in verdict["chain"][1:]] == [
        "ҰЛТТЫҚ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ (RSA)",
        "НЕГІЗГІ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ (RSA)",
    ]
    code, without = _verify_cert(tmp_path, certificate, "--trust", "root_rsa.crt")
    assert code == 1 and without["reasons"] == ["path_invalid"]
