"""A whole enrolment against a real `eds serve` process with a real HTTP client, ending in keystores
that `openssl pkcs12` opens with the citizen's password (and refuses with another)."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import requests
from flow_helpers import (
    GOOD_PASSWORD,
    GOOD_PIN,
    KNOWN_PHONE,
    NEW_PHONE,
    NO_PHONE_IIN,
    code_for,
    free_port,
    make_csr_pem,
    wait_until_answers,
)

from eds_toolkit.services import build_service_context
from eds_toolkit.settings import Settings
from tests.e2e.eds import wait_for_code  # the server sends the start's SMS after answering
from tests.evidence_free import mark_identified

EDS = Path(sys.executable).parent / "eds"


@pytest.fixture
def server(tmp_path, ca_template):
    home = tmp_path / "home"
    home.mkdir()
    shutil.copytree(ca_template, home / "ca")
    port = free_port()
    env = {**os.environ, "EDS_HOME": str(home), "EDS_SMS_GATEWAY": "outbox"}
    env.pop("EDS_DATABASE_URL", None)
    process = subprocess.Popen(
        [str(EDS), "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_answers(base + "/", process)
        yield base, home, env
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_whole_enrolment_over_http_ends_in_keystores_openssl_opens(server, tmp_path):
    base, home, env = server
    http = requests.Session()
    started = http.post(f"{base}/api/v1/enrolments", json={"iin": "850314312017"}, timeout=10)
    assert started.status_code == 201
    enrolment, token = started.json()["id"], started.json()["token"]
    auth = {"Authorization": f"Bearer {token}"}
    url = f"{base}/api/v1/enrolments/{enrolment}"

    response = http.post(
        f"{url}/code", json={"code": wait_for_code(home / "outbox.jsonl", KNOWN_PHONE)}, headers=auth
    )
    assert response.status_code == 200, response.text
    ctx = build_service_context(Settings.from_env(env, home=home))
    mark_identified(ctx, enrolment)
    assert http.post(f"{url}/pin", json={"pin": GOOD_PIN, "pin_confirmation": GOOD_PIN}, headers=auth).ok
    assert http.post(f"{url}/application/confirm", headers=auth).ok

    response = http.post(
        f"{url}/certificates", json={"key_generation": "server", "password": GOOD_PASSWORD}, headers=auth
    )
    assert response.status_code == 201, response.text
    assert response.headers["Content-Type"] == "application/zip"
    out = tmp_path / "keystores"
    zipfile.ZipFile(io.BytesIO(response.content)).extractall(out)
    keystores = sorted(out.iterdir())
    assert [p.name.split("_")[0] for p in keystores] == ["AUTH", "RSA256"]
    for keystore in keystores:
        opened = subprocess.run(
            ["openssl", "pkcs12", "-in", str(keystore), "-passin", f"pass:{GOOD_PASSWORD}", "-nodes"],
            capture_output=True,
            text=True,
        )
        assert opened.returncode == 0, opened.stderr
        assert opened.stdout.count("BEGIN CERTIFICATE") == 3  # own certificate + issuing + root
        assert "PRIVATE KEY" in opened.stdout
        wrong = subprocess.run(
            ["openssl", "pkcs12", "-in", str(keystore), "-passin", "pass:wrong-password", "-noout"],
            capture_output=True,
        )
        assert wrong.returncode != 0

    assert http.get(url, headers=auth).json()["state"] == "issued"
    again = http.post(
        f"{url}/certificates", json={"key_generation": "server", "password": GOOD_PASSWORD}, headers=auth
    )
    assert again.status_code == 200 and again.content == response.content  # the kept copy, nothing issued
    root = http.get(f"{base}/pki/root.cer")
    assert root.status_code == 200


def test_phone_registration_and_citizen_csrs_over_http_verify_with_openssl(server, tmp_path):
    base, home, env = server
    started = requests.post(f"{base}/api/v1/enrolments", json={"iin": NO_PHONE_IIN}, timeout=10).json()
    auth = {"Authorization": f"Bearer {started['token']}"}
    url = f"{base}/api/v1/enrolments/{started['id']}"
    assert requests.post(f"{url}/phone", json={"phone": NEW_PHONE}, headers=auth).status_code == 202
    code = code_for(home / "outbox.jsonl", NEW_PHONE)
    assert requests.post(f"{url}/phone/confirm", json={"code": code}, headers=auth).status_code == 200
    mark_identified(build_service_context(Settings.from_env(env, home=home)), started["id"])
    assert requests.post(f"{url}/pin", json={"pin": GOOD_PIN, "pin_confirmation": GOOD_PIN}, headers=auth).ok
    assert requests.post(f"{url}/application/confirm", headers=auth).ok
    csrs = {"auth_csr": make_csr_pem(NO_PHONE_IIN).decode(), "sign_csr": make_csr_pem(NO_PHONE_IIN).decode()}
    issued = requests.post(f"{url}/certificates", json=csrs, headers=auth)
    assert issued.status_code == 201, issued.text
    body = issued.json()
    chain = tmp_path / "chain.pem"
    chain.write_text(body["chain"])
    for name in ("auth_certificate", "sign_certificate"):
        path = tmp_path / f"{name}.pem"
        path.write_text(body[name])
        verified = subprocess.run(
            [
                "openssl",
                "verify",
                "-CAfile",
                str(home / "ca" / "root.cer.pem"),
                "-untrusted",
                str(chain),
                str(path),
            ],
            capture_output=True,
            text=True,
        )
        assert verified.returncode == 0, verified.stderr + verified.stdout


def test_gunicorn_with_two_workers_starts_a_fresh_instance_once(tmp_path):
    """Both workers run the start-up work (migrations, test CA, demo citizens) under one lock."""
    home = tmp_path / "fresh"
    port = free_port()
    env = {
        **os.environ,
        "EDS_HOME": str(home),
        "EDS_SMS_GATEWAY": "outbox",
        "EDS_CREATE_TEST_CA": "1",
        "EDS_LOAD_DEMO_CITIZENS": "1",
        "EDS_BASE_URL": f"http://127.0.0.1:{port}",
    }
    env.pop("EDS_DATABASE_URL", None)
    gunicorn = Path(sys.executable).parent / "gunicorn"
    process = subprocess.Popen(
        [str(gunicorn), "-w", "2", "-b", f"127.0.0.1:{port}", "eds_toolkit.wsgi:app"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_until_answers(f"http://127.0.0.1:{port}/api/v1/openapi.json", process, timeout=120)
        answers = [
            requests.post(
                f"http://127.0.0.1:{port}/api/v1/enrolments", json={"iin": "850314312017"}, timeout=30
            )
            for _ in range(4)
        ]
        assert [a.status_code for a in answers] == [201] * 4
        assert requests.get(f"http://127.0.0.1:{port}/pki/root.cer", timeout=10).status_code == 200
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=20)
    assert output.count("Created a TEST CA") == 1, output
    assert "Traceback" not in output


def test_serve_on_a_fresh_home_runs_a_production_server_and_logs_only_what_an_operator_needs(tmp_path):
    """`eds serve` is the README's first command: no development-server warning, no library chatter."""
    home = tmp_path / "fresh"
    port = free_port()
    env = {**os.environ, "EDS_HOME": str(home)}
    env.pop("EDS_DATABASE_URL", None)
    process = subprocess.Popen(
        [str(EDS), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_until_answers(f"http://127.0.0.1:{port}/", process)
        assert requests.get(f"http://127.0.0.1:{port}/", timeout=10).status_code == 200
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=10)
    assert "Database schema upgraded from empty to revision" in output
    assert "Created a TEST CA" in output and "Loaded 6 demo citizens" in output
    assert f"Serving on http://127.0.0.1:{port}" in output
    assert "development server" not in output
    assert "alembic" not in output
