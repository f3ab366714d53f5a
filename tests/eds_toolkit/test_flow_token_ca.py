"""The service issuing with a CA whose issuing key lives in a PKCS#11 token (SoftHSM2): `eds serve`
in its own process (SoftHSM reads its configuration once per process), the PIN from EDS_CA_PIN and no
CA passphrase at all in the service's environment."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import requests
from flow_helpers import (
    GOOD_PIN,
    KNOWN_IIN,
    KNOWN_PHONE,
    free_port,
    make_csr_pem,
    wait_until_answers,
)

from eds_toolkit.services import build_service_context
from eds_toolkit.settings import Settings
from tests.e2e.eds import wait_for_code
from tests.evidence_free import mark_identified

EDS = Path(sys.executable).parent / "eds"
MODULE = "/usr/lib/softhsm/libsofthsm2.so"
PIN = "2468-1357"


def _token_home(tmp_path: Path) -> tuple[Path, dict]:
    assert shutil.which("softhsm2-util") and Path(MODULE).is_file(), "softhsm2 missing: scripts/setup --test"
    tokens = tmp_path / "tokens"
    tokens.mkdir()
    conf = tmp_path / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {tokens}\nobjectstore.backend = file\n")
    home = tmp_path / "home"
    env = {**os.environ, "SOFTHSM2_CONF": str(conf), "EDS_HOME": str(home)}
    env.pop("EDS_DATABASE_URL", None)
    init_token = ["softhsm2-util", "--init-token", "--free", "--label", "eds-ca"]
    subprocess.run([*init_token, "--so-pin", "so-pin-0000", "--pin", PIN], env=env, check=True)
    (tmp_path / "pin").write_text(PIN + "\n")
    (tmp_path / "passphrase").write_text("root passphrase, offline\n")
    created = subprocess.run(
        [str(EDS), "ca", "init", "--passphrase-file", str(tmp_path / "passphrase"),
         "--pkcs11-module", MODULE, "--token-label", "eds-ca", "--pin-file", str(tmp_path / "pin")],
        env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    assert not (home / "ca" / "issuing.key.pem").exists()
    env.pop("EDS_CA_PASSPHRASE", None)
    return home, {**env, "EDS_CA_PIN": PIN, "EDS_SMS_GATEWAY": "outbox"}


def test_a_token_ca_issues_through_the_service_without_a_passphrase(tmp_path):
    home, env = _token_home(tmp_path)
    port = free_port()
    process = subprocess.Popen(
        [str(EDS), "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_answers(base + "/", process)
        started = requests.post(f"{base}/api/v1/enrolments", json={"iin": KNOWN_IIN}, timeout=10).json()
        auth = {"Authorization": f"Bearer {started['token']}"}
        url = f"{base}/api/v1/enrolments/{started['id']}"
        code = wait_for_code(home / "outbox.jsonl", KNOWN_PHONE)  # sent after the answer
        assert requests.post(f"{url}/code", json={"code": code}, headers=auth, timeout=10).ok
        mark_identified(build_service_context(Settings.from_env(env, home=home)), started["id"])
        pin = {"pin": GOOD_PIN, "pin_confirmation": GOOD_PIN}
        assert requests.post(f"{url}/pin", json=pin, headers=auth, timeout=10).ok
        assert requests.post(f"{url}/application/confirm", headers=auth, timeout=10).ok
        csrs = {"auth_csr": make_csr_pem(KNOWN_IIN).decode(), "sign_csr": make_csr_pem(KNOWN_IIN).decode()}
        issued = requests.post(f"{url}/certificates", json=csrs, headers=auth, timeout=30)
        assert issued.status_code == 201, issued.text
        body = issued.json()
    finally:
        process.terminate()
        output = process.communicate(timeout=10)[0]
    assert PIN not in output
    chain = tmp_path / "chain.pem"
    chain.write_text(body["chain"] if isinstance(body["chain"], str) else "".join(body["chain"]))
    for name in ("auth_certificate", "sign_certificate"):
        cert = tmp_path / f"{name}.pem"
        cert.write_text(body[name])
        verified = subprocess.run(
            ["openssl", "verify", "-CAfile", str(chain), str(cert)], capture_output=True, text=True
        )
        assert verified.returncode == 0, verified.stdout + verified.stderr


def test_the_ca_command_line_leaves_the_database_at_the_newest_migration(tmp_path):
    """`eds ca ...` before `eds serve` (or `eds db upgrade`) must not leave tables Alembic then recreates."""
    from eds_toolkit.db import make_engine
    from eds_toolkit.migrations import current, upgrade

    env = {**os.environ, "EDS_HOME": str(tmp_path / "home"), "EDS_CA_PASSPHRASE": "a long CA passphrase"}
    env.pop("EDS_DATABASE_URL", None)
    subprocess.run([str(EDS), "ca", "init"], env=env, check=True, capture_output=True)
    listed = subprocess.run([str(EDS), "ca", "list"], env=env, capture_output=True, text=True)
    assert listed.returncode == 0, listed.stderr
    engine = make_engine(f"sqlite:///{tmp_path / 'home' / 'eds.sqlite3'}")
    before = current(engine)
    assert before is not None
    upgrade(engine)
    assert current(engine) == before
    upgraded = subprocess.run([str(EDS), "db", "upgrade"], env=env, capture_output=True, text=True)
    assert upgraded.returncode == 0, upgraded.stderr
