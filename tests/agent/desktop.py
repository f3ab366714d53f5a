"""A real X display for the agent's windows: Xvfb on a free display, keys and clicks through xdotool
(XTEST, as a keyboard would), screenshots with ImageMagick's ``import``."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "artifacts" / "screenshots" / "agent"
TOOLS = {"Xvfb": "xvfb", "xdotool": "xdotool", "import": "imagemagick"}


class Desktop:
    """One Xvfb display and the citizen's hands on it."""

    def __init__(self) -> None:
        missing = sorted({package for tool, package in TOOLS.items() if shutil.which(tool) is None})
        if missing:
            pytest.fail(
                f"the window tests need {', '.join(missing)} (Debian packages): run bash scripts/setup --test"
            )
        read_end, write_end = os.pipe()
        # -displayfd: Xvfb picks a free display number itself and writes it here once it accepts clients
        self.process = subprocess.Popen(
            ["Xvfb", "-displayfd", str(write_end), "-screen", "0", "1280x900x24", "-nolisten", "tcp"],
            pass_fds=(write_end,),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        os.close(write_end)
        with os.fdopen(read_end) as announced:
            number = announced.readline().strip()
        if not number:
            self.process.kill()
            pytest.fail(f"Xvfb did not start: {self.process.communicate()[1].decode(errors='replace')}")
        self.display = f":{number}"
        self.env = {**os.environ, "DISPLAY": self.display}

    def run(self, *command: str) -> str:
        result = subprocess.run(command, env=self.env, capture_output=True, text=True, timeout=30)
        assert result.returncode == 0 or command[:2] == ("xdotool", "search"), result.stderr
        return result.stdout

    def key(self, *keys: str) -> None:
        self.run("xdotool", "key", "--delay", "80", *keys)

    def type(self, text: str) -> None:
        self.run("xdotool", "type", "--delay", "40", text)

    def click(self, x: int, y: int) -> None:
        self.run("xdotool", "mousemove", str(x), str(y), "click", "1")

    def windows_named(self, name: str) -> list[str]:
        """Visible windows whose title contains ``name`` (X window ids; xdotool matches ASCII only)."""
        return self.run("xdotool", "search", "--onlyvisible", "--name", name).split()

    def wait_for_window(self, name: str, *, other_than: tuple[str, ...] = (), timeout: float = 30) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [window for window in self.windows_named(name) if window not in other_than]
            if found:
                time.sleep(0.4)  # mapped; let it draw before keys and screenshots
                return found[-1]
            time.sleep(0.2)
        raise AssertionError(f"no window titled {name!r} appeared on {self.display}")

    def title(self, window: str) -> str:
        return self.run("xdotool", "getwindowname", window).strip()

    def screenshot(self, name: str, window: str = "root") -> Path:
        """Save ``window`` (an X id, or the whole screen) as artifacts/screenshots/agent/<name>.png."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        self.run("import", "-window", window, str(path))
        return path

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
