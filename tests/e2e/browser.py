"""Headless Debian Chromium driven by Selenium, with a Y4M file as the webcam, and step screenshots.

Only the system's /usr/bin/chromium and /usr/bin/chromedriver are used: with both paths given,
Selenium never runs its driver manager, so nothing is downloaded.
"""

from __future__ import annotations

import base64
import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from selenium import webdriver
from selenium.common.exceptions import (
    NoSuchElementException,
    StaleElementReferenceException,
    WebDriverException,
)
from selenium.webdriver.chrome.service import Service

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
REPO_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO_ROOT / "artifacts" / "screenshots"
"""Where each test's step screenshots go (artifacts/ is gitignored; CI keeps it)."""

CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
    "--window-size=1000,1200",
)


class BrowserMissing(RuntimeError):
    """Chromium or chromedriver is not installed where the suite expects it."""


def chromium_options(camera: Path | None, user_data_dir: Path) -> webdriver.ChromeOptions:
    """Options for a fresh profile whose webcam plays ``camera`` (a Y4M file) in a loop.

    ``camera=None``: a page that needs no camera (Chromium's own fake device stands in).

    No certificate-ignoring flag: the agent is trusted as a citizen's browser trusts it, through
    `eds agent install` and the NSS database of the HOME it runs with (see :func:`start_chromium`).
    """
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    if camera is not None:
        options.add_argument(f"--use-file-for-fake-video-capture={camera}")
    options.add_argument(f"--user-data-dir={user_data_dir}")
    # The browser console, for the failure reports (driver.get_log("browser")).
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return options


def start_chromium(
    camera: Path | None,
    user_data_dir: Path,
    log_path: Path | None = None,
    home: Path | None = None,
) -> webdriver.Chrome:
    """Start headless Chromium with ``camera`` as the webcam (None: no camera file); the caller quits it.

    ``home``: the HOME it runs with, so it reads the certificates trusted in ``<home>/.pki/nssdb``
    (chromedriver passes its environment on to Chromium).
    """
    for tool in (CHROMIUM, CHROMEDRIVER):
        if not os.access(tool, os.X_OK):
            raise BrowserMissing(
                f"{tool} is missing: install Debian's chromium and chromium-driver (.ci/run does)"
            )
    if camera is not None and not camera.is_file():
        raise FileNotFoundError(f"camera file {camera} does not exist")
    user_data_dir.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "HOME": str(home)} if home is not None else None
    service = Service(
        executable_path=str(CHROMEDRIVER), log_output=str(log_path) if log_path else None, env=env
    )
    options = chromium_options(camera, user_data_dir)
    driver = webdriver.Chrome(options=options, service=service)
    driver.set_page_load_timeout(30)
    driver.set_script_timeout(30)
    return driver


def safe_name(text: str) -> str:
    """A file-system friendly version of a test or step name."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-")[:100] or "step"


@dataclass
class Screenshots:
    """Numbered PNGs of each step a test walks: ``<directory>/<nn>-<step>.png``."""

    driver: webdriver.Chrome
    directory: Path
    taken: list[Path] = field(default_factory=list)

    def take(self, step: str) -> Path:
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / f"{len(self.taken) + 1:02d}-{safe_name(step)}.png"
        if not self.driver.save_screenshot(str(path)):
            raise RuntimeError(f"Chromium did not save the screenshot {path}")
        self.taken.append(path)
        return path


def wait_for(condition, timeout: float = 10.0, interval: float = 0.05, message: str = "condition"):
    """Poll ``condition()`` until it returns something truthy; raise TimeoutError with ``message``.

    An element that went stale or is not there yet (the page is moving on to the next one) counts as
    "not yet", so a condition may read the page while it navigates."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = condition()
        except (StaleElementReferenceException, NoSuchElementException):
            value = None
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {message}")
        time.sleep(interval)


def data_url_bytes(data_url: str) -> bytes:
    """The bytes of a ``data:image/...;base64,...`` URL (what canvas.toDataURL returns)."""
    header, _, payload = data_url.partition(",")
    if not header.startswith("data:") or not header.endswith(";base64"):
        raise ValueError(f"not a base64 data URL: {data_url[:40]!r}")
    return base64.b64decode(payload)


@contextmanager
def new_page(driver: webdriver.Remote, what: str, timeout: float = 20) -> Iterator[None]:
    """Wait, after the block, until the browser shows a new, fully loaded document.

    The old document gets a marker; a new document does not have it. (Polling an element of the old
    page instead fails now and then: Chromium answers "Node ... does not belong to the document".)
    """
    marker = f"e2e-{time.monotonic_ns()}"
    driver.execute_script("window.__e2ePage = arguments[0];", marker)
    yield

    def arrived() -> bool:
        try:
            return driver.execute_script(
                "return window.__e2ePage !== arguments[0] && document.readyState === 'complete';", marker
            )
        except WebDriverException:  # the document is being replaced right now
            return False

    wait_for(arrived, timeout, 0.1, what)
