"""One case per row of NCANode's EXPECTED.md (../shared/testdata/nca/ncanode), ids = the row ids.

Each case checks our library or CLI against the outcome NCANode's own tests state for that
resource. The thorough tests live in test_ncanode_gost.py, test_ncanode_resources.py and
test_signature_national_ca.py; the cases here are short re-checks that put every row under one
roof. A row we disagree with on purpose is a strict xfail whose reason says why.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
import test_ncanode_gost as gost_rows
from click.testing import CliRunner
from cryptography import x509
from test_ncanode_gost import NCANODE, load, read

from eds_toolkit.cli import main
from eds_toolkit.signatures import Reason, SignatureInputError, verify_certificate, verify_cms_signers
from eds_toolkit.signatures.certificate_info import signer_of
from eds_toolkit.signatures.revocation import check_with_crls, check_with_ocsp
from keystore.errors import CorruptKeystore, WrongPassword
from keystore.pkcs12 import inspect_keystore, open_keystore

UTC = dt.UTC
IN_2019 = dt.datetime(2019, 6, 1, tzinfo=UTC)  # the 2018 keystores' certificates: 2018-08 to 2019-08
CRL_TIME = dt.datetime(2022, 6, 1, tzinfo=UTC)  # inside the test CAs' CRLs (2022-03-29 to 2022-09-25)
OCSP_TIME = gost_rows.OCSP_TIME  # minutes after NCANode's OCSP responses were produced
IN_2022 = gost_rows.IN_2022
AFTER_SIGNING = gost_rows.AFTER_SIGNING  # S1/S2 claim 2022-09-27

NCA_RSA = "ca/nca_rsa_test.crt"
RSA_SIGN = "certs/individual_valid_sign_2004_rsa.cer"
RSA_AUTH = "certs/individual_valid_sign_2004_rsa_auth.cer"
CERT_INDIVIDUAL = "certs/WithTestData.CERT_INDIVIDUAL.pem"
VALID_SIGN_2004 = "keystores/KEY_INDIVIDUAL_VALID_SIGN_2004.crt.pem"  # 2021-01-18 to 2022-01-18
RSA_CRL = "crl/nca_rsa_test.crl"
AUTH_2018 = "keystores-2018/AUTH_RSA256_6b361b864c679601b652fe387f61fcd9303c0327"
SIGN_2018 = "keystores-2018/RSA256_8426360556902ce4ac33977836f873e1dc190976"
CRYPTO_FAILURES = {Reason.SIGNATURE_INVALID, Reason.CONTENT_MODIFIED, Reason.ALGORITHM_UNSUPPORTED}

SIGNING_TIME_AFTER_EXPIRY = (
    "NCANode's CMS test checks the signatures' cryptography and the signer count only. The RSA "
    "signer's certificate (2021-01-18 to 2022-01-18) had expired when the CMS claims it was signed "
    "(2022-09-27): we refuse a claimed signing time outside the certificate's life (issue 13); the "
    "GOST 2015 signer is valid, see test_ncanode_resources.py::test_two_signers_each_with_their_own_verdict"
)

Check = Callable[[Path], None]
CHECKS: dict[str, tuple[Check, str | None]] = {}


def row(row_id: str, *, disagree: str | None = None) -> Callable[[Check], Check]:
    """Register the check of an EXPECTED.md row; ``disagree`` is why we differ on purpose."""

    def register(check: Check) -> Check:
        assert row_id not in CHECKS, row_id
        CHECKS[row_id] = (check, disagree)
        return check

    return register


def rsa_verdict(relative: str, *, at: dt.datetime, **options):
    return verify_certificate(load(relative), trust_roots=[load(NCA_RSA)], at=at, **options)


def p12(relative: str) -> tuple[bytes, str]:
    """A keystore and the password NCANode's tests use (the 2018 ones: Qwerty12)."""
    path = NCANODE / f"{relative}.p12"
    password_file = path.with_suffix(".pw")
    return path.read_bytes(), password_file.read_text().strip() if password_file.exists() else "Qwerty12"


