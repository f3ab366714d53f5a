"""Identity proofs each yield a VerifiedPerson, or refuse with a reason; issuance takes any of them, and
nothing but them: the CA asks the proof for the person itself."""

from __future__ import annotations

import datetime as dt

import pytest
from ca_test_support import IIN, count_records, ec_key, make_csr, person, rsa_key
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding

from ca.authority import CertificateAuthority
from ca.errors import IssuanceRefused
from ca.person import Identification
from ca.proofs import IdentityNotProven
from ca.proofs.remote_enrolment import RemoteEnrolmentProof
from ca.proofs.renewal import RenewalProof
from ca.proofs.service_centre import ServiceCentreProof


def remote(**changes) -> RemoteEnrolmentProof:
    values = dict(
        iin=IIN,
        surname="Тестов",
        given_name="Тест",
        patronymic=None,
        phone_confirmed=True,
        liveness_passed=True,
        face_matched=True,
    )
    return RemoteEnrolmentProof(**(values | changes))


def test_complete_remote_enrolment_yields_a_remotely_identified_person(authority):
    verified = remote().verified_person()
    assert verified.identification == Identification.REMOTE_DIGITAL_ID
    eku = authority.issue(make_csr(), remote(), "sign").certificate.extensions
    assert "1.2.398.3.3.4.3.2.1" in str(eku)


def test_the_ca_refuses_a_proof_that_does_not_prove_and_stores_nothing(authority, store):
    with pytest.raises(IssuanceRefused) as caught:
        authority.issue(make_csr(), remote(face_matched=False), "sign")
    assert isinstance(caught.value, IdentityNotProven)
    assert caught.value.code == "remote_identification_incomplete"
    assert "face match" in str(caught.value)
    assert count_records(store) == 0


def test_the_ca_takes_no_bare_verified_person(authority, store):
    with pytest.raises(TypeError, match="identity proof"):
        authority.issue(make_csr(), remote().verified_person(), "sign")
    with pytest.raises(TypeError, match="identity proof"):
        list(authority.issue_many([(make_csr(), remote().verified_person(), "sign")]))
    assert count_records(store) == 0


def test_bulk_issuance_stops_at_a_proof_that_fails_after_storing_what_came_before(authority, store):
    proof = ServiceCentreProof("op-17", "N1234567", IIN, "Тестов", "Тест")
    requests = [
        (make_csr(), proof, "sign"),
        (make_csr(), ServiceCentreProof("", "N1", IIN, "А", "Б"), "sign"),
    ]
    with pytest.raises(IdentityNotProven) as caught:
        list(authority.issue_many(requests))
    assert caught.value.code == "operator_missing"
    assert count_records(store) == 1


@pytest.mark.parametrize(
    "step, words",
    [("phone_confirmed", "SMS code"), ("liveness_passed", "liveness"), ("face_matched", "face match")],
)
def test_incomplete_remote_enrolment_is_not_a_proof(step, words):
    with pytest.raises(IdentityNotProven, match=words) as caught:
        remote(**{step: False}).verified_person()
    assert caught.value.code == "remote_identification_incomplete"


def test_service_centre_proof_needs_operator_and_document():
    proof = ServiceCentreProof(
        operator_id="op-17", document_number="N1234567", iin=IIN, surname="А", given_name="Б"
    )
    assert proof.verified_person().identification == Identification.SERVICE_CENTRE
    with pytest.raises(IdentityNotProven) as caught:
        ServiceCentreProof(
            operator_id=" ", document_number="N1", iin=IIN, surname="А", given_name="Б"
        ).verified_person()
    assert caught.value.code == "operator_missing"
    with pytest.raises(IdentityNotProven) as caught:
        ServiceCentreProof(
            operator_id="op", document_number="", iin=IIN, surname="А", given_name="Б"
        ).verified_person()
    assert caught.value.code == "document_missing"


def test_proofs_check_the_iin():
    with pytest.raises(IdentityNotProven) as caught:
        remote(iin="123456789011").verified_person()
    assert caught.value.code == "invalid_iin"


def sign_rsa(key, data: bytes) -> bytes:
    return key.sign(data, padding.PKCS1v15(), hashes.SHA256())


