"""Our verifier reads the national CA's own test material: certificates, CRL, OCSP response, TSP token."""

from __future__ import annotations

import datetime as dt

import pytest
from signature_helpers import NCA, load_pem_or_der

from eds_toolkit.signatures import (
    Reason,
    SignatureInputError,
    load_crl,
    read_ocsp_response,
    read_timestamp_token,
    verify_certificate,
)

AS_OF = dt.datetime(2022, 6, 1, tzinfo=dt.UTC)
SIGN_SERIAL = "41e45cc8a04c705963e5cd6769848a934d8eaef5"
OCSP_SUBJECT_SERIAL = "4279390a141f5353a62947b61ed65e81741467d1"


@pytest.fixture(scope="module")
def nca_root():
    return load_pem_or_der(NCA / "nca_rsa_test.crt")


@pytest.fixture(scope="module")
def sign_certificate():
    return load_pem_or_der(NCA / "individual_valid_sign_2004_rsa.cer")


@pytest.fixture(scope="module")
def crl_der() -> bytes:
    return (NCA / "nca_rsa_test.crl").read_bytes()


@pytest.fixture(scope="module")
def ocsp_der() -> bytes:
    return (NCA / "ocsp_response_individual_sign_2004.bin").read_bytes()


def test_their_sign_certificate_validates_as_of_2022_06_01_with_their_crl(
    nca_root, sign_certificate, crl_der
):
    verdict = verify_certificate(
        sign_certificate,
        trust_roots=[nca_root],
        at=AS_OF,
        revocation="crl",
        crls=[crl_der],
        required_profile="sign",
    )
    assert verdict.ok, verdict.messages
    assert verdict.holder.iin == "123456789011"
    assert verdict.holder.profile == "sign"
    assert verdict.holder.surname == "ТЕСТОВ" and verdict.holder.given_name == "ТЕСТ"
    assert verdict.holder.serial == SIGN_SERIAL
    assert verdict.revocation.source == "crl" and verdict.revocation.status == "good"
    assert verdict.revocation.issued_at == dt.datetime(2022, 3, 29, 4, 18, 29, tzinfo=dt.UTC)
    assert len(verdict.chain) == 2


def test_their_auth_certificate_is_read_as_auth(nca_root):
    auth = load_pem_or_der(NCA / "individual_valid_sign_2004_rsa_auth.cer")
    verdict = verify_certificate(
        auth, trust_roots=[nca_root], at=AS_OF, revocation="none", required_profile="sign"
    )
    assert verdict.holder.profile == "auth"
    assert verdict.reasons == (Reason.WRONG_PROFILE,)


def test_their_test_iin_passes_only_without_the_check_digit(nca_root, sign_certificate):
    relaxed = verify_certificate(sign_certificate, trust_roots=[nca_root], at=AS_OF, revocation="none")
    assert relaxed.ok
    strict = verify_certificate(
        sign_certificate, trust_roots=[nca_root], at=AS_OF, revocation="none", enforce_iin_check_digit=True
    )
    assert strict.reasons == (Reason.INVALID_IIN,)
    assert "123456789011 is not valid" in strict.messages[0]


def test_their_certificate_is_expired_today(nca_root, sign_certificate):
    verdict = verify_certificate(sign_certificate, trust_roots=[nca_root], revocation="none")
    assert verdict.reasons == (Reason.CERTIFICATE_EXPIRED,)


def test_their_crl_is_read_and_lists_revoked_serials(crl_der, nca_root):
    crl = load_crl(crl_der)
    assert crl.is_signature_valid(nca_root.public_key())
    assert len(list(crl)) == 126
    assert crl.get_revoked_certificate_by_serial_number(int("4b779cb5647c4da7b07327c503eab1656d716ed8", 16))


