"""`eds serve` and `eds agent` as subprocesses on loopback, and headless Debian Chromium, for the real run.

Only /usr/bin/chromium and /usr/bin/chromedriver are used (both paths given: Selenium downloads nothing).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import requests
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

EDS = Path(sys.executable).parent / "eds"
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--window-size=1000,1400",
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _accepts_tcp(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def _answers_http(port: int) -> bool:
    try:
        return requests.get(f"http://127.0.0.1:{port}/", timeout=2).status_code < 500
    except requests.RequestException:
        return False


@dataclass
class Process:
    """A subprocess in its own process group listening on ``port``; output in ``log``."""

    name: str
    popen: subprocess.Popen
    port: int
    log: Path

    def log_tail(self, lines: int = 30) -> str:
        return (
            "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:]) if self.log.exists() else ""
        )

    def stop(self) -> None:
        if self.popen.poll() is not None:
            return
        os.killpg(self.popen.pid, signal.SIGTERM)
        try:
            self.popen.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(10)


def start(
    name: str,
    command: list[str],
    *,
    port: int,
    env: Mapping[str, str],
    log_dir: Path,
    ready: Callable[[int], bool],
    timeout: float,
) -> Process:
    """Start ``command`` and wait until ``ready(port)``; on failure stop it and raise with its log."""
    log_dir.mkdir(parents=True, exist_ok=True)
    log = log_dir / f"{name}.log"
    with log.open("wb") as sink:
        popen = subprocess.Popen(
            command, stdout=sink, stderr=subprocess.STDOUT, env={**os.environ, **env}, start_new_session=True
        )
    process = Process(name, popen, port, log)
    deadline = time.monotonic() + timeout
    while not ready(port):
        if popen.poll() is not None or time.monotonic() > deadline:
            process.stop()
            raise AssertionError(f"{name} did not start (status {popen.returncode}):\n{process.log_tail()}")
        time.sleep(0.1)
    return process


def start_eds_serve(home: Path, port: int, agent_url: str) -> Process:
    """`eds serve` on embedded defaults in ``home`` (outbox SMS), its page pointed at ``agent_url``."""
    env = {
        "EDS_HOME": str(home),
        "EDS_SMS_GATEWAY": "outbox",
        "EDS_BASE_URL": f"http://127.0.0.1:{port}",
        "EDS_AGENT_URL": agent_url,
    }
    command = [str(EDS), "serve", "--host", "127.0.0.1", "--port", str(port)]
    return start(
        "eds-serve", command, port=port, env=env, log_dir=home / "logs", ready=_answers_http, timeout=90
    )


def start_eds_agent(home: Path, port: int, *, origin: str, store: Path, password_file: Path) -> Process:
    """`eds agent --no-tls --yes --store DIR --password-file F` trusting only ``origin``."""
    command = [str(EDS), "agent", "--port", str(port), "--origin", origin, "--no-tls", "--yes"]
    command += ["--store", str(store), "--password-file", str(password_file)]
    return start(
        "eds-agent",
        command,
        port=port,
        env={"EDS_HOME": str(home)},
        log_dir=home / "logs",
        ready=_accepts_tcp,
        timeout=30,
    )


def start_chromium(profile: Path) -> webdriver.Chrome:
    """Headless Chromium with a fresh profile; the browser console is kept for the assertions."""
    for tool in (CHROMIUM, CHROMEDRIVER):
        assert os.access(tool, os.X_OK), f"{tool} is missing: install Debian's chromium and chromium-driver"
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(executable_path=str(CHROMEDRIVER)))
    driver.set_page_load_timeout(30)
    return driver


def wait_for(condition: Callable[[], object], timeout: float, what: str, interval: float = 0.1):
    """Poll ``condition()`` until truthy; TimeoutError naming ``what``."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)
