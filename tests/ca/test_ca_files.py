"""Creating and loading the CA: encrypted 0600 key files, no overwrite, clear passphrase errors."""

from __future__ import annotations

import stat
import subprocess

import pytest
from asn1crypto import keys as asn1_keys
from asn1crypto import pem as asn1_pem
from ca_test_support import PASSPHRASE
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from ca.authority import CertificateAuthority
from ca.config import CAConfig
from ca.errors import CAAlreadyExists, CAError, CANotInitialised, PassphraseMissing, WrongCAPassphrase
from ca.passphrase import load_passphrase
from national_profile.key_encryption import ITERATIONS


def test_private_keys_are_encrypted_and_only_owner_readable(ca_dir):
    for name in ("root.key.pem", "issuing.key.pem"):
        path = ca_dir / name
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        text = path.read_text()
        assert text.startswith("-----BEGIN ENCRYPTED PRIVATE KEY-----")
        with pytest.raises(TypeError):
            serialization.load_pem_private_key(path.read_bytes(), password=None)


def test_openssl_opens_the_key_with_the_passphrase_and_sees_pbes2_aes256(ca_dir, tmp_path):
    passfile = tmp_path / "pass"
    passfile.write_bytes(PASSPHRASE)
    key = ca_dir / "issuing.key.pem"
    opened = subprocess.run(
        ["openssl", "pkey", "-in", str(key), "-passin", f"file:{passfile}", "-noout"], capture_output=True
    )
    assert opened.returncode == 0, opened.stderr
    der = subprocess.run(["openssl", "asn1parse", "-in", str(key)], capture_output=True, text=True).stdout
    assert "PBES2" in der and "aes-256-cbc" in der and "PBKDF2" in der and "hmacWithSHA256" in der
    wrong = subprocess.run(
        ["openssl", "pkey", "-in", str(key), "-passin", "pass:wrong", "-noout"], capture_output=True
    )
    assert wrong.returncode != 0


def test_both_ca_keys_use_pbkdf2_sha256_at_the_keystore_iteration_count(ca_dir):
    for name in ("root.key.pem", "issuing.key.pem"):
        _kind, _headers, der = asn1_pem.unarmor((ca_dir / name).read_bytes())
        algorithm = asn1_keys.EncryptedPrivateKeyInfo.load(der)["encryption_algorithm"]
        assert algorithm["algorithm"].native == "pbes2"
        assert algorithm.encryption_cipher == "aes" and algorithm.key_length == 32
        kdf = algorithm["parameters"]["key_derivation_func"]["parameters"]
        assert kdf["prf"]["algorithm"].native == "sha256"
        assert kdf["iteration_count"].native == ITERATIONS >= 600_000, name


