"""Starting the project's own processes for the browser: `eds serve` and `eds agent`, on loopback."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path

from .services import ServiceProcess, free_port

EDS = Path(sys.executable).parent / "eds"
"""The venv's `eds` console script (the same interpreter runs the tests)."""


def serve_command(port: int) -> list[str]:
    return [str(EDS), "serve", "--host", "127.0.0.1", "--port", str(port)]


def serve_env(home: Path, port: int, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """`eds serve` on its embedded defaults in ``home``, SMS codes written to <home>/outbox.jsonl."""
    return {
        "EDS_HOME": str(home),
        "EDS_SMS_GATEWAY": "outbox",
        "EDS_BASE_URL": f"http://127.0.0.1:{port}",
        **(extra or {}),
    }


def start_eds_serve(
    start_process: Callable[..., ServiceProcess], home: Path, extra_env: Mapping[str, str] | None = None
) -> ServiceProcess:
    """`eds serve` on a free port with its instance directory in ``home``; answers GET / before returning.

    The first start makes a test CA, so the wait is generous.
    """
    port = free_port()
    return start_process(
        "eds-serve",
        serve_command(port),
        port=port,
        env=serve_env(home, port, extra_env),
        http_path="/",
        timeout=90,
    )


def start_eds_agent(
    start_process: Callable[..., ServiceProcess],
    home: Path,
    *,
    origin: str | None,
    store: Path,
    password_file: Path | None = None,
    port: int | None = None,
    tls: bool = False,
    display: str | None = None,
) -> ServiceProcess:
    """`eds agent --yes` on ``port`` (or a free one), trusting only ``origin``, keys in ``store``.
    ``origin=None`` (desktop mode only): no site is listed, the citizen allows the portal in a window.

    ``tls=False`` adds ``--no-tls`` (plain ws://); with TLS the agent makes (or reuses) its certificate
    for 127.0.0.1 at :func:`agent_tls_certificate` of ``home``. ``display`` (an X display such as
    ``:99``): the agent in its desktop mode instead, no ``--yes``: it asks its questions in windows on
    that display (docs/agent-windows.md), which the test answers.
    """
    port = port or free_port()
    command = [
        str(EDS),
        "agent",
        "--port",
        str(port),
        *(["--origin", origin] if origin else []),
        *([] if tls else ["--no-tls"]),
        "--store",
        str(store),
    ]
    env = {"EDS_HOME": str(home)}
    if display is None:
        command += ["--yes", *(["--password-file", str(password_file)] if password_file else [])]
    else:
        env["DISPLAY"] = display
    return start_process("eds-agent", command, port=port, env=env, http_path=None, timeout=30)


def install_agent_trust(agent_home: Path, user_home: Path) -> None:
    """`eds agent install --no-autostart` for the agent of ``agent_home``, as the user of ``user_home``.

    A Chromium started with HOME=``user_home`` then trusts the agent with no certificate flag.
    """
    user_home.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "EDS_HOME": str(agent_home), "HOME": str(user_home)}
    subprocess.run([str(EDS), "agent", "install", "--no-autostart"], env=env, check=True, capture_output=True)


def agent_tls_certificate(home: Path) -> Path:
    """The TLS certificate `eds agent` made for 127.0.0.1 in its instance directory ``home``."""
    path = home / "agent" / "agent-tls.crt"
    if not path.is_file():
        raise FileNotFoundError(f"eds agent made no TLS certificate at {path}")
    return path


def wait_for_code(outbox: Path, phone: str, after: int = 0, timeout: float = 10.0) -> str:
    """The newest one-time code recorded for ``phone`` in the outbox, among entries after index ``after``."""
    from eds_toolkit.sms import read_outbox

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if outbox.exists():
            entries = [e for e in read_outbox(outbox)[after:] if _digits(e["phone"]) == _digits(phone)]
            for entry in reversed(entries):
                code = _code_in(entry["text"])
                if code:
                    return code
        time.sleep(0.1)
    raise TimeoutError(f"no SMS code for {phone} arrived in {outbox} within {timeout:.0f} s")


def _digits(phone: str) -> str:
    return "".join(ch for ch in phone if ch.isdigit())[-10:]


def _code_in(text: str) -> str | None:
    import re

    match = re.search(r"\b(\d{4,8})\b", text)
    return match.group(1) if match else None


def openssl_pkcs12_subject(p12: Path, password_file: Path) -> str:
    """Open a keystore with `openssl pkcs12` and the password in ``password_file``; the subject (RFC 2253)."""
    opened = subprocess.run(
        ["openssl", "pkcs12", "-in", str(p12), "-passin", f"file:{password_file}", "-nokeys", "-clcerts"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    if opened.returncode != 0:
        raise AssertionError(f"openssl pkcs12 could not open {p12.name}: {opened.stderr}")
    subject = subprocess.run(
        ["openssl", "x509", "-noout", "-subject", "-nameopt", "RFC2253"],
        input=opened.stdout,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return subject.stdout
