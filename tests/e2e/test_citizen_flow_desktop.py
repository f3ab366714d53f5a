"""The whole citizen flow with `eds agent` in its desktop mode, as a citizen would use it, in ru and kk.

The same pages as test_citizen_flow.py (real headless Chromium, the live fake camera with the colour
challenge reflected), but the agent runs with no ``--yes``: it asks its questions in Tk windows on
this test's own Xvfb display (tests/agent/desktop.py), and the test answers them with real key
presses (xdotool), as the citizen would. Chromium runs with no certificate flag: `eds agent install`
made it trust the agent's wss:// endpoint. The page's language (``?lang=``) is the windows' language.

Every page and every agent window is saved, numbered in the order the citizen sees them, under
artifacts/screenshots/e2e-desktop/<lang>/NN-<step>.png.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator

import pytest

from eds_agent.messages import say
from eds_toolkit.web.i18n import translate_to

from ..agent.desktop import Desktop
from ..testdata import shared_file
from .browser import SCREENSHOTS, Screenshots, safe_name
from .camera import reflecting_camera
from .citizen_pages import CitizenPages
from .eds import install_agent_trust, openssl_pkcs12_subject, start_eds_agent, start_eds_serve, wait_for_code
from .services import free_port

pytestmark = pytest.mark.browser

CITIZEN_IIN = "850314312017"
CITIZEN_PHONE = "+77011234567"
PIN = "385927"
KEYSTORE_PASSWORD = "Tulpar-Kokpar-2026"  # typed by the citizen in the agent's password window
FOLDER_NAME = {"ru": "Мои ключи ЭЦП", "kk": "Менің ЭЦҚ кілттерім"}
EDS_WORD = {"ru": "ЭЦП", "kk": "ЭЦҚ"}  # the guide's term in each language, in every window's title


@pytest.fixture
def desktop() -> Iterator[Desktop]:
    """This test's own X display (Xvfb on a free number), driven with xdotool."""
    screen = Desktop()
    yield screen
    screen.stop()


class AgentWindows:
    """The citizen's hands on the agent's windows; each window saved in the page screenshots' sequence."""

    def __init__(self, desktop: Desktop, shots: Screenshots, origin: str, language: str) -> None:
        self.desktop, self.shots, self.origin, self.language = desktop, shots, origin, language
        self.seen: list[str] = []

    def next_window(self, step: str, timeout: float = 60) -> str:
        """Wait for the agent's next window, check it speaks the page's language, save it; its X id."""
        window = self.desktop.wait_for_window(self.origin, other_than=tuple(self.seen), timeout=timeout)
        self.seen.append(window)
        title = self.desktop.title(window)
        assert title == f"{say('window_title', self.language)}: {self.origin}", title
        assert EDS_WORD[self.language] in title, title
        self.take(step, window)
        return window

    def take(self, step: str, window: str) -> None:
        """``import -window``: the window as drawn, numbered after the page screenshots before it."""
        path = self.shots.directory / f"{len(self.shots.taken) + 1:02d}-agent-{safe_name(step)}.png"
        self.desktop.run("import", "-window", window, str(path))
        self.shots.taken.append(path)


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_citizen_gets_two_keystores_answering_the_agents_windows(
    language, tmp_path, start_process, open_browser, live_camera, desktop
):
    shot_dir = SCREENSHOTS / "e2e-desktop" / language
    shutil.rmtree(shot_dir, ignore_errors=True)
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
    agent_default_store = tmp_path / "agent-default-store"
    agent = start_eds_agent(
        start_process,
        agent_home,
        origin=None,  # the citizen allows the portal in the agent's window, at the check page
        store=agent_default_store,
        port=agent_port,
        tls=True,
        display=desktop.display,
    )
    user_home = tmp_path / "citizen-home"
    install_agent_trust(agent_home, user_home)  # no certificate flag: Chromium trusts the agent's CA
    driver = open_browser(live_camera, home=user_home)  # start_chromium: no certificate-ignoring flag
    reflecting_camera(driver)
    shots = Screenshots(driver, shot_dir)
    citizen = CitizenPages(driver, server.url, shots)
    windows = AgentWindows(desktop, shots, server.url, language)

    driver.get(f"{server.url}/?lang={language}")
    assert driver.find_element("css selector", "html").get_attribute("lang") == language
    shots.take("start-page")
    citizen.enter_iin(CITIZEN_IIN)
    citizen.wait_for_path("/code")
    citizen.enter_code(wait_for_code(home / "outbox.jsonl", CITIZEN_PHONE))
    citizen.wait_for_path("/identification")

    def allow_portal() -> None:
        windows.next_window("allow-portal")  # the portal's address, what allowing it means
        desktop.key("Return")  # Allow

    citizen.open_identification(allow_portal)  # the check page finds the camera and the agent

    blink = translate_to(language, "Keep your eyes open and look into the camera.")
    ok, said = citizen.take_selfie(blink_words=blink)
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
    assert citizen.confirm_application()["iin"] == CITIZEN_IIN
    citizen.wait_for_path("/certificates")
    assert driver.find_element("css selector", "html").get_attribute("lang") == language

    assert citizen.wait_for_agent_state(("found", "missing")) == "found"
    chosen_folder = tmp_path / FOLDER_NAME[language]
    citizen.fill("agent_folder", str(chosen_folder))  # no password on the page: the agent asks for it
    shots.take("agent-found-folder")
    citizen.field("agent-start").click()

    windows.next_window("folder")  # where to keep the keys: the folder typed on the page
    desktop.key("Return")  # Allow
    windows.next_window("make-keys")  # the IIN, the folder, what AUTH and SIGN are for
    desktop.key("Return")
    windows.next_window("new-password")  # the rules shown before typing
    desktop.type(KEYSTORE_PASSWORD)
    desktop.key("Tab")
    desktop.type(KEYSTORE_PASSWORD)
    time.sleep(0.3)  # the rules ticked as typed
    windows.take("new-password-typed", windows.seen[-1])
    desktop.key("Return")  # Save
    windows.next_window("save")  # save the keystores in that folder
    desktop.key("Return")

    state = citizen.wait_for_agent_state(("done", "error"), 90)
    shots.take(f"agent-{state}")
    assert state == "done", citizen.field("agent-status").text

    keystores = sorted(p.name for p in chosen_folder.glob("*.p12"))
    assert len(keystores) == 2, keystores
    assert keystores[0].startswith("AUTH_RSA256_") and keystores[1].startswith("RSA256_"), keystores
    assert sorted(citizen.agent_files()) == keystores
    assert not list(agent_default_store.glob("*.p12")), "the keystores belong in the folder chosen"
    password_file = tmp_path / "chosen-password.txt"
    password_file.write_text(KEYSTORE_PASSWORD + "\n")
    for name in keystores:
        assert f"serialNumber=IIN{CITIZEN_IIN}" in openssl_pkcs12_subject(chosen_folder / name, password_file)
    assert KEYSTORE_PASSWORD not in driver.page_source

    citizen.field("agent-next").click()
    citizen.wait_for_path("/done")
    shots.take("done")
    assert KEYSTORE_PASSWORD not in agent.log.read_text(errors="replace")
    assert all(path.is_file() for path in shots.taken)
