"""The citizen's flow in real headless Chromium against a real `eds serve` on loopback.

IIN -> SMS code (read from the outbox gateway) -> selfie -> video check (liveness) -> ID photo
upload -> face match -> PIN -> certificates -> two .p12 files that `openssl pkcs12` opens with the
chosen password. The webcam is Chromium's fake camera playing a Y4M made from the shared test
data; the challenge sequence is fixed through test configuration (EDS_LIVENESS_CHALLENGES).
Refusal path: a still photo as the camera fails the video check and the page says so.
"""

from __future__ import annotations

import subprocess
import zipfile

import pytest

from .camera import shared_file
from .citizen_pages import CitizenPages, allow_downloads
from .eds import openssl_pkcs12_subject, start_eds_serve, wait_for_code

pytestmark = pytest.mark.browser

CITIZEN_IIN = "850314312017"  # a demo citizen of `eds serve` with a phone in the mobile-citizens base
CITIZEN_PHONE = "+77011234567"
PIN = "385927"
KEYSTORE_PASSWORD = "Tulpar-Kokpar-2026"


def test_citizen_gets_two_keystores_through_the_pages(
    tmp_path, start_process, open_browser, live_camera, screenshots, screenshot_dir
):
    home = tmp_path / "eds-home"
    server = start_eds_serve(start_process, home, {"EDS_LIVENESS_CHALLENGES": "blink"})
    driver = open_browser(live_camera)
    downloads = tmp_path / "downloads"
    allow_downloads(driver, downloads)
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
    citizen.follow_next()
    ok, said = citizen.upload_id_photo(shared_file("faces/liveportrait_person_d18.jpg"))
    assert ok, f"the ID photo of the camera's person did not match: {said}"
    citizen.follow_next()

    citizen.wait_for_path("/pin")
    citizen.set_pin(PIN)
    citizen.wait_for_path("/certificates")
    assert citizen.alert() is None

    archive = citizen.download_server_keystores(KEYSTORE_PASSWORD, downloads)
    keys_folder = tmp_path / "keys"
    with zipfile.ZipFile(archive) as keystores:
        names = sorted(keystores.namelist())
        keystores.extractall(keys_folder)
    assert len(names) == 2
    assert names[0].startswith("AUTH_RSA256_") and names[1].startswith("RSA256_"), names
    assert all(name.endswith(".p12") for name in names)

    password_file = tmp_path / "password.txt"
    password_file.write_text(KEYSTORE_PASSWORD + "\n")
    for name in names:
        assert f"serialNumber=IIN{CITIZEN_IIN}" in openssl_pkcs12_subject(keys_folder / name, password_file)

    wrong_password = tmp_path / "wrong-password.txt"
    wrong_password.write_text("not-the-password\n")
    refused = subprocess.run(
        [
            "openssl",
            "pkcs12",
            "-in",
            str(keys_folder / names[0]),
            "-passin",
            f"file:{wrong_password}",
            "-noout",
        ],
        capture_output=True,
        timeout=60,
    )
    assert refused.returncode != 0

    driver.get(f"{server.url}/done")
    citizen.shots.take("done")


def test_printed_photo_as_the_camera_fails_the_video_check(
    tmp_path, start_process, open_browser, photo_camera, screenshots, screenshot_dir
):
    home = tmp_path / "eds-home"
    server = start_eds_serve(start_process, home, {"EDS_LIVENESS_CHALLENGES": "blink"})
    driver = open_browser(photo_camera)
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


def _state_of_newest_enrolment(home, iin: str) -> str:
    from sqlalchemy import select

    from eds_toolkit.flow.models import Enrolment
    from eds_toolkit.services import build_flow_context
    from eds_toolkit.settings import Settings

    ctx = build_flow_context(Settings.from_env({"EDS_HOME": str(home), "EDS_SMS_GATEWAY": "outbox"}))
    with ctx.session() as session:
        return session.scalars(
            select(Enrolment.state).where(Enrolment.iin == iin).order_by(Enrolment.created_at.desc())
        ).first()
