"""Key generation, encrypted key files, and the person's certificate request."""

from __future__ import annotations

import pytest
from asn1crypto import keys as asn1_keys
from asn1crypto import pem as asn1_pem
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
from keystore_testkit import IIN, PASSWORD, run_tool

from keystore.csr import build_csr, csr_pem
from keystore.errors import CorruptKeystore, InvalidPersonData, UnsupportedKey, WrongPassword
from keystore.keys import encrypt_private_key, generate_private_key, load_private_key
from national_profile.key_encryption import ITERATIONS


def test_generated_keys_are_rsa_2048_by_default_and_p256_on_request():
    assert isinstance(generate_private_key(), rsa.RSAPrivateKey)
    assert generate_private_key().key_size == 2048
    key = generate_private_key("p256")
    assert isinstance(key, ec.EllipticCurvePrivateKey) and key.curve.name == "secp256r1"
    with pytest.raises(UnsupportedKey, match="rsa2048, p256"):
        generate_private_key("dsa1024")


def test_key_file_is_pkcs8_pbes2_aes256_at_the_keystore_iteration_count_and_round_trips(rsa_key):
    pem = encrypt_private_key(rsa_key, PASSWORD)
    kind, _, der = asn1_pem.unarmor(pem)
    assert kind == "ENCRYPTED PRIVATE KEY"
    algorithm = asn1_keys.EncryptedPrivateKeyInfo.load(der)["encryption_algorithm"]
    assert algorithm.encryption_cipher == "aes" and algorithm.key_length == 32
    assert (algorithm.kdf, algorithm.kdf_hmac, algorithm.kdf_iterations) == ("pbkdf2", "sha256", ITERATIONS)
    assert load_private_key(pem, PASSWORD).private_numbers() == rsa_key.private_numbers()


def test_openssl_reads_the_key_file_with_the_password_and_refuses_a_wrong_one(tmp_path, ec_key):
    path = tmp_path / "k.key"
    path.write_bytes(encrypt_private_key(ec_key, PASSWORD))
    good = run_tool("openssl", "pkey", "-in", str(path), "-passin", f"pass:{PASSWORD}", "-pubout")
    assert good.returncode == 0, good.stderr.decode()
    assert serialization.load_pem_public_key(good.stdout) == ec_key.public_key()
    bad = run_tool("openssl", "pkey", "-in", str(path), "-passin", "pass:Steppe7Wind?", "-noout")
    assert bad.returncode != 0


def test_key_file_errors_are_clear(rsa_key):
    pem = encrypt_private_key(rsa_key, PASSWORD)
    with pytest.raises(WrongPassword, match="case-sensitive"):
        load_private_key(pem, "Steppe7Wind?")
    with pytest.raises(CorruptKeystore, match="not a key file"):
        load_private_key(b"hello", PASSWORD)
    with pytest.raises(CorruptKeystore, match="damaged"):
        load_private_key(pem.replace(pem[40:60], b"A" * 20), PASSWORD)
    with pytest.raises(CorruptKeystore, match="CERTIFICATE"):
        load_private_key(b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", PASSWORD)
    plain = rsa_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    with pytest.raises(UnsupportedKey, match="not protected by a password"):
        load_private_key(plain, PASSWORD)


def test_csr_has_the_national_subject_and_a_valid_signature(rsa_key, tmp_path):
    csr = build_csr(rsa_key, iin=IIN, surname=" сейтқали ", given_name="Әлия", patronymic="Маратқызы")
    assert csr.is_signature_valid
    subject = csr.subject
    assert [a.oid for a in subject] == [
        NameOID.COMMON_NAME,
        NameOID.SURNAME,
        NameOID.SERIAL_NUMBER,
        NameOID.COUNTRY_NAME,
        NameOID.GIVEN_NAME,
    ]
    assert subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "СЕЙТҚАЛИ ӘЛИЯ"
    assert subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)[0].value == f"IIN{IIN}"
    assert subject.get_attributes_for_oid(NameOID.GIVEN_NAME)[0].value == "МАРАТҚЫЗЫ"
    path = tmp_path / "r.csr"
    path.write_bytes(csr_pem(csr))
    verified = run_tool("openssl", "req", "-in", str(path), "-noout", "-verify")
    assert verified.returncode == 0
    assert "verify ok" in (verified.stdout + verified.stderr).decode().lower()


def test_csr_without_patronymic_has_no_givenname(ec_key):
    csr = build_csr(ec_key, iin=IIN, surname="Ким", given_name="Ольга")
    assert csr.subject.get_attributes_for_oid(NameOID.GIVEN_NAME) == []
    assert csr.is_signature_valid


@pytest.mark.parametrize(
    ("kwargs", "reason"),
    [
        ({"iin": "12345678901"}, "exactly 12 digits"),
        ({"iin": IIN[:-1] + str((int(IIN[-1]) + 1) % 10)}, "check digit"),
        ({"surname": "  "}, "surname is empty"),
        ({"given_name": "R2D2"}, "letters, spaces"),
        ({"surname": "А" * 65}, "longer than 64"),
    ],
)
def test_csr_refuses_bad_person_data(rsa_key, kwargs, reason):
    person = {"iin": IIN, "surname": "Ким", "given_name": "Ольга"} | kwargs
    with pytest.raises(InvalidPersonData, match=reason):
        build_csr(rsa_key, **person)
