"""What the citizen's pages show at their end states, in real headless Chromium against `eds serve`.

- The last failed video check: the page says the identification failed (in the page's language),
  points to a service centre and back to the start, turns the camera off and leaves no button that
  looks pressable.
- The certificates page with an `eds agent` that refuses this portal's origin (HTTP 403 at the
  handshake): a warning, not a success notice, that covers "not running" and "does not trust this
  site yet", with the exact `eds agent --port N --no-tls --origin <portal>` command.
- The main pages at a phone's width (390 x 844) in Kazakh, the longest of the three languages: nothing
  is wider than the screen. Screenshots of each go to artifacts/screenshots/<test>/.
"""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from sqlalchemy import select

from tests.catalogues import po_text

from .browser import wait_for
from .citizen_pages import CitizenPages
from .eds import start_eds_agent, start_eds_serve, wait_for_code
from .services import free_port

pytestmark = pytest.mark.browser

CITIZEN_IIN = "850314312017"  # a demo citizen of `eds serve` with a phone in the mobile-citizens base
CITIZEN_PHONE = "+77011234567"
PIN = "385927"
PHONE_WIDTH, PHONE_HEIGHT = 390, 844


def _pressable_buttons(driver) -> list[str]:
    """Texts of the buttons a citizen sees and can press."""
    return [
        b.text or b.get_attribute("id")
        for b in driver.find_elements(By.TAG_NAME, "button")
        if b.is_displayed() and b.is_enabled()
    ]


def _overflow(driver) -> int:
    """How many CSS pixels the page is wider than the window (0: nothing sticks out sideways)."""
    return driver.execute_script(
        "return Math.max(0, document.documentElement.scrollWidth - document.documentElement.clientWidth);"
    )


def _newest_enrolment(home) -> str:
    from eds_toolkit.flow.models import Enrolment

    with _flow_context(home).session() as session:
        return session.scalars(
            select(Enrolment.id).where(Enrolment.iin == CITIZEN_IIN).order_by(Enrolment.created_at.desc())
        ).first()


def _flow_context(home):
    from eds_toolkit.services import build_service_context
    from eds_toolkit.settings import Settings

    return build_service_context(Settings.from_env({"EDS_HOME": str(home), "EDS_SMS_GATEWAY": "outbox"}))


def test_the_last_failed_video_check_says_so_turns_the_camera_off_and_offers_only_the_start(
    tmp_path, start_process, open_browser, photo_camera, screenshots, screenshot_dir
):
    home = tmp_path / "eds-home"
    server = start_eds_serve(
        start_process, home, {"EDS_LIVENESS_CHALLENGES": "blink", "EDS_IDENTIFY_ATTEMPTS": "1"}
    )
    driver = open_browser(photo_camera)  # a printed photo held up to the camera: it never blinks
    citizen = CitizenPages(driver, server.url, screenshots(driver, screenshot_dir))
    driver.get(f"{server.url}/?lang=ru")
    citizen.enter_iin(CITIZEN_IIN)
    citizen.wait_for_path("/code")
    citizen.enter_code(wait_for_code(home / "outbox.jsonl", CITIZEN_PHONE))
    citizen.open_identification()
    ok, said = citizen.take_selfie(blink_retries=0)
    assert ok, f"a sharp, centred photo passes the selfie's quality check; refused: {said}"
    citizen.follow_next()

    citizen.wait_for_path("/identification/video")
    wait_for(citizen.field("start").is_enabled, 15, message="the camera to start")
    driver.execute_script("window.__cameraStream = document.getElementById('camera').srcObject;")
    ok, said = citizen.do_video_check()

    assert not ok
    assert "ЦОН" in said, said  # the service-centre sentence, in Russian
    assert driver.find_element(By.TAG_NAME, "h1").text == po_text("ru", "Identification failed")
    assert driver.title == po_text("ru", "Identification failed")
    assert citizen.field("result").get_attribute("role") == "alert"
    back = citizen.field("next")
    assert back.is_displayed() and back.text == po_text("ru", "Back to the start")
    assert back.get_attribute("href") == f"{server.url}/"
    assert _pressable_buttons(driver) == [], "nothing but the link back may look pressable"
    assert not citizen.field("start").is_enabled()
    assert not citizen.field("camera-box").is_displayed()
    tracks = driver.execute_script(
        "return window.__cameraStream.getTracks().map(function (t) { return t.readyState; });"
    )
    assert tracks and set(tracks) == {"ended"}, f"the camera is still on: {tracks}"
    assert driver.execute_script("return document.getElementById('camera').srcObject;") is None
    assert not citizen.field("challenge").is_displayed(), "no stale movement text under a closed camera"
    citizen.shots.take("failed-for-good")

    citizen.follow_next()
    assert citizen.path() == "/"


