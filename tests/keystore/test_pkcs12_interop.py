"""Real peers read our keystores: OpenSSL 3 (`openssl pkcs12`) and Java (`keytool`)."""

from __future__ import annotations

import re

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import ExtensionOID
from keystore_testkit import PASSWORD, run_tool

from keystore.pkcs12 import build_keystore
from national_profile.key_encryption import ITERATIONS


def _ski_hex(certificate: x509.Certificate) -> str:
    return certificate.extensions.get_extension_for_oid(
        ExtensionOID.SUBJECT_KEY_IDENTIFIER
    ).value.digest.hex()


@pytest.fixture(scope="module")
def keystore_file(tmp_path_factory, auth_keystore):
    path = tmp_path_factory.mktemp("interop") / "auth.p12"
    path.write_bytes(auth_keystore)
    return path


@pytest.fixture(scope="module")
def ec_keystore_file(tmp_path_factory, ec_key, mini_ca):
    certificate = mini_ca.issue(ec_key.public_key(), "sign")
    path = tmp_path_factory.mktemp("interop-ec") / "sign-ec.p12"
    path.write_bytes(build_keystore(ec_key, certificate, mini_ca.chain, PASSWORD))
    return path


def test_openssl_info_shows_pbes2_aes256_pbkdf2_sha256_and_a_sha256_mac_at_the_same_count(keystore_file):
    result = run_tool(
        "openssl", "pkcs12", "-info", "-noout", "-in", str(keystore_file), "-passin", f"pass:{PASSWORD}"
    )
    assert result.returncode == 0, result.stderr.decode()
    info = result.stderr.decode() + result.stdout.decode()
    assert f"MAC: sha256, Iteration {ITERATIONS}" in info
    protections = re.findall(r"(Shrouded Keybag|PKCS7 Encrypted data): (.*)", info)
    assert {kind for kind, _ in protections} == {"Shrouded Keybag", "PKCS7 Encrypted data"}
    for _, scheme in protections:
        assert scheme == f"PBES2, PBKDF2, AES-256-CBC, Iteration {ITERATIONS}, PRF hmacWithSHA256"
    assert ITERATIONS >= 600_000


def test_openssl_opens_it_with_the_password_and_finds_key_certificate_chain_and_ski_labels(
    keystore_file, rsa_key, auth_cert, mini_ca
):
    result = run_tool("openssl", "pkcs12", "-in", str(keystore_file), "-passin", f"pass:{PASSWORD}", "-nodes")
    assert result.returncode == 0, result.stderr.decode()
    pem = result.stdout
    key = serialization.load_pem_private_key(pem[pem.index(b"-----BEGIN PRIVATE KEY-----") :], None)
    assert key.private_numbers() == rsa_key.private_numbers()
    certificates = x509.load_pem_x509_certificates(pem)
    assert certificates[0] == auth_cert
    assert set(certificates[1:]) == set(mini_ca.chain)
    ski = _ski_hex(auth_cert)
    spaced = " ".join(ski[i : i + 2] for i in range(0, len(ski), 2)).upper()
    text = pem.decode()
    assert text.count(f"friendlyName: {ski}") == 2  # key bag and certificate bag
    assert text.count(f"localKeyID: {spaced}") == 2


def test_openssl_refuses_a_wrong_password(keystore_file):
    result = run_tool(
        "openssl", "pkcs12", "-in", str(keystore_file), "-passin", "pass:Steppe7Wind?", "-noout"
    )
    assert result.returncode != 0
    assert "mac verify" in result.stderr.decode().lower()


def test_openssl_verify_accepts_the_chain_carried_in_the_keystore(keystore_file, tmp_path):
    certs = run_tool(
        "openssl", "pkcs12", "-in", str(keystore_file), "-passin", f"pass:{PASSWORD}", "-nokeys", "-cacerts"
    )
    assert certs.returncode == 0
    chain = x509.load_pem_x509_certificates(certs.stdout)
    assert len(chain) == 2
    leaf = run_tool(
        "openssl", "pkcs12", "-in", str(keystore_file), "-passin", f"pass:{PASSWORD}", "-nokeys", "-clcerts"
    )
    (tmp_path / "leaf.pem").write_bytes(leaf.stdout)
    (tmp_path / "chain.pem").write_bytes(certs.stdout)
    verdict = run_tool(
        "openssl",
        "verify",
        "-CAfile",
        str(tmp_path / "chain.pem"),
        "-purpose",
        "any",
        str(tmp_path / "leaf.pem"),
    )
    assert verdict.returncode == 0, verdict.stdout.decode() + verdict.stderr.decode()


def _keytool_list(path, password, *extra):
    return run_tool(
        "keytool", "-list", "-storetype", "PKCS12", "-keystore", str(path), "-storepass", password, *extra
    )


def test_keytool_lists_one_private_key_entry_whose_alias_is_the_hex_ski_with_the_full_chain(
    keystore_file, auth_cert
):
    result = _keytool_list(keystore_file, PASSWORD, "-v")
    output = result.stdout.decode()
    assert result.returncode == 0, output + result.stderr.decode()
    assert "Your keystore contains 1 entry" in output
    assert f"Alias name: {_ski_hex(auth_cert)}" in output
    assert "Entry type: PrivateKeyEntry" in output
    assert "Certificate chain length: 3" in output


def test_keytool_refuses_a_wrong_password(keystore_file):
    result = _keytool_list(keystore_file, "Steppe7Wind?")
    assert result.returncode != 0
    assert "password was incorrect" in (result.stdout + result.stderr).decode()


def test_an_ec_p256_keystore_is_read_by_openssl_and_keytool(ec_keystore_file):
    info = run_tool(
        "openssl", "pkcs12", "-info", "-noout", "-in", str(ec_keystore_file), "-passin", f"pass:{PASSWORD}"
    )
    assert info.returncode == 0
    assert f"MAC: sha256, Iteration {ITERATIONS}" in info.stderr.decode() + info.stdout.decode()
    listed = _keytool_list(ec_keystore_file, PASSWORD, "-v")
    assert listed.returncode == 0, listed.stdout.decode()
    assert "Entry type: PrivateKeyEntry" in listed.stdout.decode()
    assert "EC" in listed.stdout.decode()
