"""`eds ca tsa-init` and `eds ca timestamp`: `openssl ts -query` in, a reply `openssl ts -verify` accepts."""

from __future__ import annotations

import subprocess

import pytest
from click.testing import CliRunner

from eds_toolkit.cli import main

PASSPHRASE = "tsa cli passphrase, long enough"


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    home = tmp_path_factory.mktemp("home")
    result = CliRunner().invoke(
        main, ["--home", str(home), "ca", "init"], env={"EDS_CA_PASSPHRASE": PASSPHRASE}
    )
    assert result.exit_code == 0, result.output
    return home


def eds(home, *args: str, passphrase: str | None = PASSPHRASE):
    return CliRunner().invoke(main, ["--home", str(home), "ca", *args], env={"EDS_CA_PASSPHRASE": passphrase})


def openssl(*args) -> subprocess.CompletedProcess:
    return subprocess.run(["openssl", *map(str, args)], capture_output=True, text=True, timeout=60)


def test_tsa_init_makes_the_tsa_once_with_the_policy_asked_for(tmp_path):
    home = tmp_path / "home"
    assert eds(home, "init").exit_code == 0
    bad = eds(home, "tsa-init", "--policy", "not an oid")
    assert bad.exit_code == 2 and "OID" in bad.output
    made = eds(home, "tsa-init", "--policy", "1.3.6.1.4.1.99999.7")
    assert made.exit_code == 0, made.output
    assert "policy 1.3.6.1.4.1.99999.7" in made.output
    again = eds(home, "tsa-init")
    assert again.exit_code == 1 and "already has a time-stamping authority" in again.output
    data, query, reply = tmp_path / "data", tmp_path / "q.tsq", tmp_path / "r.tsr"
    data.write_bytes(b"policy check")
    assert openssl("ts", "-query", "-data", data, "-sha256", "-out", query).returncode == 0
    assert eds(home, "timestamp", "--request", str(query), "--out", str(reply)).exit_code == 0
    assert "Policy OID: 1.3.6.1.4.1.99999.7" in openssl("ts", "-reply", "-in", reply, "-text").stdout


def test_openssl_query_answered_by_the_cli_is_accepted_by_openssl_verify(home, tmp_path):
    data = tmp_path / "application.txt"
    data.write_bytes("Өтініш № 17".encode())
    query, reply = tmp_path / "request.tsq", tmp_path / "reply.tsr"
    assert openssl("ts", "-query", "-data", data, "-sha256", "-cert", "-out", query).returncode == 0
    answered = eds(home, "timestamp", "--request", str(query), "--out", str(reply))
    assert answered.exit_code == 0, answered.output
    chain = tmp_path / "chain.pem"
    assert eds(home, "chain", "--out", str(chain)).exit_code == 0
    root = tmp_path / "root.pem"
    root.write_text("-----BEGIN CERTIFICATE-----" + chain.read_text().split("-----BEGIN CERTIFICATE-----")[2])
    verified = openssl("ts", "-verify", "-queryfile", query, "-in", reply, "-CAfile", root)
    assert verified.returncode == 0 and "Verification: OK" in verified.stdout, verified.stderr
    shown = openssl("ts", "-reply", "-in", reply, "-text")
    assert "Status: Granted." in shown.stdout and "Policy OID: 1.2.398.3.3.2.6.1" in shown.stdout


def test_a_sha1_query_is_rejected_with_bad_alg_exit_1_and_the_rejection_written(home, tmp_path):
    data = tmp_path / "data"
    data.write_bytes(b"x")
    query, reply = tmp_path / "request.tsq", tmp_path / "reply.tsr"
    assert openssl("ts", "-query", "-data", data, "-sha1", "-out", query).returncode == 0
    refused = eds(home, "timestamp", "--request", str(query), "--out", str(reply))
    assert refused.exit_code == 1 and "bad_alg" in refused.output
    assert "Status: Rejected." in openssl("ts", "-reply", "-in", reply, "-text").stdout


def test_a_wrong_passphrase_is_bad_input(home, tmp_path):
    query = tmp_path / "q.tsq"
    query.write_bytes(b"\x30\x00")
    wrong = eds(home, "timestamp", "--request", str(query), "--out", str(tmp_path / "r"), passphrase="nope")
    assert wrong.exit_code == 2 and "passphrase" in wrong.output
