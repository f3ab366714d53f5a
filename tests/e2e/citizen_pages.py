"""The citizen's pages of `eds serve` as a browser sees them: one method per step, a screenshot after each.

Element ids come from eds_toolkit/web/templates (start.html: #iin; code.html: #code; pin.html: #pin,
#pin_confirmation; certificates.html: #password, #password_confirmation; errors: p.error[role=alert]).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement

from .browser import Screenshots, wait_for


@dataclass
class CitizenPages:
    """A citizen walking the flow of the service at ``base_url`` in ``driver``."""

    driver: WebDriver
    base_url: str
    shots: Screenshots

    # -- reading the page -------------------------------------------------------------------------------

    def path(self) -> str:
        url = self.driver.current_url
        return url[len(self.base_url) :].split("?")[0] if url.startswith(self.base_url) else url

    def heading(self) -> str:
        return self.driver.find_element(By.TAG_NAME, "h1").text

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
        old_page = self.driver.find_element(By.TAG_NAME, "html")
        form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        wait_for(lambda: _is_stale(old_page), 20, message="the next page after submitting the form")

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

    def set_pin(self, pin: str, confirmation: str | None = None) -> None:
        if self.path() != "/pin":
            self.driver.get(f"{self.base_url}/pin")
        self.fill("pin", pin)
        self.fill("pin_confirmation", confirmation if confirmation is not None else pin)
        self.shots.take("pin-typed")
        self.submit_form_of("pin")
        self.shots.take("after-pin")

    def download_server_keystores(self, password: str, downloads: Path, timeout: float = 60) -> Path:
        """Ask the server to make the keys; returns the downloaded zip (the page stays as it was)."""
        self.fill("password", password)
        self.fill("password_confirmation", password)
        self.shots.take("keystore-password-typed")
        before = set(downloads.glob("*"))
        self.field("password").find_element(By.XPATH, "./ancestor::form").find_element(
            By.CSS_SELECTOR, "button[type=submit]"
        ).click()

        def finished() -> Path | None:
            new = [p for p in downloads.glob("*") if p not in before]
            done = [p for p in new if not p.name.endswith(".crdownload") and p.stat().st_size > 0]
            return done[0] if done and not any(p.name.endswith(".crdownload") for p in new) else None

        zip_path = wait_for(
            finished, timeout, interval=0.2, message=f"the keystore download into {downloads}"
        )
        self.shots.take("keystores-downloaded")
        return zip_path


def _is_stale(element: WebElement) -> bool:
    try:
        element.is_enabled()
        return False
    except StaleElementReferenceException:  # the page was replaced
        return True


def allow_downloads(driver: WebDriver, directory: Path) -> None:
    """Let headless Chromium save downloads into ``directory`` without asking."""
    directory.mkdir(parents=True, exist_ok=True)
    driver.execute_cdp_cmd(
        "Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(directory)}
    )
