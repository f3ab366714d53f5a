"""`eds keystore new | build | inspect`: the round trip with a test CA, and exit codes 0 / 1 / 2."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from keystore_testkit import IIN, LEGACY_KEYSTORE, LEGACY_PASSWORD, PASSWORD

from eds_toolkit.cli import main
from national_profile.key_encryption import ITERATIONS

PEM = serialization.Encoding.PEM


def eds(*args: str, input: str | None = None):
    return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)


@pytest.fixture
def password_file(tmp_path):
    path = tmp_path / "password.txt"
    path.write_text(PASSWORD + "\n")
    return path


def _new(out_dir, password_file, *extra):
    return eds(
        "keystore", "new", "--iin", IIN, "--surname", "Сейтқали", "--given-name", "Әлия",
        "--patronymic", "Маратқызы", "--profile", "auth", "--out", str(out_dir),
        "--password-file", str(password_file), *extra,
    )  # fmt: skip


def _paths(result) -> dict[str, str]:
    return dict(line.split(": ", 1) for line in result.stdout.strip().splitlines())


def test_round_trip_new_issue_build_inspect(tmp_path, password_file, mini_ca):
    made = _new(tmp_path / "citizen", password_file)
    assert made.exit_code == 0, made.output
    paths = _paths(made)
    key_path, csr_path = Path(paths["key"]), Path(paths["csr"])
    assert key_path.parent == csr_path.parent == tmp_path / "citizen"
    assert key_path.name.startswith("AUTH_RSA256_") and key_path.suffix == ".key"
    assert csr_path.stem == key_path.stem and csr_path.suffix == ".csr"
    assert stat.S_IMODE(key_path.stat().st_mode) == 0o600
    assert b"ENCRYPTED PRIVATE KEY" in key_path.read_bytes()

    csr = x509.load_pem_x509_csr(csr_path.read_bytes())
    assert csr.is_signature_valid
    (tmp_path / "cert.pem").write_bytes(mini_ca.issue(csr.public_key(), "auth").public_bytes(PEM))
    (tmp_path / "chain.pem").write_bytes(b"".join(c.public_bytes(PEM) for c in mini_ca.chain))

    built = eds(
        "keystore", "build", "--key", str(key_path), "--cert", str(tmp_path / "cert.pem"),
        "--chain", str(tmp_path / "chain.pem"), "--out", str(tmp_path / "citizen"),
        "--password-file", str(password_file),
    )  # fmt: skip
    assert built.exit_code == 0, built.output
    keystore_path = Path(built.stdout.strip())
    assert keystore_path.parent == tmp_path / "citizen"
    assert keystore_path.name == key_path.stem + ".p12"  # the SKI the CA set is the key id of the file names
    assert stat.S_IMODE(keystore_path.stat().st_mode) == 0o600

    shown = eds("keystore", "inspect", str(keystore_path), "--password-file", str(password_file))
    assert shown.exit_code == 0, shown.output
    text = shown.stdout
    assert "СЕЙТҚАЛИ ӘЛИЯ" in text and IIN in text and "МАРАТҚЫЗЫ" in text
    assert "Profile:" in text and " AUTH" in text
    assert f"PBES2/PBKDF2-HMAC-SHA256/AES-256-CBC, {ITERATIONS:,} iterations" in text
    assert f"HMAC-SHA-256, {ITERATIONS:,} iterations" in text
    assert PASSWORD not in shown.output

    as_json = eds(
        "keystore", "inspect", str(keystore_path), "--format", "json", "--password-file", str(password_file)
    )
    report = json.loads(as_json.stdout)
    assert report["iin"] == IIN and report["profile"] == "AUTH"
    assert report["mac_iterations"] == ITERATIONS
    assert report["key_protection"] == [
        {"scheme": "PBES2/PBKDF2-HMAC-SHA256/AES-256-CBC", "iterations": ITERATIONS}
    ]
    assert report["friendly_name"] == keystore_path.stem.removeprefix("AUTH_RSA256_")


def test_new_asks_for_the_password_twice_on_a_hidden_prompt(tmp_path):
    result = eds(
        "keystore", "new", "--iin", IIN, "--surname", "Ким", "--given-name", "Ольга", "--profile", "sign",
        "--algorithm", "p256", "--out", str(tmp_path), input=f"{PASSWORD}\n{PASSWORD}\n",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output
    assert "Keystore password:" in result.output and "Repeat for confirmation:" in result.output
    assert Path(_paths(result)["key"]).name.startswith("ECDSA256_")


def test_new_with_an_invalid_iin_is_bad_input_and_writes_nothing(tmp_path, password_file):
    result = eds(
        "keystore", "new", "--iin", "123456789011", "--surname", "Ким", "--given-name", "Ольга",
        "--profile", "sign", "--out", str(tmp_path / "out"), "--password-file", str(password_file),
    )  # fmt: skip
    assert result.exit_code == 2
    assert "check digit" in result.stderr or "7th digit" in result.stderr
    assert not (tmp_path / "out").exists()


def test_new_with_a_weak_password_is_refused_and_writes_nothing(tmp_path):
    weak = tmp_path / "weak.txt"
    weak.write_text("Qwerty12\n")
    result = _new(tmp_path / "out", weak)
    assert result.exit_code == 1
    assert "too easy to guess" in result.stderr
    assert not (tmp_path / "out").exists() or list((tmp_path / "out").iterdir()) == []


@pytest.fixture
def made(tmp_path, password_file, mini_ca):
    result = _new(tmp_path / "citizen", password_file)
    key_path = Path(_paths(result)["key"])
    csr = x509.load_pem_x509_csr(Path(_paths(result)["csr"]).read_bytes())
    (tmp_path / "cert.pem").write_bytes(mini_ca.issue(csr.public_key(), "auth").public_bytes(PEM))
    (tmp_path / "chain.pem").write_bytes(b"".join(c.public_bytes(PEM) for c in mini_ca.chain))
    return key_path


def _build(tmp_path, key_path, password_file, out, cert="cert.pem"):
    return eds(
        "keystore", "build", "--key", str(key_path), "--cert", str(tmp_path / cert),
        "--chain", str(tmp_path / "chain.pem"), "--out", str(out), "--password-file", str(password_file),
    )  # fmt: skip


def test_build_with_a_wrong_password_is_refused(tmp_path, made):
    wrong = tmp_path / "wrong.txt"
    wrong.write_text("Steppe7Wind?\n")
    result = _build(tmp_path, made, wrong, tmp_path / "x.p12")
    assert result.exit_code == 1
    assert "does not open this key file" in result.stderr
    assert not (tmp_path / "x.p12").exists()


def test_build_with_someone_elses_certificate_is_refused(tmp_path, made, mini_ca, ec_key, password_file):
    (tmp_path / "other.pem").write_bytes(mini_ca.issue(ec_key.public_key(), "auth").public_bytes(PEM))
    result = _build(tmp_path, made, password_file, tmp_path / "x.p12", cert="other.pem")
    assert result.exit_code == 1
    assert "different key" in result.stderr
    assert not (tmp_path / "x.p12").exists()


def test_build_never_overwrites_and_a_non_pem_certificate_is_bad_input(tmp_path, made, password_file):
    target = tmp_path / "mine.p12"
    target.write_bytes(b"precious")
    refused = _build(tmp_path, made, password_file, target)
    assert refused.exit_code == 1 and "already exists" in refused.stderr
    assert target.read_bytes() == b"precious"
    (tmp_path / "junk.pem").write_text("not a certificate")
    bad = _build(tmp_path, made, password_file, tmp_path / "y.p12", cert="junk.pem")
    assert bad.exit_code == 2 and "no PEM certificate" in bad.stderr


def test_inspect_exit_codes_wrong_password_1_damaged_file_2_missing_password_file_2(
    tmp_path, auth_keystore, password_file
):
    path = tmp_path / "k.p12"
    path.write_bytes(auth_keystore)
    wrong = tmp_path / "wrong.txt"
    wrong.write_text("Steppe7Wind?\n")
    assert eds("keystore", "inspect", str(path), "--password-file", str(wrong)).exit_code == 1
    (tmp_path / "cut.p12").write_bytes(auth_keystore[:100])
    damaged = eds("keystore", "inspect", str(tmp_path / "cut.p12"), "--password-file", str(password_file))
    assert damaged.exit_code == 2 and "damaged or cut short" in damaged.stderr
    missing = eds("keystore", "inspect", str(path), "--password-file", str(tmp_path / "nope.txt"))
    assert missing.exit_code == 2 and "Cannot read the password file" in missing.stderr


def test_inspect_reads_the_national_cas_legacy_keystore(tmp_path):
    secret = tmp_path / "legacy.txt"
    secret.write_text(LEGACY_PASSWORD + "\n")
    result = eds("keystore", "inspect", str(LEGACY_KEYSTORE), "--password-file", str(secret))
    assert result.exit_code == 0, result.output
    assert "pbeWithSHA1And3-KeyTripleDES-CBC, 1,024 iterations" in result.stdout
    assert "EXPIRED" in result.stdout
    assert "123456789011" in result.stdout


def test_build_with_a_chain_that_stops_before_the_root_is_refused(tmp_path, made, mini_ca, password_file):
    (tmp_path / "chain.pem").write_bytes(mini_ca.issuing_cert.public_bytes(PEM))  # no root
    result = _build(tmp_path, made, password_file, tmp_path / "x.p12")
    assert result.exit_code == 1
    assert "not a root CA" in result.stderr and "eds ca chain" in result.stderr
    assert not (tmp_path / "x.p12").exists()
