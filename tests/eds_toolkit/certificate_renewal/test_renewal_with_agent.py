"""A real `eds agent` subprocess signs the challenge with the AUTH keystore (createCAdESFromBase64,
AUTHENTICATION), as a portal would ask it; the service renews the pair from that CMS."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from flow_helpers import GOOD_PASSWORD
from renewal_helpers import certificate_count, new_csrs, status_of
from websockets.sync.client import connect

from keystore.pkcs12 import write_keystore

EDS = Path(sys.executable).parent / "eds"
COMMON = "kz.gov.pki.knca.commonUtils"


@pytest.fixture
def agent_url(holder, tmp_path):
    """`eds agent --no-tls --yes` on a free port over a folder with the holder's two keystores."""
    store = tmp_path / "eds-keys"
    store.mkdir()
    write_keystore(store, holder.auth_key, holder.auth, holder.chain, GOOD_PASSWORD)
    write_keystore(store, holder.sign_key, holder.sign, holder.chain, GOOD_PASSWORD)
    password_file = tmp_path / "password.txt"
    password_file.write_text(GOOD_PASSWORD + "\n")
    command = [str(EDS), "--home", str(tmp_path / "agent-home"), "agent", "--port", "0", "--no-tls", "--yes"]
    command += [
        "--origin",
        "http://127.0.0.1:5000",
        "--store",
        str(store),
        "--password-file",
        str(password_file),
    ]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True
    )
    try:
        yield _listening_url(process)
    finally:
        process.terminate()
        try:
            process.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()


def _listening_url(process: subprocess.Popen) -> str:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            raise AssertionError(f"eds agent exited: {process.stderr.read()}")
        match = re.search(r"ws://127\.0\.0\.1:(\d+)/", line)
        if match:
            return f"ws://127.0.0.1:{match.group(1)}"
    raise AssertionError("eds agent did not start in 30 s")


def agent_sign(url: str, key_type: str, data_base64: str) -> str:
    with connect(url) as ws:
        json.loads(ws.recv(timeout=10))  # the greeting
        ws.send(
            json.dumps(
                {
                    "module": COMMON,
                    "method": "createCAdESFromBase64",
                    "args": ["PKCS12", key_type, data_base64, False],
                }
            )
        )
        reply = json.loads(ws.recv(timeout=120))
    assert reply.get("code") == "200", reply
    return reply["responseObject"]


def test_the_agent_signs_the_challenge_with_the_auth_key_and_the_pair_is_renewed(
    client, ctx, holder, agent_url
):
    challenge = client.post("/api/v1/renewals").get_json()
    auth_csr, sign_csr = new_csrs()

    with_sign_key = client.post(
        f"/api/v1/renewals/{challenge['id']}",
        json={
            "signed_challenge": agent_sign(agent_url, "SIGNATURE", challenge["challenge_base64"]),
            "auth_csr": auth_csr,
            "sign_csr": sign_csr,
        },
    )
    assert (with_sign_key.status_code, with_sign_key.get_json()["code"]) == (403, "not_auth_certificate")
    before = certificate_count(ctx)

    challenge = client.post("/api/v1/renewals").get_json()
    renewed = client.post(
        f"/api/v1/renewals/{challenge['id']}",
        json={
            "signed_challenge": agent_sign(agent_url, "AUTHENTICATION", challenge["challenge_base64"]),
            "auth_csr": auth_csr,
            "sign_csr": sign_csr,
        },
    )
    assert renewed.status_code == 201, renewed.get_json()
    assert certificate_count(ctx) == before + 2
    assert status_of(ctx, holder.auth_serial) == ("revoked", "superseded")
    assert status_of(ctx, renewed.get_json()["auth_serial"]) == ("valid", None)
