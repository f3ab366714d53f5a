"""A throw-away PostgreSQL 15 server on loopback for the components' tests (fails, never skips, if absent)."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

PG_BIN = Path(os.environ.get("EDS_PG_BIN", "/usr/lib/postgresql/15/bin"))


def _as_postgres_user() -> list[str]:
    # PostgreSQL refuses to run as root: drop to the "postgres" account when we are root.
    if os.geteuid() != 0:
        return []
    pwd.getpwnam("postgres")
    return ["runuser", "-u", "postgres", "--"]


class PostgresServer:
    """initdb + pg_ctl start in a temporary directory; ``url`` is a SQLAlchemy URL (psycopg 3)."""

    def __init__(self) -> None:
        if not (PG_BIN / "pg_ctl").exists():
            raise RuntimeError(f"PostgreSQL 15 is needed for these tests: {PG_BIN}/pg_ctl not found")
        self.root = Path(tempfile.mkdtemp(prefix="eds-components-pg-"))
        prefix = _as_postgres_user()
        if prefix:
            shutil.chown(self.root, "postgres")
        self.data = self.root / "data"
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self._prefix = prefix
        self._run("initdb", "-D", str(self.data), "-U", "eds", "--auth=trust", "-E", "UTF8", "--no-sync")
        options = f"-h 127.0.0.1 -p {self.port} -k {self.root} -c fsync=off"
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-w",
            "-t",
            "30",
            "-l",
            str(self.root / "log"),
            "-o",
            options,
            "start",
        )
        self.url = f"postgresql+psycopg://eds@127.0.0.1:{self.port}/postgres"

    def _run(self, tool: str, *args: str) -> None:
        done = subprocess.run([*self._prefix, str(PG_BIN / tool), *args], capture_output=True, text=True)
        if done.returncode != 0:
            log = self.root / "log"
            tail = log.read_text()[-2000:] if log.exists() else ""
            raise RuntimeError(f"{tool} failed ({done.returncode}): {done.stderr[-2000:]}\n{tail}")

    def stop(self) -> None:
        subprocess.run(
            [*self._prefix, str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "fast", "stop"],
            check=False,
            capture_output=True,
        )
        shutil.rmtree(self.root, ignore_errors=True)
