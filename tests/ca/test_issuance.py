"""Issuance: what a certificate contains, that real verifiers accept it, and how it is stored."""

from __future__ import annotations

import datetime as dt
import subprocess

import pytest
from ca_test_support import IIN, count_records, ec_key, make_csr, person, rsa_key
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from ca.authority import CertificateAuthority
from ca.errors import IssuanceRefused
from ca.person import Identification
from national_profile.profiles import Profile


def openssl_verify(root, issuing, leaf_pem: bytes, tmp_path, *extra: str) -> subprocess.CompletedProcess:
    leaf = tmp_path / "leaf.pem"
    leaf.write_bytes(leaf_pem)
    return subprocess.run(
        ["openssl", "verify", *extra, "-CAfile", str(root), "-untrusted", str(issuing), str(leaf)],
        capture_output=True,
        text=True,
    )


@pytest.mark.parametrize("profile", ["auth", "sign"])
def test_openssl_verify_accepts_each_issued_certificate(authority, chain_files, tmp_path, profile):
    issued = authority.issue(make_csr(), person(), profile)
    result = openssl_verify(*chain_files, issued.pem(), tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith(": OK")


@pytest.mark.parametrize("profile, policy", [("sign", "1.2.398.3.3.2.3"), ("auth", "1.2.398.3.3.2.4")])
def test_openssl_accepts_the_profile_policy_under_explicit_policy_checking(
    authority, chain_files, tmp_path, profile, policy
):
    issued = authority.issue(make_csr(), person(), profile)
    result = openssl_verify(*chain_files, issued.pem(), tmp_path, "-explicit_policy", "-policy", policy)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("profile, purpose", [("sign", "smimesign"), ("auth", "sslclient")])
def test_openssl_accepts_the_certificate_for_its_purpose(authority, chain_files, tmp_path, profile, purpose):
    issued = authority.issue(make_csr(), person(), profile)
    result = openssl_verify(*chain_files, issued.pem(), tmp_path, "-purpose", purpose)
    assert result.returncode == 0, result.stderr


def test_openssl_rejects_a_certificate_against_another_ca(authority, tmp_path_factory, tmp_path):
    other_dir = tmp_path_factory.mktemp("other") / "ca"
    other = CertificateAuthority.initialise(other_dir, b"another passphrase here")
    root, issuing = tmp_path / "root.pem", tmp_path / "issuing.pem"
    root.write_bytes(other.root_cert.public_bytes(serialization.Encoding.PEM))
    issuing.write_bytes(other.issuing_cert.public_bytes(serialization.Encoding.PEM))
    issued = authority.issue(make_csr(), person(), "sign")
    assert openssl_verify(root, issuing, issued.pem(), tmp_path).returncode != 0


def test_subject_is_built_from_the_person_not_from_the_csr(authority):
    csr = make_csr(common_name="ADMINISTRATOR")
    certificate = authority.issue(csr, person(surname="Ахметова", given_name="Әйгерім"), "sign").certificate
    assert certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "АХМЕТОВА ӘЙГЕРІМ"
    assert "ADMINISTRATOR" not in certificate.subject.rfc4514_string()


def test_givenname_is_left_out_without_a_patronymic(authority):
    certificate = authority.issue(make_csr(), person(patronymic=None), "auth").certificate
    assert certificate.subject.get_attributes_for_oid(NameOID.GIVEN_NAME) == []
    assert [a.oid for a in certificate.subject] == [
        NameOID.COMMON_NAME,
        NameOID.SURNAME,
        NameOID.SERIAL_NUMBER,
        NameOID.COUNTRY_NAME,
    ]


def test_a_csr_without_an_iin_is_accepted_and_gets_the_persons_iin(authority):
    certificate = authority.issue(make_csr(iin=None), person(), "auth").certificate
    assert certificate.subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)[0].value == f"IIN{IIN}"


@pytest.mark.parametrize("curve", [ec.SECP256R1(), ec.SECP384R1()])
def test_ec_p256_and_p384_keys_are_accepted(authority, chain_files, tmp_path, curve):
    key = ec_key(curve)
    issued = authority.issue(make_csr(key), person(), "sign")
    assert issued.certificate.public_key().public_numbers() == key.public_key().public_numbers()
    assert openssl_verify(*chain_files, issued.pem(), tmp_path).returncode == 0


def test_rsa_3072_is_accepted(authority):
    issued = authority.issue(make_csr(rsa_key(3072)), person(), Profile.AUTH)
    assert issued.certificate.public_key().key_size == 3072


def test_validity_is_exactly_one_year_from_the_ca_clock(ca_dir, store):
    from ca_test_support import PASSPHRASE

    moment = dt.datetime(2028, 2, 29, 10, 30, 15, 999, tzinfo=dt.UTC)
    authority = CertificateAuthority.load(ca_dir, PASSPHRASE, store, clock=lambda: moment)
    certificate = authority.issue(make_csr(), person(), "sign").certificate
    assert certificate.not_valid_before_utc == dt.datetime(2028, 2, 29, 10, 30, 15, tzinfo=dt.UTC)
    assert certificate.not_valid_after_utc == dt.datetime(2029, 2, 28, 10, 30, 15, tzinfo=dt.UTC)


