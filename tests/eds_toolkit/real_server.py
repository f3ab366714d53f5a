"""A real `eds serve` (waitress, SQLite in its own home) that tests kill with SIGKILL and start again."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from flow_helpers import wait_until_answers

EDS = Path(sys.executable).parent / "eds"
REPO = Path(__file__).resolve().parents[2]


class Serve:
    """`eds serve` on one home and port, killed with SIGKILL and started again."""

    def __init__(self, home: Path, port: int) -> None:
        self.home, self.port = home, port
        # PYTHONPATH: this checkout's code, whichever checkout the venv was installed from
        self.env = {**os.environ, "EDS_HOME": str(home), "EDS_SMS_GATEWAY": "outbox", "PYTHONPATH": str(REPO)}
        self.env.pop("EDS_DATABASE_URL", None)
        self.base = f"http://127.0.0.1:{port}"
        self.process: subprocess.Popen | None = None

    @property
    def log(self) -> Path:
        """The server's output (a file: a pipe nobody reads would block a server that logs a lot)."""
        return self.home / "serve.log"

    def start(self) -> None:
        with self.log.open("a") as output:
            self.process = subprocess.Popen(
                [str(EDS), "serve", "--host", "127.0.0.1", "--port", str(self.port)],
                env=self.env,
                stdout=output,
                stderr=subprocess.STDOUT,
                text=True,
            )
        try:
            wait_until_answers(self.base + "/", self.process)
        except AssertionError as error:
            raise AssertionError(f"{error}\n{self.log.read_text()[-3000:]}") from None

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
