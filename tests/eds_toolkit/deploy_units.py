"""The shipped deployment files (``deploy/``) read and started the way systemd and HAProxy would.

The tests do not run systemd (there is none in CI); they read each unit's ``EnvironmentFile=``,
``Environment=`` and ``ExecStart=`` lines, put this machine's paths where the unit says ``/opt/eds`` and
``/etc/eds``, and start the command as it stands, so a wrong option in a unit fails a test.
"""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
SYSTEMD = DEPLOY / "systemd"
HAPROXY_CONFIG = DEPLOY / "haproxy" / "eds.cfg"
VENV = Path(sys.executable).parent.parent  # where the units say /opt/eds/.venv


@dataclass
class Unit:
    """A unit file's ``[Service]`` lines (a key may repeat, as ``Environment=`` does)."""

    path: Path
    service: list[tuple[str, str]] = field(default_factory=list)

    @classmethod
    def read(cls, path: Path) -> Unit:
        unit, section = cls(path), ""
        for raw in path.read_text().splitlines():
            line = raw.strip()
            if not line or line.startswith(("#", ";")):
                continue
            if line.startswith("["):
                section = line.strip("[]")
            elif section == "Service":
                key, _, value = line.partition("=")
                unit.service.append((key.strip(), value.strip()))
        return unit

    def values(self, key: str) -> list[str]:
        return [value for name, value in self.service if name == key]

    def environment(self, etc: Path, instance: str = "") -> dict[str, str]:
        """What systemd puts in the process's environment: the files (``/etc/eds`` read from ``etc``; a
        ``-`` prefix means optional), then ``Environment=`` assignments (``%i`` the instance, ``/run``
        the test's :func:`run_directory` of ``etc``)."""
        env: dict[str, str] = {}
        for name in self.values("EnvironmentFile"):
            optional = name.startswith("-")
            path = etc / Path(name.lstrip("-")).relative_to("/etc/eds")
            if path.exists() or not optional:
                env.update(read_environment_file(path))
        for assignments in self.values("Environment"):
            assignments = assignments.replace("%i", instance).replace("=/run/", f"={run_directory(etc)}/")
            env.update(dict(word.split("=", 1) for word in shlex.split(assignments)))
        return env

    def make_runtime_directories(self, etc: Path, instance: str = "") -> None:
        """``RuntimeDirectory=`` as systemd makes it at each start: empty, under :func:`run_directory`."""
        for names in self.values("RuntimeDirectory"):
            for name in names.replace("%i", instance).split():
                directory = run_directory(etc) / name
                shutil.rmtree(directory, ignore_errors=True)
                directory.mkdir(parents=True)

    def command(self, instance: str = "") -> list[str]:
        """``ExecStart=`` with ``%i`` and this machine's virtual environment."""
        (line,) = self.values("ExecStart")
        line = line.replace("%i", instance).replace("/opt/eds/.venv", str(VENV))
        return shlex.split(line)


def read_environment_file(path: Path) -> dict[str, str]:
    """``KEY=VALUE`` lines as systemd's ``EnvironmentFile=`` reads them (comments and blank lines skipped)."""
    env = {}
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if line and not line.startswith(("#", ";")):
            key, _, value = line.partition("=")
            env[key.strip()] = value.strip().strip('"')
    return env


def write_environment_file(source: Path, target: Path, values: dict[str, str]) -> None:
    """``source`` with some values replaced (every key must be one the shipped file sets), as an operator
    fills in the example for a machine."""
    shipped = read_environment_file(source)
    unknown = set(values) - set(shipped)
    assert not unknown, f"{sorted(unknown)} are not set in {source.name}"
    target.write_text("".join(f"{key}={values.get(key, value)}\n" for key, value in shipped.items()))


def run_directory(etc: Path) -> Path:
    """Where the units' ``/run`` is, beside the test's ``/etc/eds`` (``etc``)."""
    return etc.parent / "run"


def start(unit: Unit, etc: Path, extra_env: dict[str, str], instance: str = "") -> subprocess.Popen:
    """The unit's command with its environment (on top of PATH and the like: systemd sets those too)."""
    unit.make_runtime_directories(etc, instance)
    env = {**base_environment(), **unit.environment(etc, instance), **extra_env}
    return subprocess.Popen(
        unit.command(instance), env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )


def base_environment() -> dict[str, str]:
    """What a service gets without asking (PATH, a locale), and PYTHONPATH for this checkout's code."""
    import os

    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "PYTHONPATH": str(REPO),
        "HOME": os.environ.get("HOME", "/tmp"),
    }


def start_haproxy(etc: Path) -> subprocess.Popen:
    """HAProxy in the foreground on the shipped configuration, with the environment Debian's unit gets
    from the drop-in ``haproxy.service.d/eds.conf`` (``etc/haproxy.env``: addresses and TLS)."""
    env = Unit.read(SYSTEMD / "haproxy.service.d" / "eds.conf").environment(etc)
    assert env.pop("CONFIG") == "/etc/haproxy/eds.cfg"
    return subprocess.Popen(
        ["haproxy", "-f", str(HAPROXY_CONFIG), "-db"],
        env={**base_environment(), **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and HAProxy's PEM (certificate and key in one file)."""
    key, certificate, pem = directory / "tls.key", directory / "tls.crt", directory / "tls.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
        + ["-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-days", "2"]
        + ["-keyout", str(key), "-out", str(certificate)],
        check=True,
        capture_output=True,
    )
    pem.write_bytes(certificate.read_bytes() + key.read_bytes())
    return certificate, pem
