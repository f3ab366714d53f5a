"""The citizen's flow in real headless Chromium against a real `eds serve` on loopback.

IIN -> SMS code (read from the outbox gateway) -> identification -> PIN -> certificates -> two
.p12 files that `openssl pkcs12` opens with the chosen password.

The identification step's webcam pages are not in the service yet: until they land, the test
moves the enrolment through identification with the library call the service provides for
that (``eds_toolkit.flow.mark_identified``, never an endpoint), on the server's own database.
"""

from __future__ import annotations

import subprocess
import zipfile

import pytest

from .citizen_pages import CitizenPages, allow_downloads
from .eds import identify_through_the_library, openssl_pkcs12_subject, start_eds_serve, wait_for_code

pytestmark = pytest.mark.browser

CITIZEN_IIN = "850314312017"  # a demo citizen of `eds serve` with a phone in the mobile-citizens base
CITIZEN_PHONE = "+77011234567"
PIN = "385927"
KEYSTORE_PASSWORD = "Tulpar-Kokpar-2026"


def test_citizen_gets_two_keystores_through_the_pages(
    tmp_path, start_process, open_browser, live_camera, screenshots, screenshot_dir
):
    home = tmp_path / "eds-home"
    server = start_eds_serve(start_process, home)
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

    identify_through_the_library(home, CITIZEN_IIN)

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
