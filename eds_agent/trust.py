"""``eds agent install`` / ``uninstall``: browsers trust the agent's local CA; the agent starts at login.

Trust goes into the user's NSS databases with ``certutil`` (Debian: ``libnss3-tools``):
``$HOME/.pki/nssdb`` (Chromium and Chrome on Linux; made when missing), each Firefox profile's
``cert9.db`` and the snap packages' copies of both. Only the agent's CA is added, under one
nickname, and uninstall removes only that nickname. Everything follows ``HOME`` and
``XDG_CONFIG_HOME``, so tests use a temporary home.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from eds_agent.tls import ensure_local_ca

NICKNAME = "eds agent local CA"
# C = a trusted CA for TLS servers; nothing for e-mail or code signing.
TRUST_FLAGS = "C,,"
AUTOSTART_NAME = "eds-agent.desktop"
MARKER_NAME = "installed.json"


class TrustError(RuntimeError):
    """The trust step cannot be done (``certutil`` missing or failing); the message says what to do."""


@dataclass(frozen=True)
class InstallReport:
    """What ``install`` changed (or ``uninstall`` removed): NSS databases and the autostart file."""

    databases: list[Path] = field(default_factory=list)
    autostart: Path | None = None


def user_home() -> Path:
    return Path(os.environ.get("HOME") or Path.home())


def config_home() -> Path:
    return Path(os.environ.get("XDG_CONFIG_HOME") or user_home() / ".config")


def autostart_file() -> Path:
    return config_home() / "autostart" / AUTOSTART_NAME


def chromium_database() -> Path:
    """Where Chromium and Chrome on Linux keep the user's certificates (NSS shared database)."""
    return user_home() / ".pki" / "nssdb"


def nss_databases() -> list[Path]:
    """The user's NSS databases: Chromium's (always, made if missing), Firefox and snap ones that exist."""
    home = user_home()
    found = [chromium_database()]
    snap_chromium = home / "snap" / "chromium" / "current" / ".pki" / "nssdb"
    if snap_chromium.is_dir():
        found.append(snap_chromium)
    for profiles in (
        home / ".mozilla" / "firefox",
        home / "snap" / "firefox" / "common" / ".mozilla" / "firefox",
    ):
        if profiles.is_dir():
            found += sorted(p for p in profiles.iterdir() if (p / "cert9.db").is_file())
    return found


def _certutil(*args: str) -> subprocess.CompletedProcess[str]:
    tool = shutil.which("certutil")
    if tool is None:
        raise TrustError(
            "certutil is missing: install it (Debian and Ubuntu: sudo apt install libnss3-tools), "
            "then run eds agent install again."
        )
    return subprocess.run([tool, *args], capture_output=True, text=True, check=False)


def _create_database(database: Path) -> None:
    database.mkdir(parents=True, exist_ok=True, mode=0o700)
    if not (database / "cert9.db").is_file():
        result = _certutil("-N", "-d", f"sql:{database}", "--empty-password")
        if result.returncode != 0:
            raise TrustError(f"certutil could not create {database}: {result.stderr.strip()}")


def has_nickname(database: Path) -> bool:
    return _certutil("-L", "-d", f"sql:{database}", "-n", NICKNAME).returncode == 0


def remove_from_database(database: Path) -> bool:
    """Delete every certificate under our nickname from ``database``; whether there was one."""
    removed = False
    while has_nickname(database):
        result = _certutil("-D", "-d", f"sql:{database}", "-n", NICKNAME)
        if result.returncode != 0:
            raise TrustError(
                f"certutil could not remove {NICKNAME!r} from {database}: {result.stderr.strip()}"
            )
        removed = True
    return removed


def add_to_database(database: Path, ca_certificate: Path) -> None:
    """Trust ``ca_certificate`` for TLS servers in ``database`` (an earlier copy of ours is replaced)."""
    _create_database(database)
    remove_from_database(database)
    result = _certutil(
        "-A", "-d", f"sql:{database}", "-n", NICKNAME, "-t", TRUST_FLAGS, "-i", str(ca_certificate)
    )
    if result.returncode != 0:
        raise TrustError(f"certutil could not add the agent's CA to {database}: {result.stderr.strip()}")


