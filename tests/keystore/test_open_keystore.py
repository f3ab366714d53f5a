"""Opening keystores: ours, the national CA's legacy one, and every way a file can be wrong."""

from __future__ import annotations

import os
import time

import pytest
from asn1crypto import pkcs12 as asn1_pkcs12
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12 as crypto_pkcs12
from keystore_testkit import IIN, LEGACY_KEYSTORE, LEGACY_PASSWORD, PASSWORD, PERSON

from keystore.errors import CorruptKeystore, WrongPassword
from keystore.pfx_builder import build_pfx
from keystore.pkcs12 import inspect_keystore, open_keystore
from national_profile.key_encryption import ITERATIONS


def test_our_keystore_opens_with_key_certificate_and_chain_issuer_first(
    auth_keystore, rsa_key, auth_cert, mini_ca
):
    opened = open_keystore(auth_keystore, PASSWORD)
    assert opened.key.private_numbers() == rsa_key.private_numbers()
    assert opened.certificate == auth_cert
    assert opened.chain == [mini_ca.issuing_cert, mini_ca.root_cert]
    assert (
        opened.friendly_name
        == auth_cert.extensions.get_extension_for_class(
            __import__("cryptography").x509.SubjectKeyIdentifier
        ).value.digest.hex()
    )


def test_the_national_cas_legacy_3des_rc2_keystore_opens_and_inspect_reports_its_weak_protection():
    info = inspect_keystore(LEGACY_KEYSTORE.read_bytes(), LEGACY_PASSWORD)
    assert info.iin == "123456789011"
    assert info.owner == "ТЕСТОВ ТЕСТ"
    assert info.patronymic == "ТЕСТОВИЧ"
    assert info.profile == "SIGN"
    assert info.issuer == "ҰКО 3.0 (RSA TEST)"
    assert info.friendly_name == info.local_key_id == "e3fe35adda3b45cbea3a3f1ed48f263dc55c556e"
    assert [(p.scheme, p.iterations) for p in info.key_protection] == [
        ("pbeWithSHA1And3-KeyTripleDES-CBC", 1024)
    ]
    assert [(p.scheme, p.iterations) for p in info.certificate_protection] == [
        ("pbeWithSHA1And40BitRC2-CBC", 1024)
    ]
    assert (info.mac_algorithm, info.mac_iterations) == ("HMAC-SHA-1", 1024)
    assert info.file_name_expected == "RSA256_e3fe35adda3b45cbea3a3f1ed48f263dc55c556e.p12"


def test_legacy_keystore_with_a_wrong_password_is_a_wrong_password():
    with pytest.raises(WrongPassword, match="does not open this keystore"):
        open_keystore(LEGACY_KEYSTORE.read_bytes(), "Qwerty13")


def test_a_wrong_password_says_so_and_mentions_case_and_layout(auth_keystore):
    with pytest.raises(WrongPassword) as caught:
        open_keystore(auth_keystore, "steppe7wind!")
    assert "case-sensitive" in str(caught.value)
    assert "steppe7wind" not in str(caught.value).lower()


@pytest.mark.parametrize("keep", [0, 1, 16, 200, 0.5, -1])
def test_a_truncated_keystore_is_corrupt_not_a_wrong_password(auth_keystore, keep):
    cut = int(len(auth_keystore) * keep) if isinstance(keep, float) else keep
    with pytest.raises(CorruptKeystore, match="damaged or cut short"):
        open_keystore(auth_keystore[:cut], PASSWORD)


def test_random_bytes_and_other_files_are_corrupt():
    for data in (
        os.urandom(3000),
        b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
        b"PK\x03\x04",
    ):
        with pytest.raises(CorruptKeystore):
            open_keystore(data, PASSWORD)


def test_an_altered_byte_inside_the_protected_content_is_refused_by_the_mac(auth_keystore):
    damaged = bytearray(auth_keystore)
    damaged[len(damaged) // 2] ^= 0x01  # inside the AuthenticatedSafe the MAC covers
    with pytest.raises(WrongPassword, match="altered"):
        open_keystore(bytes(damaged), PASSWORD)


def test_the_right_password_on_undecodable_contents_is_corrupt_not_a_wrong_password(auth_cert, mini_ca):
    der = serialization.Encoding.DER
    unreadable = build_pfx(
        private_key_pkcs8_der=b"this is not a PKCS#8 private key",
        certificate_der=auth_cert.public_bytes(der),
        chain_der=[c.public_bytes(der) for c in mini_ca.chain],
        friendly_name="x",
        local_key_id=b"x",
        password=PASSWORD,
        iterations=1000,
    )
    with pytest.raises(CorruptKeystore, match="password is right"):
        open_keystore(unreadable, PASSWORD)


def test_a_keystore_without_a_private_key_is_refused(auth_cert):
    certificate_only = crypto_pkcs12.serialize_key_and_certificates(
        b"only-cert",
        None,
        None,
        [auth_cert],
        crypto_pkcs12.serialization.BestAvailableEncryption(PASSWORD.encode()),
    )
    with pytest.raises(CorruptKeystore, match="no private key"):
        open_keystore(certificate_only, PASSWORD)


def test_inspect_reads_owner_profile_and_protection_from_the_file(auth_keystore, auth_cert):
    info = inspect_keystore(auth_keystore, PASSWORD)
    assert info.owner == f"{PERSON.surname.upper()} {PERSON.given_name.upper()}"
    assert info.surname == PERSON.surname.upper()
    assert info.patronymic == PERSON.patronymic.upper()
    assert info.iin == IIN
    assert info.profile == "AUTH"
    assert info.issuer == "ҰКО 3.0 (RSA TEST)"
    assert info.chain == ["ҰКО 3.0 (RSA TEST)", "ҰКО ROOT (RSA TEST)"]
    assert (info.key_algorithm, info.key_size) == ("RSA", 2048)
    assert info.signature_algorithm == "SHA256withRSA"
    assert info.not_before == auth_cert.not_valid_before_utc
    assert info.not_after == auth_cert.not_valid_after_utc
    expected = [("PBES2/PBKDF2-HMAC-SHA256/AES-256-CBC", ITERATIONS)]
    assert [(p.scheme, p.iterations) for p in info.key_protection] == expected
    assert [(p.scheme, p.iterations) for p in info.certificate_protection] == expected
    assert (info.mac_algorithm, info.mac_iterations) == ("HMAC-SHA-256", ITERATIONS)
    assert info.friendly_name == info.local_key_id == info.file_name_expected[len("AUTH_RSA256_") : -4]
    assert info.to_dict()["not_after"] == auth_cert.not_valid_after_utc.isoformat()


def test_a_file_demanding_an_absurd_iteration_count_is_refused_at_once(auth_keystore):
    pfx = asn1_pkcs12.Pfx.load(auth_keystore)
    mac_data = asn1_pkcs12.MacData(
        {
            "mac": pfx["mac_data"]["mac"],
            "mac_salt": pfx["mac_data"]["mac_salt"],
            "iterations": 2**31 - 1,  # about 10 minutes of hashing in Python
        }
    )
    hostile = asn1_pkcs12.Pfx({"version": "v3", "auth_safe": pfx["auth_safe"], "mac_data": mac_data}).dump()
    start = time.perf_counter()
    with pytest.raises(CorruptKeystore, match="implausible"):
        open_keystore(hostile, "Steppe7Wind?")
    assert time.perf_counter() - start < 1.0
