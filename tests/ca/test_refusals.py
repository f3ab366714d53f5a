"""Every refusal: a clear error type, a stable code, a message a person can act on, and nothing stored."""

from __future__ import annotations

import datetime as dt
import subprocess

import pytest
from ca_test_support import IIN, OTHER_IIN, count_records, ec_key, make_csr, person, rsa_key
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed25519, rsa

from ca.errors import IssuanceRefused
from national_profile.iin import make_iin
from tests.hostile_csrs import hostile_csrs


def refused(authority, store, csr: bytes, who=None, profile="sign") -> IssuanceRefused:
    with pytest.raises(IssuanceRefused) as caught:
        authority.issue(csr, who or person(), profile)
    assert count_records(store) == 0, "a refused issuance stored a record"
    return caught.value


def with_bad_signature(csr_pem: bytes) -> bytes:
    """The same CSR with one bit of its signature flipped."""
    der = bytearray(x509.load_pem_x509_csr(csr_pem).public_bytes(serialization.Encoding.DER))
    der[-5] ^= 0x01
    return bytes(der)


def with_swapped_key(csr_pem: bytes) -> bytes:
    """The CSR's body re-pointed at another public key, keeping the original signature (no possession)."""
    original = make_csr(rsa_key(2048, 0))
    donor = make_csr(rsa_key(2048, 1))
    a = x509.load_pem_x509_csr(original).public_bytes(serialization.Encoding.DER)
    b = x509.load_pem_x509_csr(donor).public_bytes(serialization.Encoding.DER)
    key_a = (
        rsa_key(2048, 0)
        .public_key()
        .public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    key_b = (
        rsa_key(2048, 1)
        .public_key()
        .public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    assert key_a in a and key_b in b and len(key_a) == len(key_b)
    return a.replace(key_a, key_b)


def test_malformed_csr_is_refused(authority, store):
    error = refused(
        authority,
        store,
        b"-----BEGIN CERTIFICATE REQUEST-----\nbm9uc2Vuc2U=\n-----END CERTIFICATE REQUEST-----\n",
    )
    assert error.code == "malformed_csr"
    assert "cannot be read" in str(error)


def test_truncated_csr_is_refused(authority, store):
    der = x509.load_pem_x509_csr(make_csr()).public_bytes(serialization.Encoding.DER)
    error = refused(authority, store, der[: len(der) // 2])
    assert error.code == "malformed_csr"
    assert "truncated" in str(error)


@pytest.mark.parametrize("data", [b"", b"   \n", b"x" * 70_000])
def test_empty_or_oversized_csr_is_refused(authority, store, data):
    assert refused(authority, store, data).code == "malformed_csr"


def test_csr_with_a_bad_signature_is_refused(authority, store):
    error = refused(authority, store, with_bad_signature(make_csr()))
    assert error.code == "bad_signature"
    assert "proof of possession" in str(error)


def test_csr_whose_key_was_swapped_is_refused_for_lack_of_possession(authority, store):
    error = refused(authority, store, with_swapped_key(make_csr()))
    assert error.code == "bad_signature"


def test_rsa_1024_key_is_refused_as_weak(authority, store):
    error = refused(authority, store, make_csr(rsa.generate_private_key(65537, 1024)))
    assert error.code == "weak_key"
    assert "at least 2048 bits" in str(error) and "1024" in str(error)


def test_rsa_key_with_exponent_3_is_refused_as_weak(authority, store):
    small_exponent = rsa.generate_private_key(public_exponent=3, key_size=2048)
    refusal = refused(authority, store, make_csr(small_exponent))
    assert refusal.code == "weak_key" and "65537" in str(refusal)


def test_ec_key_on_another_curve_is_refused(authority, store):
    error = refused(authority, store, make_csr(ec_key(ec.SECP256K1())))
    assert error.code == "weak_key"
    assert "P-256 or P-384" in str(error)


def test_ed25519_key_is_refused_as_unsupported(authority, store):
    key = ed25519.Ed25519PrivateKey.generate()
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([]))
        .sign(key, None)
        .public_bytes(serialization.Encoding.PEM)
    )
    error = refused(authority, store, csr)
    assert error.code == "unsupported_key"
    assert "Only RSA" in str(error)


def test_dsa_key_is_refused_as_unsupported(authority, store):
    key = dsa.generate_private_key(2048)
    assert refused(authority, store, make_csr(key)).code == "unsupported_key"


def test_sha1_signed_csr_is_refused(authority, store, tmp_path):
    key_file = tmp_path / "key.pem"
    key_file.write_bytes(
        rsa_key().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    made = subprocess.run(
        ["openssl", "req", "-new", "-sha1", "-key", str(key_file), "-subj", "/CN=x"],
        capture_output=True,
        check=True,
    )
    error = refused(authority, store, made.stdout)
    assert error.code == "weak_signature"
    assert "SHA-256" in str(error)


def test_iin_failing_its_checksum_is_refused(authority, store):
    bad_iin = IIN[:11] + str((int(IIN[11]) + 1) % 10)
    error = refused(authority, store, make_csr(iin=None), person(iin=bad_iin))
    assert error.code == "invalid_iin"
    assert "check digit" in str(error)


def test_national_test_iin_is_refused_for_our_citizens(authority, store):
    assert refused(authority, store, make_csr(iin=None), person(iin="123456789011")).code == "invalid_iin"


def test_csr_naming_another_iin_is_refused_and_nothing_is_stored(authority, store):
    error = refused(authority, store, make_csr(iin=OTHER_IIN), person(iin=IIN))
    assert error.code == "iin_mismatch"
    assert OTHER_IIN in str(error) and IIN in str(error)


@pytest.mark.parametrize(
    "names, message",
    [
        ({"surname": "  "}, "surname is empty"),
        ({"given_name": "Тест\x00"}, "letters"),
        ({"surname": "Robert'); DROP TABLE--"}, "letters"),
        ({"surname": "Ы" * 40, "given_name": "Ж" * 30}, "64"),
    ],
)
def test_unusable_names_are_refused(authority, store, names, message):
    error = refused(authority, store, make_csr(), person(**names))
    assert error.code == "invalid_name"
    assert message in str(error)


def test_unknown_profile_is_refused(authority, store):
    error = refused(authority, store, make_csr(), profile="admin")
    assert error.code == "unknown_profile"
    assert "'auth' or 'sign'" in str(error)


def test_refusal_messages_never_contain_key_material(authority, store):
    key = rsa_key()
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    error = refused(authority, store, pem)
    assert error.code == "malformed_csr"
    assert "PRIVATE" not in str(error) and pem.decode()[40:80] not in str(error)


def test_issuing_past_the_issuing_cas_own_expiry_is_refused(authority, store):
    late = authority.issuing_cert.not_valid_after_utc - dt.timedelta(days=100)
    error = refused(authority.replace(clock=lambda: late), store, make_csr())
    assert error.code == "ca_expiring"
    assert "renew the issuing CA" in str(error)


def test_the_library_stores_and_certifies_the_canonical_iin(authority, store):
    """Direct library callers get the same normalisation as the CLI: surrounding spaces and newlines go."""
    for n, raw in enumerate((f" {IIN}", f"{IIN}\n", f"\t{IIN} \r\n")):
        issued = authority.issue(make_csr(rsa_key(index=60 + n)), person(iin=raw), "sign")
        assert issued.record.iin == IIN
        serial_number = issued.certificate.subject.get_attributes_for_oid(x509.NameOID.SERIAL_NUMBER)
        assert [a.value for a in serial_number] == [f"IIN{IIN}"]
    assert len(list(store.list(iin=IIN))) == 3


@pytest.mark.parametrize("raw", [f"{IIN[:6]} {IIN[6:]}", f"{IIN}\x00", "", "9" * 13])
def test_an_iin_with_characters_inside_is_refused_as_invalid_not_a_crash(authority, store, raw):
    assert refused(authority, store, make_csr(iin=None), person(iin=raw)).code == "invalid_iin"


def test_an_iin_born_after_the_cas_clock_is_refused(authority, store):
    born = dt.date(2026, 6, 1)
    future_person = person(iin=make_iin(born, "F", 5))
    before_birth = authority.replace(clock=lambda: dt.datetime(2026, 5, 31, tzinfo=dt.UTC))
    refusal = refused(before_birth, store, make_csr(iin=None), future_person)
    assert refusal.code == "invalid_iin" and "future" in str(refusal)
    after_birth = authority.replace(clock=lambda: dt.datetime(2026, 6, 2, tzinfo=dt.UTC))
    assert after_birth.issue(make_csr(iin=None), future_person, "sign").record.iin == future_person.iin


@pytest.mark.parametrize(("name", "csr"), list(hostile_csrs(IIN).items()), ids=list(hostile_csrs(IIN)))
def test_a_csr_the_parser_rejects_anywhere_is_malformed_csr(authority, store, name, csr):
    """A version other than 0, or subject text that is not UTF-8, signed again or not."""
    error = refused(authority, store, csr)
    assert error.code == "malformed_csr", name
    assert "cannot be read" in str(error)