def test_openssl_asn1parse_shows_the_iteration_count(ca_dir):
    parsed = subprocess.run(
        ["openssl", "asn1parse", "-in", str(ca_dir / "root.key.pem")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    integers = [int(line.rsplit(":", 1)[1], 16) for line in parsed.splitlines() if "INTEGER" in line]
    assert ITERATIONS in integers


def test_a_ca_key_written_with_cryptographys_2048_iterations_still_loads(tmp_path):
    directory = tmp_path / "ca"
    CertificateAuthority.initialise(directory, PASSPHRASE)
    issuing = CertificateAuthority.load(directory, PASSPHRASE)
    key = serialization.load_pem_private_key((directory / "issuing.key.pem").read_bytes(), PASSPHRASE)
    old_style = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(PASSPHRASE),
    )
    (directory / "issuing.key.pem").write_bytes(old_style)
    reloaded = CertificateAuthority.load(directory, PASSPHRASE)
    assert reloaded.issuing_cert == issuing.issuing_cert
    with pytest.raises(WrongCAPassphrase):
        CertificateAuthority.load(directory, b"not the passphrase at all")


def test_init_refuses_to_overwrite_an_existing_ca(ca_dir):
    before = {p.name: p.read_bytes() for p in ca_dir.iterdir()}
    with pytest.raises(CAAlreadyExists, match="never overwritten"):
        CertificateAuthority.initialise(ca_dir, PASSPHRASE)
    assert {p.name: p.read_bytes() for p in ca_dir.iterdir()} == before


def test_init_refuses_even_a_partial_ca(tmp_path):
    directory = tmp_path / "ca"
    directory.mkdir()
    (directory / "root.key.pem").write_text("left over")
    with pytest.raises(CAAlreadyExists, match="root.key.pem"):
        CertificateAuthority.initialise(directory, PASSPHRASE)
    assert [p.name for p in directory.iterdir()] == ["root.key.pem"]


def test_exists_and_load_of_a_missing_ca(tmp_path):
    assert not CertificateAuthority.exists(tmp_path / "nothing")
    with pytest.raises(CANotInitialised, match="eds ca init"):
        CertificateAuthority.load(tmp_path / "nothing", PASSPHRASE)


def test_wrong_passphrase_is_a_clear_error(ca_dir):
    with pytest.raises(WrongCAPassphrase, match="does not decrypt") as caught:
        CertificateAuthority.load(ca_dir, b"not the passphrase at all")
    assert "not the passphrase" not in str(caught.value)


def test_configuration_is_persisted_so_urls_stay_stable(tmp_path):
    config = CAConfig(root_name="ROOT TEST", issuing_name="ISSUING TEST", base_url="https://pki.example.kz/")
    CertificateAuthority.initialise(tmp_path / "ca", PASSPHRASE, config)
    loaded = CertificateAuthority.load(tmp_path / "ca", PASSPHRASE)
    assert loaded.config == config
    assert loaded.config.crl_url == "https://pki.example.kz/pki/crl"
    assert loaded.issuing_cert.subject.rfc4514_string() == "CN=ISSUING TEST,C=KZ"
    assert loaded.root_cert.subject.rfc4514_string() == "C=KZ,CN=ROOT TEST"


def test_ca_certificates_form_a_two_level_hierarchy(ca_dir):
    authority = CertificateAuthority.load(ca_dir, PASSPHRASE)
    root, issuing = authority.root_cert, authority.issuing_cert
    assert root.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    constraints = issuing.extensions.get_extension_for_class(x509.BasicConstraints)
    assert constraints.critical and constraints.value.ca and constraints.value.path_length == 0
    usage = issuing.extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical and usage.value.key_cert_sign and usage.value.crl_sign
    assert root.public_key().key_size == 4096 and issuing.public_key().key_size == 2048
    issuing.verify_directly_issued_by(root)
    assert "TEST" in root.subject.rfc4514_string() and "TEST" in issuing.subject.rfc4514_string()


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"base_url": "ftp://x"}, "http"),
        ({"root_name": ""}, "1 to 64"),
        ({"issuing_key_size": 1024}, "Key sizes"),
    ],
)
def test_bad_configuration_is_refused(changes, message):
    with pytest.raises(CAError, match=message):
        CAConfig(**changes)


def test_passphrase_from_environment(monkeypatch):
    monkeypatch.setenv("EDS_CA_PASSPHRASE", "from the environment")
    assert load_passphrase(None) == b"from the environment"


def test_passphrase_file_wins_over_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("EDS_CA_PASSPHRASE", "from the environment")
    path = tmp_path / "passphrase"
    path.write_text("from the file, first line\nsecond line\n")
    assert load_passphrase(path) == b"from the file, first line"


def test_missing_or_short_passphrase_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.delenv("EDS_CA_PASSPHRASE", raising=False)
    with pytest.raises(PassphraseMissing, match="EDS_CA_PASSPHRASE or pass --passphrase-file"):
        load_passphrase(None)
    with pytest.raises(PassphraseMissing, match="Cannot read"):
        load_passphrase(tmp_path / "absent")
    short = tmp_path / "short"
    short.write_text("secret\n")
    with pytest.raises(PassphraseMissing, match="shorter than 12") as caught:
        load_passphrase(short)
    assert "secret" not in str(caught.value)


def test_a_file_appearing_midway_leaves_nothing_of_the_new_ca(tmp_path):
    from ca.files import CAFiles

    files = CAFiles(tmp_path / "ca")
    files.directory.mkdir()
    files.issuing_key.write_text("appeared after the check")
    with pytest.raises(CAAlreadyExists, match="nothing was kept"):
        files.write_all({files.root_key: (b"root", 0o600), files.issuing_key: (b"issuing", 0o600)})
    assert sorted(p.name for p in files.directory.iterdir()) == ["issuing.key.pem"]
    assert files.issuing_key.read_text() == "appeared after the check"