def renewal(
    authority, store, certificate_pem: bytes, key, *, data=None, signature=None, clock=None
) -> RenewalProof:
    new_csr = data if data is not None else make_csr(rsa_key(2048, 5))
    if signature is None:
        signature = (
            key.sign(new_csr, ec.ECDSA(hashes.SHA256()))
            if isinstance(key, ec.EllipticCurvePrivateKey)
            else sign_rsa(key, new_csr)
        )
    extra = {"clock": clock} if clock else {}
    return RenewalProof(certificate_pem, new_csr, signature, authority.issuing_cert, store, **extra)


def test_renewal_signed_with_a_valid_auth_certificate_yields_the_same_person(authority, store):
    key = rsa_key()
    auth = authority.issue(make_csr(key), person(patronymic="Тестович"), "auth")
    verified = renewal(authority, store, auth.pem(), key).verified_person()
    assert (verified.iin, verified.surname, verified.given_name, verified.patronymic) == (
        IIN,
        "ТЕСТОВ",
        "ТЕСТ",
        "ТЕСТОВИЧ",
    )
    assert verified.identification == Identification.RENEWAL
    renewed = authority.issue(make_csr(rsa_key(2048, 5)), renewal(authority, store, auth.pem(), key), "auth")
    assert renewed.certificate.subject == auth.certificate.subject
    assert renewed.record.identification == Identification.RENEWAL.value


def test_the_ca_refuses_a_renewal_with_a_revoked_certificate(authority, store):
    key = rsa_key()
    auth = authority.issue(make_csr(key), person(), "auth")
    proof = renewal(authority, store, auth.pem(), key)
    store.revoke(auth.record.serial, "key_compromise")
    with pytest.raises(IdentityNotProven) as caught:
        authority.issue(make_csr(rsa_key(2048, 5)), proof, "auth")
    assert caught.value.code == "certificate_revoked"
    assert count_records(store) == 1


def test_renewal_with_an_ec_auth_certificate(authority, store):
    key = ec_key(ec.SECP256R1())
    auth = authority.issue(make_csr(key), person(), "auth")
    assert renewal(authority, store, auth.pem(), key).verified_person().iin == IIN


def refusal(proof: RenewalProof) -> str:
    with pytest.raises(IdentityNotProven) as caught:
        proof.verified_person()
    return caught.value.code


def test_renewal_refusals(authority, store, ca_dir, tmp_path_factory):
    key = rsa_key()
    auth = authority.issue(make_csr(key), person(), "auth")
    sign_key = rsa_key(index=2)  # AUTH and SIGN never share a key
    sign = authority.issue(make_csr(sign_key), person(), "sign")
    assert refusal(renewal(authority, store, sign.pem(), sign_key)) == "not_auth_certificate"
    assert refusal(renewal(authority, store, auth.pem(), key, signature=b"\x00" * 256)) == "bad_signature"
    assert refusal(renewal(authority, store, auth.pem(), rsa_key(2048, 3))) == "bad_signature"
    later = auth.certificate.not_valid_after_utc + dt.timedelta(seconds=1)
    assert refusal(renewal(authority, store, auth.pem(), key, clock=lambda: later)) == "certificate_expired"
    assert refusal(renewal(authority, store, b"garbage", key)) == "malformed_certificate"
    other = CertificateAuthority.initialise(tmp_path_factory.mktemp("other") / "ca", b"another CA passphrase")
    other.store = store
    foreign = other.issue(make_csr(key), person(), "auth")
    assert refusal(renewal(authority, store, foreign.pem(), key)) == "foreign_certificate"
    store.revoke(auth.record.serial, "superseded")
    assert refusal(renewal(authority, store, auth.pem(), key)) == "certificate_revoked"


def test_renewal_with_our_certificate_missing_from_the_records_is_refused(authority, tmp_path):
    from ca.store import CertificateStore
    from eds_toolkit.db import make_engine

    key = rsa_key()
    auth = authority.issue(make_csr(key), person(), "auth")
    empty = CertificateStore(make_engine(f"sqlite:///{tmp_path / 'empty.sqlite3'}"))
    empty.create_schema()
    assert refusal(renewal(authority, empty, auth.pem(), key)) == "unknown_certificate"
