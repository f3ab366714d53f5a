"""The citizen's flow in real headless Chromium against a real `eds serve` on loopback.

IIN -> SMS code (read from the outbox gateway) -> selfie -> video check (liveness) -> ID photo
upload -> face match -> PIN -> `eds agent` makes the keys -> certificates issued -> two .p12 files in
the chosen folder that `openssl pkcs12` opens with the chosen password. The webcam is Chromium's
fake camera playing a Y4M made from the shared test data; the challenge sequence is fixed through
test configuration (EDS_LIVENESS_CHALLENGES). The colour challenge is on: a "reflecting camera"
(camera.reflecting_camera) tints the fake camera's frames with the colour the page shows, as the screen's
light on a face would. One blink slot of 6 s: the colour check needs at least 5 s of recording.
Refusal path: a still photo as the camera fails the video check and the page says so.
"""

from __future__ import annotations

import subprocess

import pytest

from ..testdata import shared_file
from .browser import wait_for
from .camera import reflecting_camera
from .citizen_pages import CitizenPages
from .eds import (
    install_agent_trust,
    openssl_pkcs12_subject,
    start_eds_agent,
    start_eds_serve,
    wait_for_code,
)
from .services import free_port

pytestmark = pytest.mark.browser

CITIZEN_IIN = "850314312017"  # a demo citizen of `eds serve` with a phone in the mobile-citizens base
CITIZEN_PHONE = "+77011234567"
PIN = "385927"
KEYSTORE_PASSWORD = "Tulpar-Kokpar-2026"  # the one the citizen types on the page
# The agent's --password-file: used only when the page sends no password.
AGENT_FILE_PASSWORD = "Baiterek-Zhailau-2031"


def test_citizen_gets_two_keystores_from_the_agent_through_the_pages(
    tmp_path, start_process, open_browser, live_camera, screenshots, screenshot_dir
):
    home, agent_home = tmp_path / "eds-home", tmp_path / "agent-home"
    agent_port = free_port()
    server = start_eds_serve(
        start_process,
        home,
        {
            "EDS_LIVENESS_CHALLENGES": "blink",
            "EDS_LIVENESS_SECONDS_PER_CHALLENGE": "6",
            "EDS_AGENT_URL": f"wss://127.0.0.1:{agent_port}",
        },
    )
    # The agent speaks TLS as in production, and `eds agent install` made the citizen's browser trust it
    # (its local CA in HOME/.pki/nssdb: Chromium runs with no certificate flag). An agent that trusts
    # another portal is already running.
    agent_default_store = tmp_path / "agent-default-store"
    agent_password_file = tmp_path / "agent-password.txt"
    agent_password_file.write_text(AGENT_FILE_PASSWORD + "\n")
    agent_options = {
        "store": agent_default_store,
        "password_file": agent_password_file,
        "port": agent_port,
        "tls": True,
    }
    stranger = start_eds_agent(start_process, agent_home, origin="https://portal.example.kz", **agent_options)
    user_home = tmp_path / "citizen-home"
    install_agent_trust(agent_home, user_home)
    driver = open_browser(live_camera, home=user_home)
    reflecting_camera(driver)
    citizen = CitizenPages(driver, server.url, screenshots(driver, screenshot_dir))

    citizen.open_start()
    citizen.enter_iin(CITIZEN_IIN)
    citizen.wait_for_path("/code")
    code = wait_for_code(home / "outbox.jsonl", CITIZEN_PHONE)

    wrong = "000000" if code != "000000" else "111111"
    citizen.enter_code(wrong, step="wrong-code")
    assert citizen.path() == "/code"
    assert citizen.alert(), "a wrong code must be refused with a message on the page"

    citizen.enter_code(code)
    citizen.wait_for_path("/identification")
    citizen.open_identification()

    ok, said = citizen.take_selfie()
    assert ok, f"the selfie of the live camera was refused: {said}"
    citizen.follow_next()
    ok, said = citizen.do_video_check()
    assert ok, f"the video check of the live camera was refused: {said}"
    assert citizen.screen_colour and citizen.screen_colour.startswith("#"), "the page showed no colour"
    citizen.follow_next()
    ok, said = citizen.upload_id_photo(shared_file("faces/liveportrait_person_d18.jpg"))
    assert ok, f"the ID photo of the camera's person did not match: {said}"
    citizen.follow_next()

    citizen.wait_for_path("/pin")
    citizen.set_pin(PIN)
    shown = citizen.confirm_application()  # the name and IIN from the base, before any key is made
    assert shown["iin"] == CITIZEN_IIN
    citizen.wait_for_path("/certificates")

    # The agent that trusts another portal refuses this page: the page says how to run one for it.
    assert citizen.wait_for_agent_state(("missing", "found")) == "missing"
    citizen.shots.take("agent-not-found")
    command = citizen.field("agent-command").get_attribute("textContent")  # in the administrators' details
    assert command == f"eds agent --port {agent_port} --origin {server.url}"
    assert citizen.field("agent-download").get_attribute("href") == f"{server.url}/downloads/eds-agent.deb"
    assert citizen.field("server-keys").is_displayed(), "the server-side keys stay offered as the fallback"
    wait_for(
        lambda: "403" in stranger.log_tail(), 5, message="the agent refusing the page's origin (HTTP 403)"
    )
    stranger.stop()

    # The citizen starts the agent for this portal and reloads the page.
    agent = start_eds_agent(start_process, agent_home, origin=server.url, **agent_options)
    driver.refresh()
    assert citizen.wait_for_agent_state(("found", "missing")) == "found"
    assert citizen.field("agent_folder").get_attribute("value") == str(agent_default_store)
    chosen_folder = tmp_path / "Мои ключи ЭЦП"
    state, said = citizen.make_keys_with_agent(chosen_folder, KEYSTORE_PASSWORD)
    assert state == "done", f"the agent did not finish: {said}"

    keystores = sorted(p.name for p in chosen_folder.glob("*.p12"))
    assert len(keystores) == 2, keystores
    assert keystores[0].startswith("AUTH_RSA256_") and keystores[1].startswith("RSA256_"), keystores
    assert sorted(citizen.agent_files()) == keystores
    assert not list(chosen_folder.glob(".pending/*")), "the temporary keys must be gone"
    assert not list(agent_default_store.glob("*.p12")), "the keystores belong in the folder the citizen chose"
    chosen_password = tmp_path / "chosen-password.txt"
    chosen_password.write_text(KEYSTORE_PASSWORD + "\n")
    for name in keystores:
        assert f"serialNumber=IIN{CITIZEN_IIN}" in openssl_pkcs12_subject(
            chosen_folder / name, chosen_password
        )
    for other in (agent_password_file, tmp_path / "wrong.txt"):
        other.write_text(other.read_text() if other.exists() else "not-the-password\n")
        refused = subprocess.run(
            [
                "openssl",
                "pkcs12",
                "-in",
                str(chosen_folder / keystores[0]),
                "-passin",
                f"file:{other}",
                "-noout",
            ],
            capture_output=True,
            timeout=60,
        )
        assert refused.returncode != 0, f"the keystore opened with {other.name}"
    page = driver.page_source
    assert "PRIVATE KEY" not in page and KEYSTORE_PASSWORD not in page

    citizen.field("agent-next").click()
    citizen.wait_for_path("/done")
    citizen.shots.take("done")

    # Secrets never reach the logs of either process.
    for process in (server, agent):
        log = process.log.read_text(errors="replace")
        for name, secret in (("SMS code", code), ("PIN", PIN), ("keystore password", KEYSTORE_PASSWORD)):
            assert secret not in log, f"the {name} is in the log of {process.name}"