def test_pages_fit_a_phone_and_an_agent_refusing_the_portal_is_a_warning_with_the_command(
    tmp_path, start_process, open_browser, screenshots, screenshot_dir
):
    home = tmp_path / "eds-home"
    agent_port = free_port()
    server = start_eds_serve(start_process, home, {"EDS_AGENT_URL": f"ws://127.0.0.1:{agent_port}"})
    password_file = tmp_path / "agent-password.txt"
    password_file.write_text("Baiterek-Zhailau-2031\n")
    stranger = start_eds_agent(
        start_process,
        tmp_path / "agent-home",
        origin="https://portal.example.kz",
        store=tmp_path / "store",
        password_file=password_file,
        port=agent_port,
    )
    driver = open_browser(None)  # Chromium's own fake camera picture: enough to lay out the selfie page
    driver.set_window_size(PHONE_WIDTH, PHONE_HEIGHT)
    citizen = CitizenPages(driver, server.url, screenshots(driver, screenshot_dir))
    width = driver.execute_script("return document.documentElement.clientWidth || window.innerWidth;")
    assert width <= PHONE_WIDTH

    def fits(step: str) -> None:
        citizen.shots.take(f"phone-{step}")
        assert _overflow(driver) == 0, f"the {step} page is wider than a phone's screen"

    driver.get(f"{server.url}/?lang=kk")
    fits("start")
    enabled, disabled = driver.execute_script(
        "var b = document.createElement('button'); document.querySelector('main').appendChild(b);"
        "var on = getComputedStyle(b).backgroundColor; b.disabled = true;"
        "var off = getComputedStyle(b).backgroundColor; b.remove(); return [on, off];"
    )
    assert enabled != disabled, "a button that cannot be pressed must not look like one that can"
    citizen.enter_iin(CITIZEN_IIN)
    citizen.wait_for_path("/code")
    fits("code")
    citizen.enter_code(wait_for_code(home / "outbox.jsonl", CITIZEN_PHONE))
    citizen.wait_for_path("/identification")
    fits("identification")
    citizen.open_identification()
    wait_for(citizen.field("capture").is_enabled, 15, message="the camera to start (the selfie button)")
    fits("selfie")

    from tests.evidence_free import mark_identified

    mark_identified(_flow_context(home), _newest_enrolment(home))
    driver.get(f"{server.url}/pin")
    fits("pin")
    citizen.set_pin(PIN)
    shown = citizen.confirm_application()  # the name and IIN from the base, before any key is made
    assert shown["iin"] == CITIZEN_IIN
    citizen.wait_for_path("/certificates")

    status = citizen.field("agent-status")
    assert citizen.wait_for_agent_state(("missing", "found")) == "missing"
    wait_for(
        lambda: "403" in stranger.log_tail(), 5, message="the agent refusing the page's origin (HTTP 403)"
    )
    assert status.text == po_text("kk", "Signing agent not found")
    assert status.get_attribute("class") == "warning", "not found is no success: never the green notice"
    colour = driver.execute_script("return getComputedStyle(arguments[0]).backgroundColor;", status)
    assert colour != "rgb(232, 244, 234)", "the green of the success notice"
    why = po_text(
        "kk", "We could not reach the signing agent: it is not running, or it does not trust this site yet."
    )
    assert citizen.field("agent-missing-why").text == why
    expected = f"eds agent --port {agent_port} --no-tls --origin {server.url}"  # from EDS_AGENT_URL
    assert citizen.field("agent-command").get_attribute("textContent") == expected  # administrators' details
    assert citizen.field("agent-missing").is_displayed()
    fits("certificates-agent-not-reachable")
    driver.execute_script("window.scrollTo(0, document.body.scrollHeight);")
    citizen.shots.take("phone-certificates-bottom")

    driver.get(f"{server.url}/cabinet/login")
    fits("cabinet-login")
    citizen.fill("iin", CITIZEN_IIN)
    citizen.fill("pin", PIN)
    citizen.submit_form_of("pin")
    citizen.wait_for_path("/cabinet/")
    driver.get(f"{server.url}/cabinet/?lang=kk")  # signing in starts a new session (English)
    lines = driver.find_elements(By.CSS_SELECTOR, "table.history tr.done, table.history tr.refused")
    assert lines, "the cabinet shows the history"
    fits("cabinet")