def eds(tmp: Path, *args: object):
    return CliRunner().invoke(main, ["--home", str(tmp / "home"), *map(str, args)])


# --- certificates -----------------------------------------------------------------------------------


@row("C1")
def _c1(tmp: Path) -> None:
    verdict = rsa_verdict(RSA_SIGN, at=CRL_TIME, revocation="none")
    assert verdict.ok, verdict.messages
    assert verdict.chain[-1] == load(NCA_RSA).subject.rfc4514_string() and verdict.holder.profile == "sign"


@row("C2")
def _c2(tmp: Path) -> None:
    verdict = rsa_verdict(RSA_AUTH, at=CRL_TIME, revocation="none")
    assert verdict.ok, verdict.messages
    assert len(verdict.chain) == 2 and verdict.holder.profile == "auth"


@row("C3")
def _c3(tmp: Path) -> None:
    gost_rows.test_c3_ceo_gost_2004_certificate_chains_to_nca_gost()


@row("C4")
def _c4(tmp: Path) -> None:
    gost_rows.test_c4_individual_gost_2015_certificate_chains_to_nca_gost2015()


@row("C5")
def _c5(tmp: Path) -> None:
    holder = signer_of(load(CERT_INDIVIDUAL))
    assert (holder.common_name, holder.iin, holder.profile) == ("ТЕСТОВ ТЕСТ", "123456789011", "sign")


@row("C6")
def _c6(tmp: Path) -> None:
    garbage = tmp / "asdasd.cer"
    garbage.write_bytes(b"YXNkYXNk")
    result = eds(tmp, "verify-cert", garbage, "--trust", NCANODE / NCA_RSA)
    assert result.exit_code == 2 and "is not a certificate" in result.output


@row("C7")
def _c7(tmp: Path) -> None:
    verdict = verify_certificate(load(CERT_INDIVIDUAL), trust_roots=[load(NCA_RSA)], revocation="none")
    assert not verdict.ok and verdict.reasons == (Reason.CERTIFICATE_EXPIRED,)


# --- CRLs -------------------------------------------------------------------------------------------


@row("R1")
def _r1(tmp: Path) -> None:
    verdict = rsa_verdict(
        "keystores/KEY_INDIVIDUAL_AUTH_REVOKED_2004.crt.pem",
        at=CRL_TIME,
        revocation="crl",
        crls=[read(RSA_CRL)],
    )
    assert verdict.reasons == (Reason.CERTIFICATE_REVOKED,) and verdict.revocation.source == "crl"


@row("R2")
def _r2(tmp: Path) -> None:
    verdict = rsa_verdict(
        "keystores/KEY_INDIVIDUAL_SIGN_REVOKED_2004.crt.pem",
        at=CRL_TIME,
        revocation="crl",
        crls=[read(RSA_CRL)],
    )
    assert verdict.reasons == (Reason.CERTIFICATE_REVOKED,) and verdict.revocation.status == "revoked"


@row("R3")
def _r3(tmp: Path) -> None:
    gost_rows.test_r3_revoked_ceo_gost_2004_certificate_is_in_the_gost_crl()


@row("R4")
def _r4(tmp: Path) -> None:
    at = dt.datetime(2022, 1, 1, tzinfo=UTC)  # inside the certificate's life
    verdict = rsa_verdict(VALID_SIGN_2004, at=at, revocation="crl", crls=[read(RSA_CRL)])
    assert verdict.ok, verdict.messages
    assert verdict.revocation.status == "good"


@row("R4b")
def _r4b(tmp: Path) -> None:
    """The CRL says ACTIVE as NCANode's does; the whole verdict adds that the certificate expired."""
    check = check_with_crls(load(VALID_SIGN_2004), load(NCA_RSA), [read(RSA_CRL)], CRL_TIME)
    assert check.status == "good" and check.source == "crl"
    verdict = rsa_verdict(VALID_SIGN_2004, at=CRL_TIME, revocation="crl", crls=[read(RSA_CRL)])
    assert verdict.reasons == (Reason.CERTIFICATE_EXPIRED,)


