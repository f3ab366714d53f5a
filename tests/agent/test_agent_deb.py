"""scripts/build-agent-deb: the agent alone as a .deb, extracted with dpkg-deb and started from its launcher.

Debian 12's own python3 packages are too old for the agent (cryptography 38 and websockets 10; it
needs cryptography >= 42 and websockets >= 13, as in Debian 13), so on such a machine the launcher
is run with the test environment's Python instead; the package's Depends say so to dpkg.
"""

from __future__ import annotations

import os
import re
import ssl
import subprocess
import sys
import time
from pathlib import Path

import pytest
from websockets.sync.client import connect

from tests.agent.conftest import REPO

SYSTEM_PYTHON = Path("/usr/bin/python3")
PORTAL = "https://portal.example.kz"
NEEDS = (
    "import click, asn1crypto, websockets.asyncio.server, tkinter;"
    "from cryptography import x509; x509.Certificate.not_valid_after_utc"
)


def python_for_the_package() -> str:
    """/usr/bin/python3 when its packages are new enough for the agent, else this test's Python."""
    if (
        SYSTEM_PYTHON.exists()
        and subprocess.run([SYSTEM_PYTHON, "-c", NEEDS], capture_output=True).returncode == 0
    ):
        return str(SYSTEM_PYTHON)
    return sys.executable


@pytest.fixture(scope="module")
def package(tmp_path_factory) -> Path:
    output = tmp_path_factory.mktemp("dist")
    result = subprocess.run(
        [REPO / "scripts" / "build-agent-deb", "--origin", PORTAL, "--output", str(output)],
        capture_output=True,
        text=True,
        check=True,
    )
    deb = Path(result.stdout.strip().splitlines()[-1])
    assert deb.is_file() and deb.name.endswith("_all.deb")
    return deb


@pytest.fixture(scope="module")
def extracted(package, tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("root")
    subprocess.run(["dpkg-deb", "-x", str(package), str(root)], check=True)
    return root


def field(package: Path, name: str) -> str:
    return subprocess.run(
        ["dpkg-deb", "-f", str(package), name], capture_output=True, text=True, check=True
    ).stdout.strip()


def test_the_package_holds_the_agent_alone_with_a_launcher_and_a_menu_entry(package, extracted):
    lib = extracted / "usr" / "lib" / "eds-agent"
    assert sorted(p.name for p in lib.iterdir()) == ["eds_agent", "keystore", "national_profile"]
    assert not list(lib.rglob("__pycache__"))
    launcher = extracted / "usr" / "bin" / "eds-agent"
    assert launcher.stat().st_mode & 0o777 == 0o755
    assert launcher.read_text().startswith("#!/usr/bin/python3\n")
    assert "Exec=/usr/bin/eds-agent" in (extracted / "usr/share/applications/eds-agent.desktop").read_text()
    assert field(package, "Package") == "eds-agent" and field(package, "Architecture") == "all"
    depends = field(package, "Depends")
    for need in ("python3-tk", "python3-cryptography (>= 42)", "python3-websockets (>= 13)", "libnss3-tools"):
        assert need in depends
    listing = subprocess.run(["dpkg-deb", "-c", str(package)], capture_output=True, text=True).stdout
    assert all(" root/root " in line for line in listing.splitlines())


def test_the_build_refuses_a_missing_or_malformed_origin(tmp_path):
    script = REPO / "scripts" / "build-agent-deb"
    for args in ([], ["--origin", "portal.kz"], ["--origin", "https://portal.kz/app"]):
        result = subprocess.run([script, *args, "--output", str(tmp_path)], capture_output=True, text=True)
        assert result.returncode == 2, args
    assert not list(tmp_path.iterdir())


def test_the_launcher_reports_the_packaged_version(extracted):
    (extracted / "usr/lib/eds-agent/eds_agent/VERSION").write_text("0.1.0+deb-test\n")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    result = subprocess.run(
        [python_for_the_package(), str(extracted / "usr/bin/eds-agent"), "--version"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "eds-agent, version 0.1.0+deb-test"  # the packaged copy ran


def test_the_launcher_started_the_first_time_trusts_itself_and_answers_the_portal(extracted, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "XDG_CONFIG_HOME", "EDS_HOME")}
    env["HOME"] = str(home)
    launcher = extracted / "usr" / "bin" / "eds-agent"
    process = subprocess.Popen(
        [python_for_the_package(), str(launcher), "--port", "0", "--yes"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    try:
        deadline, banner = time.monotonic() + 30, ""
        while "listening on" not in banner and time.monotonic() < deadline:
            line = process.stdout.readline()
            assert line, process.stderr.read()
            banner += line
        port = int(re.search(r"wss://127\.0\.0\.1:(\d+)/", banner).group(1))
        assert PORTAL in banner  # the origin built into the package
        agent_dir = home / ".local" / "share" / "eds-toolkit" / "agent"
        context = ssl.create_default_context(cafile=agent_dir / "agent-ca.crt")
        with connect(f"wss://127.0.0.1:{port}", ssl=context, origin=PORTAL) as socket:
            assert "version" in socket.recv(timeout=10)
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=10)
    assert "Trusted in" in stderr
    assert (home / ".pki" / "nssdb" / "cert9.db").is_file()
    autostart = (home / ".config" / "autostart" / "eds-agent.desktop").read_text()
    assert f"Exec={launcher} --home {agent_dir.parent}\n" in autostart
