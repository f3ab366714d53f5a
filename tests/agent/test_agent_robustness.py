"""`eds agent` when things go wrong around it: a restart mid-issuance, a tab that vanishes, a busy
port (NCALayer's), an --origin that no browser could ever send."""

from __future__ import annotations

import base64
import errno
import json
import os
import socket
import struct
import subprocess

import pytest
from websockets.sync.client import connect

from eds_agent.command import listen_failure
from keystore.pkcs12 import open_keystore

from .conftest import EDS, ERLAN, PASSWORD, PORTAL, call

ISSUANCE = "kz.eds.toolkit.issuance"
PERSON = {"iin": ERLAN.iin, "surname": ERLAN.surname, "givenName": ERLAN.given_name}


def test_keys_made_before_eds_agent_restarts_are_installed_after_it(start_agent, test_ca, tmp_path):
    home, store = tmp_path / "agent-home", tmp_path / "chosen-keys"
    first = start_agent(store=store, home=home)
    with connect(first.url, origin=PORTAL) as ws:
        ws.recv(timeout=10)
        made = call(ws, ISSUANCE, "makeRequests", {"enrolmentId": "enrol-restart", **PERSON})["body"][
            "result"
        ]
    first.stop()  # SIGTERM: gone at once, like a crash or a reboot
    certificates = test_ca.issue_pair(made, ERLAN)  # meanwhile the portal's CA issued the pair

    second = start_agent(store=tmp_path / "another-default-folder", home=home)
    with connect(second.url, origin=PORTAL) as ws:
        ws.recv(timeout=10)
        listed = call(ws, ISSUANCE, "listKeys", {})["body"]["result"]
        again = call(ws, ISSUANCE, "makeRequests", {"enrolmentId": "enrol-restart", **PERSON})
        installed = call(
            ws,
            ISSUANCE,
            "installCertificates",
            dict(certificates, enrolmentId="enrol-restart", password=PASSWORD),
        )

    assert listed["pending"] == ["enrol-restart"]
    assert again["body"]["result"]["authCsr"] == made["authCsr"], "a page asking again gets the same CSRs"
    assert installed["status"] is True, installed
    assert installed["body"]["result"]["folder"] == str(store), "the keystores go where the keys waited"
    files = sorted(store.glob("*.p12"))
    assert len(files) == 2
    for path in files:
        subject = open_keystore(path.read_bytes(), PASSWORD).certificate.subject.rfc4514_string()
        assert f"IIN{ERLAN.iin}" in subject
    assert not list((home / "agent" / "pending").glob("*.json")), "the secret goes with the keys"
    assert not (store / ".pending").exists()


def _open_raw_websocket(port: int) -> socket.socket:
    """A WebSocket handshake by hand, up to the agent's greeting, so the test can vanish rudely."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(
        (
            f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nOrigin: {PORTAL}\r\n\r\n"
        ).encode()
    )
    received = b""
    while b'"version"' not in received:
        chunk = sock.recv(4096)
        assert chunk, f"the agent closed the connection: {received!r}"
        received += chunk
    assert received.startswith(b"HTTP/1.1 101")
    return sock


def test_a_page_that_vanishes_without_closing_is_one_log_line_not_a_traceback(start_agent, tmp_path):
    agent = start_agent(store=tmp_path / "keys")

    reset = _open_raw_websocket(agent.port)
    reset.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    reset.close()  # TCP reset: a crashed browser
    dropped = _open_raw_websocket(agent.port)
    dropped.shutdown(socket.SHUT_RDWR)
    dropped.close()  # TCP close without a WebSocket close frame: a killed tab
    with connect(agent.url, origin=PORTAL) as ws:  # still serving
        ws.recv(timeout=10)
        assert call(ws, ISSUANCE, "version")["status"] is True
    stderr = agent.stop()

    assert "Traceback" not in stderr and " ERROR " not in stderr, stderr
    lines = [line for line in stderr.splitlines() if "left without closing the connection" in line]
    assert len(lines) == 2, stderr
    assert all(" INFO " in line and PORTAL in line for line in lines)


def _eds_agent(tmp_path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(EDS), "--home", str(tmp_path / "home"), "agent", "--no-tls", *args],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )


@pytest.mark.parametrize(
    ("origin", "says"),
    [
        ("portal.kz", "needs http:// or https://"),
        ("https://portal.kz/app", "without a path, e.g. https://portal.kz"),
        ("https://portal.kz:99999", "is not a web address"),
    ],
)
def test_an_origin_that_no_browser_sends_is_refused_with_exit_2(tmp_path, origin, says):
    result = _eds_agent(tmp_path, "--port", "0", "--origin", origin)

    assert result.returncode == 2, result.stderr
    assert says in result.stderr and "--origin" in result.stderr
    assert "listening" not in result.stdout


def test_a_busy_port_names_ncalayer_and_the_port_option(tmp_path):
    with socket.socket() as holder:  # e.g. NCALayer on its port
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        busy = holder.getsockname()[1]
        result = _eds_agent(tmp_path, "--port", str(busy), "--origin", "http://127.0.0.1:5000")

    assert result.returncode == 1
    message = " ".join(result.stderr.split())
    assert f"cannot listen on 127.0.0.1:{busy}" in message
    assert "NCALayer" in message and "--port N" in message and "EDS_AGENT_URL" in message
    assert "Traceback" not in result.stderr
    on_ncalayers_port = listen_failure(13579, OSError(errno.EADDRINUSE, "Address already in use"))
    assert "probably NCALayer" in on_ncalayers_port and "--port N" in on_ncalayers_port


def test_a_clean_origin_with_a_trailing_slash_is_accepted_as_the_browser_sends_it(start_agent, tmp_path):
    agent = start_agent(store=tmp_path / "keys", origins=("HTTP://Portal.Test:5000/",))
    assert "allowed origins: http://portal.test:5000" in agent.banner
    with connect(agent.url, origin=PORTAL) as ws:
        assert json.loads(ws.recv(timeout=10))["result"]["version"]