@row("R5")
def _r5(tmp: Path) -> None:
    gost_rows.test_r5_revoked_ceo_gost_2015_certificate_is_in_the_gost_2022_crl()


@row("R6")
def _r6(tmp: Path) -> None:
    gost_rows.test_r6_valid_individual_gost_2015_certificate_is_active()


@row("R7")
def _r7(tmp: Path) -> None:
    verdict = rsa_verdict(RSA_SIGN, at=CRL_TIME, revocation="crl", crls=[read(RSA_CRL)])
    assert verdict.ok, verdict.messages
    assert verdict.revocation.status == "good" and "Not listed" in verdict.revocation.detail


# --- OCSP -------------------------------------------------------------------------------------------


@row("O1")
def _o1(tmp: Path) -> None:
    gost_rows.test_o1_ocsp_says_the_ceo_gost_2015_certificate_is_revoked()


@row("O2")
def _o2(tmp: Path) -> None:
    gost_rows.test_o2_ocsp_says_the_ceo_gost_2004_certificate_is_revoked()


@row("O3")
def _o3(tmp: Path) -> None:
    """The response is about KEY_INDIVIDUAL_VALID_SIGN_2004's certificate (serial 4279390a…)."""
    response = read("ocsp/ocsp_response_individual_sign_2004.bin")
    check = check_with_ocsp(load(VALID_SIGN_2004), load(NCA_RSA), [response], OCSP_TIME)
    assert check.status == "good" and check.source == "ocsp"
    other = check_with_ocsp(load(RSA_SIGN), load(NCA_RSA), [response], OCSP_TIME)
    assert other.status == "unknown"  # not evidence for another certificate


@row("O4")
def _o4(tmp: Path) -> None:
    gost_rows.test_o4_a_gost_ocsp_response_with_another_nonce_is_unknown()


# --- CMS --------------------------------------------------------------------------------------------


def cms_verdict(name: str, *, content: bytes | None = None, at: dt.datetime | None = None, **options):
    roots = [load(NCA_RSA), load(gost_rows.NCA_GOST_2015)]
    return verify_cms_signers(read(f"cms/{name}"), content=content, trust_roots=roots, at=at, **options)


@row("S1", disagree=SIGNING_TIME_AFTER_EXPIRY)
def _s1(tmp: Path) -> None:
    verdict = cms_verdict("CmsServiceTest.SIGNED_CMS.der", at=AFTER_SIGNING, revocation="none")
    assert len(verdict.signers) == 2
    assert verdict.ok, [signer.messages for signer in verdict.signers]


@row("S2", disagree=SIGNING_TIME_AFTER_EXPIRY)
def _s2(tmp: Path) -> None:
    verdict = cms_verdict(
        "CmsServiceTest.SIGNED_DETACHED_CMS.der", content=b"test123", at=AFTER_SIGNING, revocation="none"
    )
    assert len(verdict.signers) == 2
    assert verdict.ok, [signer.messages for signer in verdict.signers]


@row("S3")
def _s3(tmp: Path) -> None:
    """A well-formed CMS with one signer whose signature verifies (NCANode adds signers to it)."""
    (signer,) = cms_verdict("CmsServiceTest.SIGNED_CMS_ONE_SIGNER.der", revocation="none").signers
    assert signer.signer.common_name == "ТЕСТОВ ТЕСТ"
    assert not CRYPTO_FAILURES & set(signer.reasons)


@row("S4")
def _s4(tmp: Path) -> None:
    verdict = cms_verdict("CmsIntegrationTest.SIGNED_CMS.der", revocation="none")
    assert len(verdict.signers) == 1 and not verdict.ok


