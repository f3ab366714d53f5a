"""The loopback-process helper the e2e suite starts `eds serve` and `eds agent` with."""

from __future__ import annotations

import socket
import sys
from pathlib import Path

import pytest
import requests

from .services import ServiceFailed, free_port, start_service


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def test_started_process_answers_and_is_gone_after_stop(tmp_path: Path):
    (tmp_path / "www").mkdir()
    (tmp_path / "www" / "hello.txt").write_text("hello from the loopback")
    port = free_port()
    service = start_service(
        "http.server",
        [sys.executable, "-m", "http.server", "--bind", "127.0.0.1", str(port)],
        port=port,
        log_dir=tmp_path / "logs",
        cwd=tmp_path / "www",
        http_path="/hello.txt",
    )
    try:
        assert requests.get(f"{service.url}/hello.txt", timeout=5).text == "hello from the loopback"
    finally:
        service.stop()
    assert service.process.returncode is not None
    assert not _listening(port)


def test_process_that_dies_at_start_is_reported_with_its_log(tmp_path: Path):
    script = "import sys; print('cannot open the database: permission denied'); sys.exit(3)"
    with pytest.raises(ServiceFailed, match=r"(?s)exited with status 3.*permission denied"):
        start_service(
            "broken", [sys.executable, "-c", script], port=free_port(), log_dir=tmp_path, timeout=10
        )


def test_process_that_never_listens_is_stopped_after_the_timeout(tmp_path: Path):
    script = "import time; print('still booting', flush=True); time.sleep(60)"
    with pytest.raises(ServiceFailed, match=r"(?s)did not answer.*still booting"):
        start_service(
            "sleeper",
            [sys.executable, "-c", script],
            port=free_port(),
            log_dir=tmp_path,
            http_path=None,
            timeout=1.5,
        )
