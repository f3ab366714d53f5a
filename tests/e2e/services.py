"""Processes and servers the browser talks to, all on loopback: `eds serve`, `eds agent`, static pages."""

from __future__ import annotations

import functools
import http.client
import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

LOOPBACK = "127.0.0.1"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOOPBACK, 0))
        return probe.getsockname()[1]


def _accepts_tcp(port: int) -> bool:
    try:
        with socket.create_connection((LOOPBACK, port), timeout=0.5):
            return True
    except OSError:
        return False


def _answers_http(port: int, path: str) -> bool:
    connection = http.client.HTTPConnection(LOOPBACK, port, timeout=2)
    try:
        connection.request("GET", path)
        return connection.getresponse().status < 500
    except OSError:
        return False
    finally:
        connection.close()


class ServiceFailed(RuntimeError):
    """A service process exited or never answered; the message carries the end of its log."""


@dataclass
class ServiceProcess:
    """A process listening on ``port`` of 127.0.0.1; its stdout and stderr go to ``log``."""

    name: str
    process: subprocess.Popen
    port: int
    log: Path
    ready_after: float = 0.0  # seconds from start until it answered

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return "(no log)"

    def wait_ready(self, timeout: float, http_path: str | None) -> None:
        """Wait until the port answers (an HTTP GET of ``http_path``, else a TCP connect)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                status = self.process.returncode
                raise ServiceFailed(
                    f"{self.name} exited with status {status} before answering:\n{self.log_tail()}"
                )
            ready = _answers_http(self.port, http_path) if http_path else _accepts_tcp(self.port)
            if ready:
                return
            time.sleep(0.1)
        raise ServiceFailed(
            f"{self.name} did not answer on port {self.port} within {timeout:.0f} s:\n{self.log_tail()}"
        )

    def stop(self, grace: float = 5.0) -> None:
        """Terminate this process group (SIGTERM, then SIGKILL after ``grace`` seconds)."""
        if self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            self.process.wait(grace)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(grace)


def start_service(
    name: str,
    command: Sequence[str],
    *,
    port: int,
    log_dir: Path,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    http_path: str | None = "/",
    timeout: float = 30.0,
) -> ServiceProcess:
    """Start ``command`` (which must listen on ``port``) in its own process group and wait until it answers.

    ``http_path=None`` waits for a TCP connect instead of an HTTP answer (a WebSocket server).
    On failure the process is stopped and ServiceFailed carries its log.
    """
    log_dir.mkdir(parents=True, exist_ok=True)
    log = log_dir / f"{name}.log"
    number = 1
    while log.exists():  # a second process of the same name keeps its own log
        number += 1
        log = log_dir / f"{name}-{number}.log"
    full_env = {**os.environ, **(env or {})}
    with log.open("wb") as sink:
        process = subprocess.Popen(
            list(command),
            stdout=sink,
            stderr=subprocess.STDOUT,
            env=full_env,
            cwd=cwd,
            start_new_session=True,
        )
    service = ServiceProcess(name, process, port, log)
    started = time.monotonic()
    try:
        service.wait_ready(timeout, http_path)
    except BaseException:
        service.stop()
        raise
    service.ready_after = time.monotonic() - started
    return service


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the stdlib's name
        pass


@dataclass
class StaticSite:
    """A directory served over HTTP on 127.0.0.1 from a thread (127.0.0.1 is a secure context)."""

    server: ThreadingHTTPServer
    thread: threading.Thread

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


def serve_directory(directory: Path) -> StaticSite:
    """Serve ``directory`` on a free loopback port until ``close()``."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = ThreadingHTTPServer((LOOPBACK, 0), handler)
    thread = threading.Thread(target=server.serve_forever, name="static-site", daemon=True)
    thread.start()
    return StaticSite(server, thread)