def fingerprint(certificate_path: Path) -> str:
    der = x509.load_pem_x509_certificate(certificate_path.read_bytes()).public_bytes(
        serialization.Encoding.DER
    )
    return hashlib.sha256(der).hexdigest()


def desktop_exec(command: Sequence[str]) -> str:
    """A command line for a .desktop file's Exec key (the spec's quoting: \\ " ` $ escaped)."""

    def quote(arg: str) -> str:
        if arg and not any(c in arg for c in " \t\n\"'\\><~|&;$*?#()`%="):
            return arg
        escaped = "".join("\\" + c if c in '"`$\\' else c for c in arg).replace("%", "%%")
        return f'"{escaped}"'

    return " ".join(quote(arg) for arg in command)


def write_autostart(command: Sequence[str]) -> Path:
    """The XDG autostart entry that starts the agent at login."""
    path = autostart_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "[Desktop Entry]\n"
        "Type=Application\n"
        "Name=eds agent\n"
        "Comment=Signing agent for the EDS portal (listens on 127.0.0.1 only)\n"
        f"Exec={desktop_exec(command)}\n"
        "Terminal=false\n"
        "X-GNOME-Autostart-enabled=true\n",
        encoding="utf-8",
    )
    return path


def is_installed(agent_dir: Path) -> bool:
    """Whether ``install`` ran for the current CA (a new CA, e.g. after the old one ended, needs it again)."""
    marker = agent_dir / MARKER_NAME
    ca_path = ensure_local_ca(agent_dir)[0]
    try:
        return json.loads(marker.read_text(encoding="utf-8")).get("ca_sha256") == fingerprint(ca_path)
    except (OSError, ValueError):
        return False


def install(agent_dir: Path, autostart_command: Sequence[str] | None) -> InstallReport:
    """Trust the agent's CA in every NSS database of the user; write the autostart entry (unless None)."""
    ca_path, _ = ensure_local_ca(agent_dir)
    databases = nss_databases()
    for database in databases:
        add_to_database(database, ca_path)
    autostart = write_autostart(autostart_command) if autostart_command is not None else None
    marker = {"ca_sha256": fingerprint(ca_path), "databases": [str(d) for d in databases]}
    (agent_dir / MARKER_NAME).write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")
    return InstallReport(databases, autostart)


def uninstall(agent_dir: Path) -> InstallReport:
    """Remove our nickname from every NSS database of the user (and those install recorded) and autostart."""
    candidates = [d for d in nss_databases() if (d / "cert9.db").is_file()]
    marker = agent_dir / MARKER_NAME
    if marker.is_file():
        try:
            recorded = json.loads(marker.read_text(encoding="utf-8")).get("databases", [])
        except ValueError:
            recorded = []
        candidates += [
            Path(d) for d in recorded if (Path(d) / "cert9.db").is_file() and Path(d) not in candidates
        ]
    removed = [database for database in candidates if remove_from_database(database)]
    autostart = autostart_file()
    if autostart.is_file():
        autostart.unlink()
    else:
        autostart = None
    marker.unlink(missing_ok=True)
    return InstallReport(removed, autostart)


def describe(report: InstallReport, *, removed: bool = False) -> str:
    """The report in a few lines for the terminal."""
    verb = "no longer trust" if removed else "trust"
    lines = [f"{'Removed from' if removed else 'Trusted in'}: {d}" for d in report.databases]
    if not report.databases:
        lines.append("No browser database held the agent's CA." if removed else "No browser database found.")
    if report.autostart is not None:
        lines.append(f"{'Removed' if removed else 'Starts at login'}: {report.autostart}")
    lines.append(f"Browsers {verb} eds agent's local CA (only for localhost and 127.0.0.1); restart them.")
    return "\n".join(lines)
