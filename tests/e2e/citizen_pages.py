"""The citizen's pages of `eds serve` as a browser sees them: one method per step, a screenshot after each.

Element ids come from eds_toolkit/web/templates (start.html: #iin; code.html: #code;
identification.html: #continue; identify/check.html: #camera-status[data-state],
#agent-check-status[data-state], #continue; review.html: #application-*, #confirm-application;
identify/selfie.html: #capture, #hint[data-ok]; identify/video.html:
#start, #challenge[data-code]; identify/id_photo.html: #image, #upload; every identify page:
#result[data-ok], #next; pin.html: #pin, #pin_confirmation; certificates.html (docs/portal-agent.md):
#agent-status[data-state], #agent_folder, #agent_password(_confirmation), #agent-start, #agent-files li,
#agent-command, #agent-next; errors: [role=alert]).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement

from .browser import Screenshots, new_page, wait_for


@dataclass
class CitizenPages:
    """A citizen walking the flow of the service at ``base_url`` in ``driver``."""

    driver: WebDriver
    base_url: str
    shots: Screenshots
    screen_colour: str | None = None  # the colour the video page showed during the last recording

    # -- reading the page -------------------------------------------------------------------------------

    def path(self) -> str:
        url = self.driver.current_url
        return url[len(self.base_url) :].split("?")[0] if url.startswith(self.base_url) else url

    def alert(self) -> str | None:
        """The error the page shows the citizen (``role="alert"``), if any."""
        alerts = self.driver.find_elements(By.CSS_SELECTOR, "[role=alert]")
        return " ".join(a.text for a in alerts if a.text) or None

    def field(self, element_id: str) -> WebElement:
        return self.driver.find_element(By.ID, element_id)

    def wait_for_path(self, path: str, timeout: float = 15) -> None:
        wait_for(lambda: self.path() == path, timeout, message=f"the page {path} (at {self.path()})")

    # -- acting -----------------------------------------------------------------------------------------

    def fill(self, element_id: str, value: str) -> None:
        element = self.field(element_id)
        element.clear()
        element.send_keys(value)

    def submit_form_of(self, element_id: str) -> None:
        """Press the submit button of the form holding ``element_id`` and wait for the next page."""
        form = self.field(element_id).find_element(By.XPATH, "./ancestor::form")
        with new_page(self.driver, "the next page after submitting the form"):
            form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()

    def open_start(self) -> None:
        self.driver.get(f"{self.base_url}/")
        self.shots.take("start-page")

    def enter_iin(self, iin: str) -> None:
        self.fill("iin", iin)
        self.shots.take("iin-typed")
        self.submit_form_of("iin")
        self.shots.take("after-iin")

    def enter_code(self, code: str, step: str = "sms-code") -> None:
        self.fill("code", code)
        self.submit_form_of("code")
        self.shots.take(f"after-{step}")

    # -- identification (eds_toolkit/web/static/identify.js posts with fetch and fills #result) -----------

    def result(self) -> tuple[str, str]:
        """The identify page's decision: (data-ok: "true" | "false" | "", the sentence shown)."""
        element = self.field("result")
        return element.get_attribute("data-ok") or "", element.text

    def wait_for_decision(self, timeout: float) -> tuple[bool, str]:
        """Wait until #result holds a decision; (positive?, the sentence the citizen reads)."""
        wait_for(lambda: self.result()[0] in ("true", "false"), timeout, 0.2, "the decision on the page")
        ok, text = self.result()
        return ok == "true", text

    def follow_next(self) -> None:
        """Press the page's "Continue" link (#next) that the decision revealed."""
        link = wait_for(lambda: _shown(self.driver, "next"), 10, message="the Continue link")
        with new_page(self.driver, "the page after Continue"):
            link.click()

    def open_identification(self, allow_agent: Callable[[], None] | None = None) -> None:
        """From the identification page through the camera and agent check to the selfie page.
        ``allow_agent``: the agent asks whether to allow this portal, and this answers it."""
        self.shots.take("identification")
        with new_page(self.driver, "the camera and agent check"):
            self.field("continue").click()
        if allow_agent is not None:
            self.wait_for_path("/identification/check")
            wait_for(
                lambda: self.field("agent-check-status").get_attribute("data-state") == "asking",
                30,
                0.1,
                "the page saying the agent asks about this site",
            )
            self.shots.take("check-agent-asks")
            allow_agent()
        camera, agent = self.check_devices()
        assert camera == "ok", f"the check page found no working camera ({camera})"
        if allow_agent is not None:
            assert agent == "found", f"the agent was allowed but the page says {agent}"
            self.shots.take("check-agent-found")
        with new_page(self.driver, "the selfie page"):
            self.field("continue").click()

    def check_devices(self, timeout: float = 15) -> tuple[str, str]:
        """The check page's verdicts (identify/check.html, static/device_check.js): the camera
        (ok | denied | missing | busy) and eds agent (found | missing | other-app)."""
        self.wait_for_path("/identification/check")
        camera = wait_for(
            lambda: (
                self.field("camera-status").get_attribute("data-state") not in ("unchecked", "checking")
                and self.field("camera-status").get_attribute("data-state")
            ),
            timeout,
            0.1,
            "the camera check",
        )
        agent = wait_for(
            lambda: (
                self.field("agent-check-status").get_attribute("data-state")
                not in ("unchecked", "searching", "asking")
                and self.field("agent-check-status").get_attribute("data-state")
            ),
            timeout,
            0.1,
            "the agent check",
        )
        self.shots.take(f"check-camera-{camera}-agent-{agent}")
        return camera, agent

    def take_selfie(
        self, hint_timeout: float = 30, blink_retries: int = 4, blink_words: str = "eyes open"
    ) -> tuple[bool, str]:
        """Wait for the live hint to say the picture is good, press "Take the selfie", return the decision.

        The live camera blinks about once a second (the video check needs it), so a shot can catch
        closed eyes (4 of its 30 frames); then the citizen does what the page says and takes it again,
        a moment later (at most ``blink_retries`` times; closed eyes are a quality refusal, which costs
        none of the enrolment's selfie attempts). ``blink_words``: what the page says about closed eyes,
        in the page's language.
        """
        self.wait_for_path("/identification/selfie")
        capture = self.field("capture")
        wait_for(capture.is_enabled, 15, message="the camera to start (the selfie button)")
        for attempt in range(blink_retries + 1):
            try:
                wait_for(
                    lambda: self.field("hint").get_attribute("data-ok") == "true",
                    hint_timeout,
                    0.2,
                    "a good hint",
                )
            finally:
                self.shots.take("selfie-camera")
            wait_for(capture.is_enabled, 10, message="the selfie button")
            capture.click()
            ok, said = self.wait_for_decision(30)
            self.shots.take("selfie-decision")
            if ok or blink_words not in said or attempt == blink_retries:
                return ok, said
            time.sleep(0.7)  # not at the same point of the camera's loop again
        raise AssertionError("unreachable")

    def do_video_check(self) -> tuple[bool, str]:
        """Press Start, let the camera do the challenges, return the decision."""
        self.wait_for_path("/identification/video")
        start = self.field("start")
        wait_for(start.is_enabled, 15, message="the camera to start (the Start button)")
        self.shots.take("video-ready")
        start.click()
        wait_for(
            lambda: self.field("challenge").get_attribute("data-code"), 10, message="the first challenge"
        )
        self.shots.take(f"video-challenge-{self.field('challenge').get_attribute('data-code')}")
        # The colour challenge: the colour the page shows now (None when the task has none).
        self.screen_colour = self.driver.execute_script(
            "return document.documentElement.dataset.screenColour"
        )
        decision = self.wait_for_decision(90)
        self.shots.take("video-decision")
        return decision

    def upload_id_photo(self, photo: Path) -> tuple[bool, str]:
        self.wait_for_path("/identification/id-photo")
        self.field("image").send_keys(str(photo))
        self.shots.take("id-photo-chosen")
        self.field("upload").click()
        decision = self.wait_for_decision(60)
        self.shots.take("id-photo-decision")
        return decision

    # -- PIN and certificates ---------------------------------------------------------------------------

    def set_pin(self, pin: str, confirmation: str | None = None) -> None:
        if self.path() != "/pin":
            self.driver.get(f"{self.base_url}/pin")
        self.fill("pin", pin)
        self.fill("pin_confirmation", confirmation if confirmation is not None else pin)
        self.shots.take("pin-typed")
        self.submit_form_of("pin")
        self.shots.take("after-pin")

    def confirm_application(self) -> dict[str, str]:
        """The review before issuance (review.html): read the name and IIN shown, confirm, go on."""
        self.wait_for_path("/certificates/review")
        shown = {key: self.field(f"application-{key}").text for key in ("common-name", "surname", "iin")}
        self.shots.take("application-review")
        with new_page(self.driver, "the certificates page"):
            self.field("confirm-application").click()
        return shown

    # -- the certificates page drives eds agent (eds_toolkit/web/static/issuance.js) --------------------

    def agent_state(self) -> str:
        """#agent-status data-state: searching | found | missing | working | done | error | issued."""
        return self.field("agent-status").get_attribute("data-state") or ""

    def wait_for_agent_state(self, states: tuple[str, ...], timeout: float = 15) -> str:
        wait_for(
            lambda: self.agent_state() in states, timeout, 0.1, f"the agent status to be one of {states}"
        )
        return self.agent_state()

    def make_keys_with_agent(self, folder: Path, password: str, timeout: float = 90) -> tuple[str, str]:
        """Choose the folder and the password on the page, press "Create my keys with the agent".

        Returns the final (state, sentence) of #agent-status: ("done", ...) or ("error", ...).
        """
        self.wait_for_agent_state(("found",))
        self.fill("agent_folder", str(folder))
        self.fill("agent_password", password)
        self.fill("agent_password_confirmation", password)
        self.shots.take("agent-found-folder-and-password")
        self.field("agent-start").click()
        state = self.wait_for_agent_state(("done", "error"), timeout)
        self.shots.take(f"agent-{state}")
        return state, self.field("agent-status").text

    def agent_files(self) -> list[str]:
        return [item.text for item in self.driver.find_elements(By.CSS_SELECTOR, "#agent-files li")]


def _shown(driver: WebDriver, element_id: str) -> WebElement | None:
    element = driver.find_element(By.ID, element_id)
    return element if element.is_displayed() else None