def test_serials_are_20_byte_positive_and_distinct(authority):
    serials = [authority.issue(make_csr(), person(), "auth").certificate.serial_number for _ in range(40)]
    assert len(set(serials)) == 40
    for serial in serials:
        assert 0 < serial < 2**159 and serial >= 2**152  # top bit clear, first byte non-zero: 20 DER bytes


def test_the_record_stores_what_was_issued(authority, store):
    issued = authority.issue(make_csr(), person(), "sign", enrolment_id="enr-1")
    record = store.get(issued.record.serial)
    assert record is not None
    assert int(record.serial, 16) == issued.certificate.serial_number
    assert (record.iin, record.profile, record.status, record.enrolment_id) == (IIN, "sign", "valid", "enr-1")
    assert record.identification == Identification.REMOTE_DIGITAL_ID.value
    assert record.fingerprint_sha256 == issued.certificate.fingerprint(hashes.SHA256()).hex()
    assert record.not_after == issued.certificate.not_valid_after_utc
    assert x509.load_pem_x509_certificate(record.pem.encode()) == issued.certificate
    assert "SERIALNUMBER=IIN" in record.subject


def test_serial_lookup_accepts_openssl_colon_notation(authority, store):
    issued = authority.issue(make_csr(), person(), "sign")
    colons = ":".join(f"{b:02X}" for b in issued.certificate.serial_number.to_bytes(20, "big"))
    assert store.get(colons).serial == issued.record.serial


def test_in_a_callers_session_nothing_is_stored_until_the_caller_commits(authority, store):
    with store.session() as session:
        authority.issue(make_csr(), person(), "auth", enrolment_id="enr-2", session=session)
        authority.issue(make_csr(rsa_key(index=1)), person(), "sign", enrolment_id="enr-2", session=session)
        assert count_records(store) == 0
        session.rollback()
    assert count_records(store) == 0
    with store.session() as session:
        authority.issue(make_csr(), person(), "auth", enrolment_id="enr-2", session=session)
        authority.issue(make_csr(rsa_key(index=1)), person(), "sign", enrolment_id="enr-2", session=session)
        session.commit()
    assert sorted(r.profile for r in store.list()) == ["auth", "sign"]


def test_one_enrolment_never_gets_two_certificates_of_a_profile(authority, store):
    authority.issue(make_csr(), person(), "auth", enrolment_id="enr-3")
    with pytest.raises(IssuanceRefused) as refused:
        authority.issue(make_csr(), person(), "auth", enrolment_id="enr-3")
    assert refused.value.code == "already_issued"
    assert "enr-3" in str(refused.value)
    assert count_records(store) == 1


def test_chain_is_issuing_ca_first_then_root(authority):
    issuing, root = authority.chain
    assert issuing.issuer == root.subject and root.issuer == root.subject
    assert authority.chain_pem().count(b"BEGIN CERTIFICATE") == 2
    assert x509.load_pem_x509_certificates(authority.chain_pem()) == [issuing, root]


def test_ec_auth_certificate_asserts_key_agreement_instead_of_key_encipherment(authority):
    certificate = authority.issue(make_csr(ec_key(ec.SECP256R1())), person(), "auth").certificate
    usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and usage.key_agreement and not usage.key_encipherment


def test_serial_lookup_finds_serials_whose_hex_starts_with_zero(authority, store):
    """A serial whose first byte is below 0x10 prints with a leading zero that ``f"{n:x}"`` drops."""
    found = None
    for _ in range(200):
        issued = authority.issue(make_csr(), person(), "auth")
        if issued.record.serial.startswith("0"):
            found = issued
            break
    assert found is not None, "no serial with a leading zero nibble in 200 issuances (p < 1e-5)"
    assert store.get(f"{found.certificate.serial_number:x}").serial == found.record.serial


def test_bulk_issuance_stores_every_certificate_it_yields(authority, store):
    requests = [(make_csr(rsa_key(index=n % 2)), person(), "sign" if n % 2 else "auth") for n in range(25)]
    issued = list(authority.issue_many(requests, batch_size=10))
    assert len(issued) == 25
    assert sorted(r.serial for r in store.list()) == sorted(i.record.serial for i in issued)
    assert {i.record.profile for i in issued} == {"auth", "sign"}


def test_bulk_issuance_stops_at_a_refusal_after_storing_what_came_before(authority, store):
    requests = [(make_csr(), person(), "sign") for _ in range(7)] + [(b"garbage", person(), "sign")]
    requests += [(make_csr(), person(), "sign")]
    yielded = []
    with pytest.raises(IssuanceRefused) as refused:
        for issued in authority.issue_many(requests, batch_size=5):
            yielded.append(issued.record.serial)
    assert refused.value.code == "malformed_csr"
    assert len(yielded) == 7
    assert sorted(r.serial for r in store.list()) == sorted(yielded)


@pytest.mark.parametrize(
    "names",
    [
        {"surname": "Тестов", "given_name": "Тест", "patronymic": "Тестович"},
        {"surname": "O'Neil-Smith", "given_name": "Jean Paul", "patronymic": None},
        {"surname": "Әбілқайыр", "given_name": "Ұлан", "patronymic": "Ғ. Нұрұлы"},
    ],
)
def test_stored_subject_text_is_the_rfc4514_form_of_the_certificate_subject(authority, names):
    from national_profile.names import subject_text

    issued = authority.issue(make_csr(), person(**names), "sign")
    assert issued.record.subject == subject_text(issued.certificate.subject)