@row(
    "S4b",
    disagree=(
        "As of 2021-06-01 this CMS claims to be signed on 2022-10-01: after the time checked and after "
        "its signer's certificate (2021-01-18 to 2022-01-18) expired. NCANode calls it valid then; we "
        "refuse it (SIGNING_TIME_AFTER_CHECK, SIGNING_TIME_OUTSIDE_VALIDITY), see "
        "test_ncanode_resources.py::test_lol_kek_is_not_valid_today_nor_as_of_2021"
    ),
)
def _s4b(tmp: Path) -> None:
    verdict = cms_verdict(
        "CmsIntegrationTest.SIGNED_CMS.der", at=dt.datetime(2021, 6, 1, tzinfo=UTC), revocation="none"
    )
    assert len(verdict.signers) == 1
    assert verdict.ok, verdict.signers[0].messages


@row("S5")
def _s5(tmp: Path) -> None:
    with pytest.raises(SignatureInputError, match="detached"):
        cms_verdict("CmsServiceTest.SIGNED_DETACHED_CMS.der")


# --- keystores --------------------------------------------------------------------------------------


@row("K1")
def _k1(tmp: Path) -> None:
    opened = open_keystore(*p12("keystores/KEY_INDIVIDUAL_VALID_SIGN_2004"))
    assert opened.friendly_name.startswith("e3fe35ad")
    assert opened.certificate == load(VALID_SIGN_2004)


@row("K2")
def _k2(tmp: Path) -> None:
    """GOST keystores are read for their certificate and alias (their keys are not read: no GOST signing)."""
    info = inspect_keystore(*p12("keystores/KEY_INDIVIDUAL_VALID_2015"))
    assert info.friendly_name.startswith("8ff06211") and info.key_algorithm == "GOST 34.10-2015"


@row("K3")
def _k3(tmp: Path) -> None:
    """We read keystore files, not base64 strings: a file that is not PKCS#12 is refused as such."""
    keystore = NCANODE / "keystores/KEY_INVALID_BASE64.p12"
    password_file = tmp / "password"
    password_file.write_text("Qwerty12\n")
    result = eds(tmp, "keystore", "inspect", keystore, "--password-file", password_file)
    assert result.exit_code != 0 and "not a readable PKCS#12 keystore" in result.output


@row("K4")
def _k4(tmp: Path) -> None:
    with pytest.raises(CorruptKeystore, match="not a readable PKCS#12 keystore"):
        open_keystore((NCANODE / "keystores/KEY_INVALID.p12").read_bytes(), "Qwerty12")


@row("K5")
def _k5(tmp: Path) -> None:
    data, _ = p12("keystores/KEY_INDIVIDUAL_VALID_2015")
    with pytest.raises(WrongPassword):
        inspect_keystore(data, "invalidpassword000")


@row("K5b")
def _k5b(tmp: Path) -> None:
    data, _ = p12("keystores/KEY_INDIVIDUAL_VALID_SIGN_2004")
    with pytest.raises(WrongPassword):
        open_keystore(data, "wrong")


@row("K6")
def _k6(tmp: Path) -> None:
    data, password = p12("keystores/KEY_INDIVIDUAL_VALID_SIGN_2004")
    keystore, password_file = tmp / "key.p12", tmp / "password"
    keystore.write_bytes(data)
    password_file.write_text(password + "\n")
    result = eds(tmp, "keystore", "inspect", keystore, "--password-file", password_file, "--format", "json")
    assert result.exit_code == 0, result.output
    assert dt.datetime.fromisoformat(json.loads(result.output)["not_after"]) < dt.datetime.now(UTC)
    opened = open_keystore(data, password)
    verdict = verify_certificate(opened.certificate, trust_roots=[load(NCA_RSA)], revocation="none")
    assert verdict.reasons == (Reason.CERTIFICATE_EXPIRED,)


@row("K7")
def _k7(tmp: Path) -> None:
    opened = open_keystore(*p12("keystores/KEY_INDIVIDUAL_AUTH_REVOKED_2004"))
    assert opened.certificate == load("keystores/KEY_INDIVIDUAL_AUTH_REVOKED_2004.crt.pem")


