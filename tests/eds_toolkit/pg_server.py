"""A throw-away PostgreSQL server for tests and the benchmark: initdb + pg_ctl into a temporary
directory, on a free loopback port. As root it runs as ``nobody`` (PostgreSQL refuses to run as root).

A test module gets a database of its own on the session's one server (:func:`fresh_database`, the
``postgres`` fixture of tests/conftest.py); only a test that stops or kills the server starts its own.

The server is whichever major version the machine has from Debian's packages (15 on Debian 12, 17 on
Debian 13: /usr/lib/postgresql/N/bin, the newest if several), or the one in ``$EDS_TEST_PG_BIN``."""

from __future__ import annotations

import dataclasses
import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


def find_pg_bin() -> Path | None:
    """The folder holding ``initdb`` and ``pg_ctl``: ``$EDS_TEST_PG_BIN``, else the newest Debian one."""
    if os.environ.get("EDS_TEST_PG_BIN"):
        return Path(os.environ["EDS_TEST_PG_BIN"])
    found = [
        path.parent
        for path in Path("/usr/lib/postgresql").glob("*/bin/initdb")
        if path.parent.parent.name.isdigit() and (path.parent / "pg_ctl").exists()
    ]
    return max(found, key=lambda folder: int(folder.parent.name), default=None)


PG_BIN = find_pg_bin()


@dataclass(frozen=True)
class PostgresServer:
    url: str  # SQLAlchemy URL (psycopg 3)
    port: int
    directory: Path
    start_seconds: float  # initdb + start, measured


def _as_postgres_user(command: list[str]) -> list[str]:
    return ["runuser", "-u", "nobody", "--", *command] if os.geteuid() == 0 else command


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def running_postgres() -> Iterator[PostgresServer]:
    """Start a server, yield its URL, stop it and delete its files. Fails (never skips) without binaries."""
    if PG_BIN is None or not (PG_BIN / "initdb").exists():
        where = PG_BIN or "/usr/lib/postgresql/*/bin"
        raise RuntimeError(f"no PostgreSQL server ({where}/initdb missing): scripts/setup --test installs it")
    began = time.perf_counter()
    directory = Path(tempfile.mkdtemp(prefix="eds-pg-"))
    directory.chmod(0o755)
    if os.geteuid() == 0:
        shutil.chown(directory, "nobody")
    data = directory / "data"
    port = _free_port()
    subprocess.run(
        _as_postgres_user(
            [str(PG_BIN / "initdb"), "-D", str(data), "-U", "eds", "--auth=trust", "-E", "UTF8", "--no-sync"]
        ),
        check=True,
        capture_output=True,
    )
    start_postgres(directory, port)
    try:
        yield PostgresServer(
            url=f"postgresql+psycopg://eds@127.0.0.1:{port}/postgres",
            port=port,
            directory=directory,
            start_seconds=time.perf_counter() - began,
        )
    finally:
        stop_postgres(directory)
        shutil.rmtree(directory, ignore_errors=True)


def start_postgres(directory: Path, port: int) -> None:
    """Start (or start again) the server whose files are in ``directory``, on ``port``."""
    options = f"-p {port} -k {directory} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
    command = [str(PG_BIN / "pg_ctl"), "-D", str(directory / "data"), "-o", options]
    subprocess.run(
        _as_postgres_user([*command, "-l", str(directory / "log"), "-w", "start"]),
        check=True,
        capture_output=True,
    )


def stop_postgres(directory: Path) -> None:
    """Stop the server at once (``-m immediate``: as a crash would, no shutdown checkpoint)."""
    subprocess.run(
        _as_postgres_user(
            [str(PG_BIN / "pg_ctl"), "-D", str(directory / "data"), "-m", "immediate", "-w", "stop"]
        ),
        capture_output=True,
    )


def empty_database(url: str) -> None:
    """Drop and re-create the public schema of ``url``: a clean database for the next test."""
    from sqlalchemy import text

    from eds_toolkit.db import make_engine

    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()


@contextmanager
def fresh_database(server: PostgresServer) -> Iterator[PostgresServer]:
    """A new empty database on ``server``, dropped afterwards (with whatever connections are left open).

    Yields ``server`` with its ``url`` naming that database."""
    from sqlalchemy import create_engine, text

    name = f"eds_test_{uuid.uuid4().hex[:16]}"
    admin = create_engine(server.url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield dataclasses.replace(server, url=server.url.rsplit("/", 1)[0] + f"/{name}")
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()