def test_printed_photo_as_the_camera_fails_the_video_check(
    tmp_path, start_process, open_browser, photo_camera, screenshots, screenshot_dir
):
    home = tmp_path / "eds-home"
    server = start_eds_serve(
        start_process,
        home,
        {
            "EDS_LIVENESS_CHALLENGES": "blink",
            "EDS_LIVENESS_SECONDS_PER_CHALLENGE": "6",
            "EDS_IDENTIFY_ATTEMPTS": "2",
        },
    )
    driver = open_browser(photo_camera)
    reflecting_camera(driver)  # a printed photo reflects the screen's light too
    citizen = CitizenPages(driver, server.url, screenshots(driver, screenshot_dir))
    citizen.open_start()
    citizen.enter_iin(CITIZEN_IIN)
    citizen.wait_for_path("/code")
    citizen.enter_code(wait_for_code(home / "outbox.jsonl", CITIZEN_PHONE))
    citizen.open_identification()
    ok, said = citizen.take_selfie(blink_retries=0)
    assert ok, f"a sharp, centred photo passes the selfie's quality check; refused: {said}"
    citizen.follow_next()

    ok, said = citizen.do_video_check()

    assert not ok
    assert "photo" in said or "no movement" in said, said
    assert citizen.path() == "/identification/video"
    assert not citizen.field("next").is_displayed(), "a refused video must not offer to continue"
    assert citizen.field("start").is_enabled(), "the citizen may record again while attempts are left"
    assert _state_of_newest_enrolment(home, CITIZEN_IIN) == "selfie_ok"

    # The last attempt fails too: the enrolment stops and the page sends the citizen to a service centre.
    ok, said = citizen.do_video_check()

    assert not ok
    assert "service centre" in said, said
    assert citizen.field("next").is_displayed()
    assert not citizen.field("start").is_enabled()
    assert _state_of_newest_enrolment(home, CITIZEN_IIN) == "failed"
    citizen.follow_next()
    citizen.shots.take("after-failure")
    assert citizen.path() == "/"


def _state_of_newest_enrolment(home, iin: str) -> str:
    from sqlalchemy import select

    from eds_toolkit.flow.models import Enrolment
    from eds_toolkit.services import build_service_context
    from eds_toolkit.settings import Settings

    ctx = build_service_context(Settings.from_env({"EDS_HOME": str(home), "EDS_SMS_GATEWAY": "outbox"}))
    with ctx.session() as session:
        return session.scalars(
            select(Enrolment.state).where(Enrolment.iin == iin).order_by(Enrolment.created_at.desc())
        ).first()
