"""`eds serve` refuses a body over the app's largest limit as soon as it sees the headers.

The attacker announces half a gigabyte (under waitress's own 1 GiB default) and trickles it in: waitress
used to read and spool the whole body to a temporary file before the app could answer 413.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from flow_helpers import free_port, wait_until_answers

REPO = Path(__file__).resolve().parents[2]
EDS = Path(sys.executable).parent / "eds"


@pytest.fixture
def served(tmp_path, ca_template):
    """`eds serve` of this checkout (``PYTHONPATH``: not the one the virtualenv was installed from)."""
    home = tmp_path / "home"
    home.mkdir()
    shutil.copytree(ca_template, home / "ca")
    port = free_port()
    env = {**os.environ, "EDS_HOME": str(home), "EDS_SMS_GATEWAY": "outbox", "PYTHONPATH": str(REPO)}
    env.pop("EDS_DATABASE_URL", None)
    process = subprocess.Popen(
        [str(EDS), "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_until_answers(f"http://127.0.0.1:{port}/", process)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)


def announce(port: int, path: str, length: int) -> tuple[bytes, float]:
    """Send only the headers of a POST announcing ``length`` bytes; the answer's first bytes and how long
    they took (empty when none came within 10 s)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(
            (
                f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {length}\r\n\r\n"
            ).encode()
        )
        began = time.monotonic()
        try:
            answer = sock.recv(200)
        except TimeoutError:
            answer = b""
        return answer, time.monotonic() - began


@pytest.mark.parametrize("path", ["/api/v1/enrolments", "/api/v1/enrolments/e1/liveness"])
def test_a_huge_announced_body_is_refused_before_a_byte_of_it_is_read(served, path):
    answer, took = announce(served, path, 512 * 1024 * 1024)
    assert answer.startswith(b"HTTP/1.1 413"), answer
    assert took < 5


def test_a_body_within_the_largest_limit_still_reaches_the_app(served):
    """The identification uploads' limit is the largest: a body of that size is the app's to judge."""
    with socket.create_connection(("127.0.0.1", served), timeout=10) as sock:
        body = b"{}"
        sock.sendall(
            b"POST /api/v1/enrolments HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
            + body
        )
        assert sock.recv(100).startswith(b"HTTP/1.1 422")
