"""A page in real Chromium drives `eds agent` over WebSocket: keys made on the citizen's side.

The page is a portal-like origin serving the agent's browser client (eds-agent-client.js); the
enrolment runs through `eds serve`'s JSON API (identification by the library until the webcam
pages land). The page only ever sees CSRs and certificates; the two .p12 files appear in the
agent's folder and `openssl pkcs12` opens them with the citizen's password.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import requests

from .browser import wait_for
from .eds import (
    identify_through_the_library,
    openssl_pkcs12_subject,
    start_eds_agent,
    start_eds_serve,
    wait_for_code,
)

pytestmark = pytest.mark.browser

CITIZEN = {"iin": "850314312017", "surname": "Жұмабеков", "givenName": "Асқар", "patronymic": "Серікұлы"}
CITIZEN_PHONE = "+77011234567"
PIN = "385927"
KEYSTORE_PASSWORD = "Tulpar-Kokpar-2026"


def _agent_step(driver, name: str, args=None) -> dict:
    """One call of the page's agent client (window.agentStep), its result as data."""
    return driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        " window.agentStep(arguments[0], arguments[1]).then(done);",
        name,
        args,
    )


def _enrolment_ready_for_certificates(server_url: str, home: Path) -> tuple[str, dict]:
    """An enrolment of CITIZEN through the JSON API up to pin_set; its id and auth header."""
    api = f"{server_url}/api/v1/enrolments"
    created = requests.post(api, json={"iin": CITIZEN["iin"]}, timeout=30)
    assert created.status_code == 201, created.text
    enrolment_id, auth = created.json()["id"], {"Authorization": f"Bearer {created.json()['token']}"}
    code = wait_for_code(home / "outbox.jsonl", CITIZEN_PHONE)
    assert requests.post(f"{api}/{enrolment_id}/code", json={"code": code}, headers=auth, timeout=30).ok
    identify_through_the_library(home, CITIZEN["iin"])
    pin = requests.post(
        f"{api}/{enrolment_id}/pin", json={"pin": PIN, "pin_confirmation": PIN}, headers=auth, timeout=30
    )
    assert pin.json()["state"] == "pin_set", pin.text
    return enrolment_id, auth


def test_page_drives_the_agent_to_two_keystores_in_the_chosen_folder(
    tmp_path, start_process, open_browser, live_camera, agent_site, screenshots, screenshot_dir
):
    home, store = tmp_path / "eds-home", tmp_path / "my-eds-keys"
    password_file = tmp_path / "password.txt"
    password_file.write_text(KEYSTORE_PASSWORD + "\n")
    server = start_eds_serve(start_process, home)
    agent = start_eds_agent(
        start_process,
        tmp_path / "agent-home",
        origin=agent_site.url,
        store=store,
        password_file=password_file,
    )
    enrolment_id, auth = _enrolment_ready_for_certificates(server.url, home)

    driver = open_browser(live_camera)
    shots = screenshots(driver, screenshot_dir)
    driver.get(f"{agent_site.url}/agent_probe.html")
    seen_by_page: list[dict] = []

    def step(name: str, args=None) -> dict:
        reply = _agent_step(driver, name, args)
        seen_by_page.append(reply)
        assert reply["ok"], f"agent refused {name}: {reply}"
        return reply["result"]

    version = step("connect", {"url": f"ws://127.0.0.1:{agent.port}"})
    assert version
    assert step("chooseStore")["folder"] == str(store)
    requested = step("makeRequests", {"enrolmentId": enrolment_id, **CITIZEN})
    shots.take("requests-made")
    csrs = {name: value for name, value in requested.items() if "BEGIN CERTIFICATE REQUEST" in str(value)}
    assert len(csrs) == 2, requested

    issued = requests.post(
        f"{server.url}/api/v1/enrolments/{enrolment_id}/certificates",
        json={"auth_csr": requested["authCsr"], "sign_csr": requested["signCsr"]},
        headers=auth,
        timeout=60,
    )
    assert issued.status_code == 201, issued.text
    certificates = issued.json()
    step(
        "installCertificates",
        {
            "enrolmentId": enrolment_id,
            "authCertificate": certificates["auth_certificate"],
            "signCertificate": certificates["sign_certificate"],
            "chain": certificates["chain"],
        },
    )
    shots.take("certificates-installed")

    keystores = sorted(p.name for p in store.glob("*.p12"))
    assert (
        len(keystores) == 2 and keystores[0].startswith("AUTH_RSA256_") and keystores[1].startswith("RSA256_")
    )
    assert not list(store.glob(".pending/*")), "the temporary keys must be gone"
    for name in keystores:
        assert f"serialNumber=IIN{CITIZEN['iin']}" in openssl_pkcs12_subject(store / name, password_file)
    page_text = driver.find_element("id", "log").text + repr(seen_by_page)
    assert "PRIVATE KEY" not in page_text


def test_agent_refuses_a_page_of_another_origin(
    tmp_path, start_process, open_browser, live_camera, agent_site, screenshots, screenshot_dir
):
    password_file = tmp_path / "password.txt"
    password_file.write_text(KEYSTORE_PASSWORD + "\n")
    agent = start_eds_agent(
        start_process,
        tmp_path / "agent-home",
        origin="https://portal.example.kz",
        store=tmp_path / "keys",
        password_file=password_file,
    )
    driver = open_browser(live_camera)
    driver.get(f"{agent_site.url}/agent_probe.html")

    reply = _agent_step(driver, "connect", {"url": f"ws://127.0.0.1:{agent.port}"})

    assert reply["ok"] is False and reply["code"] == "AGENT_UNREACHABLE", reply
    wait_for(lambda: "refused" in driver.find_element("id", "log").text, 5, message="the refusal on the page")
    screenshots(driver, screenshot_dir).take("refused")
    assert "403" in agent.log_tail(), "the agent must refuse the handshake (HTTP 403), not fail otherwise"
    assert not (tmp_path / "keys").exists() or not any((tmp_path / "keys").iterdir())
