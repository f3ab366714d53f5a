"""End to end with the project's own CA, through the installed `eds` command (real processes, exit codes)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from keystore_testkit import IIN, PASSWORD, run_tool

from keystore.pkcs12 import inspect_keystore
from national_profile.key_encryption import ITERATIONS

EDS = Path(sys.executable).with_name("eds")


def eds(*args: str, home: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "EDS_HOME": str(home), "EDS_CA_PASSPHRASE": "ca-test-passphrase-1"}
    env.pop("EDS_DATABASE_URL", None)
    return subprocess.run([str(EDS), *args], capture_output=True, text=True, env=env, timeout=300)


@pytest.fixture(scope="module")
def ca_home(tmp_path_factory) -> Path:
    home = tmp_path_factory.mktemp("eds-home")
    created = eds("ca", "init", home=home)
    assert created.returncode == 0, created.stderr
    return home


@pytest.mark.parametrize("profile", ["auth", "sign"])
def test_new_then_ca_issue_then_build_gives_a_keystore_openssl_and_keytool_accept(ca_home, tmp_path, profile):
    secret = tmp_path / "password.txt"
    secret.write_text(PASSWORD + "\n")
    folder = tmp_path / "citizen"
    made = eds(
        "keystore", "new", "--iin", IIN, "--surname", "Сейтқали", "--given-name", "Әлия",
        "--patronymic", "Маратқызы", "--profile", profile, "--out", str(folder),
        "--password-file", str(secret), home=ca_home,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    paths = dict(line.split(": ", 1) for line in made.stdout.strip().splitlines())

    issued = eds(
        "ca", "issue", "--csr", paths["csr"], "--iin", IIN, "--surname", "Сейтқали", "--given-name", "Әлия",
        "--patronymic", "Маратқызы", "--operator", "op-17", "--document", "N1234567", "--profile", profile,
        "--out", str(tmp_path / "cert.pem"), home=ca_home,
    )  # fmt: skip
    assert issued.returncode == 0, issued.stderr
    chain = eds("ca", "chain", "--out", str(tmp_path / "chain.pem"), home=ca_home)
    assert chain.returncode == 0, chain.stderr

    built = eds(
        "keystore", "build", "--key", paths["key"], "--cert", str(tmp_path / "cert.pem"),
        "--chain", str(tmp_path / "chain.pem"), "--out", str(folder), "--password-file", str(secret),
        home=ca_home,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr
    keystore = Path(built.stdout.strip())
    prefix = "AUTH_RSA256_" if profile == "auth" else "RSA256_"
    assert keystore.name.startswith(prefix) and keystore.stem == Path(paths["key"]).stem

    info = inspect_keystore(keystore.read_bytes(), PASSWORD)
    assert (info.iin, info.profile, info.mac_iterations) == (IIN, profile.upper(), ITERATIONS)
    assert len(info.chain) == 2

    opened = run_tool("openssl", "pkcs12", "-in", str(keystore), "-passin", f"pass:{PASSWORD}", "-nokeys")
    assert opened.returncode == 0
    listed = run_tool(
        "keytool", "-list", "-storetype", "PKCS12", "-keystore", str(keystore), "-storepass", PASSWORD
    )
    assert listed.returncode == 0, listed.stdout.decode()
    assert f"{info.friendly_name}," in listed.stdout.decode()  # "alias, date, PrivateKeyEntry,"
    assert "PrivateKeyEntry" in listed.stdout.decode()

    shown = eds("keystore", "inspect", str(keystore), "--password-file", str(secret), home=ca_home)
    assert shown.returncode == 0 and IIN in shown.stdout and PASSWORD not in shown.stdout + shown.stderr
    wrong = tmp_path / "wrong.txt"
    wrong.write_text("Steppe7Wind?\n")
    refused = eds("keystore", "inspect", str(keystore), "--password-file", str(wrong), home=ca_home)
    assert refused.returncode == 1 and "does not open this keystore" in refused.stderr