def test_their_crl_after_its_next_update_is_not_used(nca_root, sign_certificate, crl_der):
    verdict = verify_certificate(
        sign_certificate,
        trust_roots=[nca_root],
        at=dt.datetime(2022, 10, 1, tzinfo=dt.UTC),
        revocation="crl",
        crls=[crl_der],
    )
    assert verdict.reasons == (Reason.REVOCATION_UNAVAILABLE,)
    assert "2022-09-25" in verdict.revocation.detail


def test_their_ocsp_response_is_read_signed_by_an_authorised_responder(ocsp_der, nca_root):
    info = read_ocsp_response(ocsp_der, nca_root)
    assert info.response_status == "successful"
    assert info.signature_valid and info.responder_authorised  # delegated responder with id-kp-OCSPSigning
    assert "СЕРВИС ПРОВЕРКИ ОНЛАЙН СТАТУСА" in info.responder
    assert info.produced_at == dt.datetime(2022, 9, 2, 16, 53, 59, tzinfo=dt.UTC)
    (single,) = info.responses
    assert (single.serial, single.status, single.next_update) == (OCSP_SUBJECT_SERIAL, "good", None)
    assert single.for_issuer  # CertID hashes are the RSA test CA's name and key


def test_their_ocsp_response_is_not_taken_as_evidence_for_the_sign_certificate(
    nca_root, sign_certificate, ocsp_der
):
    """The file is named after the SIGN certificate, but its CertID names another serial: not used."""
    verdict = verify_certificate(
        sign_certificate, trust_roots=[nca_root], at=AS_OF, revocation="ocsp", ocsp_responses=[ocsp_der]
    )
    assert verdict.reasons == (Reason.REVOCATION_UNAVAILABLE,)
    assert OCSP_SUBJECT_SERIAL in verdict.revocation.detail and SIGN_SERIAL in verdict.revocation.detail
    with_crl_too = verify_certificate(
        sign_certificate,
        trust_roots=[nca_root],
        at=AS_OF,
        revocation="auto",
        ocsp_responses=[ocsp_der],
        crls=[(NCA / "nca_rsa_test.crl").read_bytes()],
    )
    assert with_crl_too.ok and with_crl_too.revocation.source == "crl"


def test_an_ocsp_response_signed_by_a_stranger_is_not_authorised(ocsp_der, sign_certificate):
    info = read_ocsp_response(ocsp_der, sign_certificate)  # pretend the citizen's certificate were the CA
    assert info.signature_valid and not info.responder_authorised


def test_their_timestamp_token_is_parsed(tmp_path):
    info = read_timestamp_token((NCA / "tsp_token.bin").read_bytes())
    assert info.gen_time == dt.datetime(2022, 9, 18, 13, 20, 14, tzinfo=dt.UTC)
    assert info.imprint_algorithm == "sha1"
    assert info.imprint == "1465dad126d32bf7aa5d3b95a5c7c331cdff34df"
    assert info.policy == "1.2.398.3.3.2.6.1"
    assert "СЕРВИС МЕТКИ ВРЕМЕНИ" in info.signer
    assert info.matches_signature is None


def test_timestamp_imprint_matching_is_checked_against_the_stamped_bytes():
    token = (NCA / "tsp_token.bin").read_bytes()
    assert read_timestamp_token(token, stamped=b"something else").matches_signature is False


def test_a_signature_is_not_a_timestamp_token(ocsp_der):
    with pytest.raises(SignatureInputError):
        read_timestamp_token(ocsp_der)


def test_a_gost_certificate_is_read_and_its_path_checked():
    """GOST 34.310-2004 keys (which OpenSSL and cryptography cannot load) are verified by gost.py."""
    gost_ca = load_pem_or_der(NCA / "nca_gost_test.crt")
    ceo = load_pem_or_der(NCA / "ceo_valid_sign_2004_gost.cer")
    verdict = verify_certificate(ceo, trust_roots=[gost_ca], at=AS_OF, revocation="none")
    assert verdict.ok, verdict.messages
    assert len(verdict.chain) == 2
    assert verdict.holder.iin == "123456789011"
