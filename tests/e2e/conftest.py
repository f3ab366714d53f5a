"""Fixtures of the real-browser suite: fake cameras, headless Chromium, screenshots, loopback services."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from selenium import webdriver

from .browser import SCREENSHOTS, Screenshots, safe_name, start_chromium
from .camera import make_still_camera, make_video_camera
from .services import ServiceProcess, StaticSite, serve_directory, start_service

STATIC = Path(__file__).resolve().parent / "static"


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the item, so fixtures can tell a failed test at teardown."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


def _failed(request: pytest.FixtureRequest) -> bool:
    return any(
        getattr(getattr(request.node, f"report_{when}", None), "failed", False) for when in ("setup", "call")
    )


@pytest.fixture(scope="session")
def camera_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cameras")


@pytest.fixture(scope="session")
def live_camera(camera_dir: Path) -> Path:
    """The d18 talking head, frames 80-110 forward then back (2 s at 30 fps), looped by Chromium.

    Its blink (frames 94-97) then comes about once a second. Measured with webcam_flow's
    check_liveness on 3 s of it sampled at 10 fps (JPEG q85): "blink" and "open_mouth" pass from
    every start offset; the longer 60-200 segment missed the blink from some offsets.
    """
    return make_video_camera(camera_dir / "liveportrait_d18.y4m", "video/liveportrait_d18.mp4", 80, 111)


@pytest.fixture(scope="session")
def photo_camera(camera_dir: Path) -> Path:
    """faces/obama.jpg held up to the camera: one still frame repeated (the printed-photo attack)."""
    return make_still_camera(camera_dir / "obama_still.y4m", "faces/obama.jpg", frames=30)


@pytest.fixture
def screenshot_dir(request: pytest.FixtureRequest) -> Path:
    """artifacts/screenshots/<test>/, emptied first so no stale picture misleads a reader."""
    directory = SCREENSHOTS / safe_name(request.node.name)
    shutil.rmtree(directory, ignore_errors=True)
    return directory


@pytest.fixture
def browser_timings() -> list[float]:
    """Seconds each Chromium of the test took to start (measured, reported in the test's output)."""
    return []


@pytest.fixture
def open_browser(
    request: pytest.FixtureRequest, tmp_path: Path, screenshot_dir: Path, browser_timings: list[float]
) -> Iterator[Callable[..., webdriver.Chrome]]:
    """``open_browser(camera, home=None)`` -> a fresh headless Chromium (webcam: that file).

    ``home``: the HOME Chromium runs with (its ``.pki/nssdb`` holds what `eds agent install` trusted).

    When the test fails, the last page's screenshot and the browser console are saved beside
    the step screenshots before the browser quits.
    """
    drivers: list[webdriver.Chrome] = []

    def open_(camera: Path, home: Path | None = None) -> webdriver.Chrome:
        index = len(drivers)
        started = time.monotonic()
        driver = start_chromium(
            camera,
            tmp_path / f"chromium-profile-{index}",
            log_path=tmp_path / f"chromedriver-{index}.log",
            home=home,
        )
        browser_timings.append(time.monotonic() - started)
        drivers.append(driver)
        return driver

    yield open_
    for index, driver in enumerate(drivers):
        try:
            if _failed(request):
                screenshot_dir.mkdir(parents=True, exist_ok=True)
                driver.save_screenshot(str(screenshot_dir / f"failure-browser{index}.png"))
                console = "\n".join(f"{e['level']} {e['message']}" for e in driver.get_log("browser"))
                (screenshot_dir / f"failure-browser{index}-console.txt").write_text(
                    f"url: {driver.current_url}\n{console}\n"
                )
        finally:
            driver.quit()
    if browser_timings:
        print(f"chromium start: {', '.join(f'{t:.2f} s' for t in browser_timings)}")


@pytest.fixture
def screenshots() -> Callable[[webdriver.Chrome, Path], Screenshots]:
    return Screenshots


@pytest.fixture
def start_process(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Callable[..., ServiceProcess]]:
    """``start_process(name, command, port=..., env=..., http_path=...)`` -> a running ServiceProcess.

    Every process started is stopped at the end; when the test failed, the end of each log is printed.
    """
    started: list[ServiceProcess] = []

    def start(name: str, command: list[str], **kwargs) -> ServiceProcess:
        kwargs.setdefault("log_dir", tmp_path / "logs")
        service = start_service(name, command, **kwargs)
        started.append(service)
        return service

    yield start
    for service in reversed(started):
        print(f"{service.name}: answered {service.ready_after:.2f} s after start")
        service.stop()
        if _failed(request):
            print(f"--- {service.name} log (end) ---\n{service.log_tail()}")


@pytest.fixture
def static_site() -> Iterator[StaticSite]:
    """tests/e2e/static/ served on a free 127.0.0.1 port."""
    site = serve_directory(STATIC)
    yield site
    site.close()
