"""One reminder run at a time per database, held by the process itself: its death releases it.

So a run that holds it knows that a reminder left ``sending`` is not being sent by anyone: its process
died. PostgreSQL: a session advisory lock (across machines); SQLite: an ``flock`` beside the database
file (one machine, as SQLite is).
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, text

ADVISORY_LOCK_KEY = 0x6564_7352_656D_6E64  # "edsRemnd": the reminders' PostgreSQL advisory lock


class RemindersBusy(RuntimeError):
    """Another reminder run holds the lock on this database."""


@contextmanager
def one_run_at_a_time(engine: Engine) -> Iterator[None]:
    """Hold the reminders' lock for the block; RemindersBusy at once if another run holds it."""
    if engine.dialect.name == "postgresql":
        with _advisory_lock(engine):
            yield
        return
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        yield  # an in-memory database belongs to this process alone
        return
    with _file_lock(f"{database}.reminders.lock"):
        yield


@contextmanager
def _advisory_lock(engine: Engine) -> Iterator[None]:
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        taken = connection.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": ADVISORY_LOCK_KEY})
        if not taken:
            raise RemindersBusy("another reminder run is in progress on this database")
        try:
            yield
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_LOCK_KEY})


@contextmanager
def _file_lock(path: str) -> Iterator[None]:
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RemindersBusy("another reminder run is in progress on this database") from None
        yield
    finally:
        os.close(fd)  # closing releases the lock
