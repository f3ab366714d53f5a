"""The service's database: one SQLAlchemy declarative base and engine/session factories.

The CA keeps its own tables (``ca.store``); both metadata sets live in one database and one
Alembic history (``eds_toolkit/migrations``).
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import DeclarativeBase, sessionmaker


class Base(DeclarativeBase):
    """Declarative base for the service's tables (enrolments, citizens, OTPs, audit...)."""


DATABASE_DOWN: tuple[type[Exception], ...] = (OperationalError, InterfaceError)
"""What the database driver raises when the server is down, restarting or unreachable (and SQLite's
"database is locked" past its timeout): the service answers 503 with Retry-After (``web/refusals.py``),
and steps that catch every error of an outside registry let these through."""


def make_engine(url: str) -> Engine:
    """An engine; SQLite gets WAL, foreign keys and a busy timeout so concurrent writers wait.

    A new SQLite database file is created readable by its owner only (0600); SQLite gives its WAL and
    shared-memory files the same mode. SQL parameters (IINs, phone numbers) are kept out of log lines and
    error messages (``hide_parameters``).
    """
    if url.startswith("sqlite"):
        create_private_file(make_url(url).database)
        engine = create_engine(
            url, connect_args={"timeout": 30, "check_same_thread": False}, hide_parameters=True
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record) -> None:  # pragma: no cover - trivial
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True, hide_parameters=True)


def create_private_file(database: str | None) -> None:
    """Create the SQLite file ``database`` with mode 0600 unless it exists (or is in memory)."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    if path.exists() or not path.parent.is_dir():
        return
    with contextlib.suppress(FileExistsError):  # another worker created it first
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def make_sessionmaker(engine: Engine) -> sessionmaker:
    """A session factory bound to ``engine`` (sessions do not expire objects on commit)."""
    return sessionmaker(bind=engine, expire_on_commit=False)