@row("K8")
def _k8(tmp: Path) -> None:
    opened = open_keystore(*p12("keystores/KEY_INDIVIDUAL_SIGN_REVOKED_2004"))
    assert opened.certificate == load("keystores/KEY_INDIVIDUAL_SIGN_REVOKED_2004.crt.pem")


@row("K9")
def _k9(tmp: Path) -> None:
    info = inspect_keystore(*p12("keystores/KEY_CEO_SIGN_REVOKED_2004"))
    assert info.friendly_name.startswith("f91cff24") and info.key_algorithm == "GOST 34.310-2004"


@row("K10")
def _k10(tmp: Path) -> None:
    info = inspect_keystore(*p12("keystores/KEY_CEO_REVOKED_2015"))
    assert info.friendly_name.startswith("3a90343e") and info.key_algorithm == "GOST 34.10-2015"


# --- the 2018 keystores and certificates (v1-v2) ----------------------------------------------------


def valid_in_2019(certificate: x509.Certificate, *, root: str, intermediates: tuple[str, ...] = ()):
    verdict = verify_certificate(
        certificate,
        trust_roots=[load(f"keystores-2018/{root}")],
        intermediates=[load(f"keystores-2018/{name}") for name in intermediates],
        at=IN_2019,
        revocation="none",
    )
    assert verdict.ok, verdict.messages
    return verdict


@row("V1")
def _v1(tmp: Path) -> None:
    opened = open_keystore(*p12(AUTH_2018))
    assert valid_in_2019(opened.certificate, root="nca_rsa.crt").holder.profile == "auth"


@row("V2")
def _v2(tmp: Path) -> None:
    opened = open_keystore(*p12(SIGN_2018))
    assert valid_in_2019(opened.certificate, root="nca_rsa.crt").holder.profile == "sign"


@row("V3")
def _v3(tmp: Path) -> None:
    gost_rows.test_v3_the_2018_gost_keystore_opens_and_its_certificate_is_valid_in_2019()


@row("V4")
def _v4(tmp: Path) -> None:
    valid_in_2019(load(f"{AUTH_2018}.crt.pem"), root="nca_rsa.crt")


@row("V5")
def _v5(tmp: Path) -> None:
    verdict = valid_in_2019(load(f"{AUTH_2018}.crt.pem"), root="root_rsa.crt", intermediates=("nca_rsa.crt",))
    assert len(verdict.chain) == 3  # root -> NCA -> user


@row("V6")
def _v6(tmp: Path) -> None:
    valid_in_2019(load(f"{SIGN_2018}.crt.pem"), root="nca_rsa.crt")


@row("V7")
def _v7(tmp: Path) -> None:
    gost_rows.test_v7_gost_2018_certificate_valid_in_2019_trusting_the_gost_root_only()


# --- the table --------------------------------------------------------------------------------------


def expected_rows() -> list[str]:
    """The row ids of EXPECTED.md, in its order."""
    text = (NCANODE / "EXPECTED.md").read_text(encoding="utf-8")
    return re.findall(r"^\| ([A-Z]\d+b?) \|", text, flags=re.MULTILINE)


def _case(row_id: str):
    disagree = CHECKS.get(row_id, (None, None))[1]
    marks = [pytest.mark.xfail(strict=True, raises=AssertionError, reason=disagree)] if disagree else []
    return pytest.param(row_id, id=row_id, marks=marks)


def test_every_expected_row_has_exactly_one_case():
    rows = expected_rows()
    assert len(rows) == len(set(rows)) >= 43  # 43 when written; rows added later need a case too
    assert sorted(rows) == sorted(CHECKS)


@pytest.mark.filterwarnings("ignore:Attribute's length must be:UserWarning")  # the CAs' long names
@pytest.mark.parametrize("row_id", [_case(row_id) for row_id in expected_rows()])
def test_ncanode_expected_outcome(row_id: str, tmp_path: Path):
    assert row_id in CHECKS, f"EXPECTED.md row {row_id} has no check here"
    check, _ = CHECKS[row_id]
    check(tmp_path)
