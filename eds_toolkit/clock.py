"""Time comes in through a small interface so tests control it instead of sleeping.

Also ``UtcDateTime``: a column type that stores UTC and always reads back tz-aware datetimes
(SQLite forgets the zone otherwise), for any table that compares stored times with ``Clock.now()``.
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator


class Clock(Protocol):
    """Something that tells the time."""

    def now(self) -> dt.datetime:
        """The current time, tz-aware UTC."""
        ...


class SystemClock:
    """The real clock."""

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)


class FrozenClock:
    """A clock that stands still until a test moves it."""

    def __init__(self, now: dt.datetime | None = None) -> None:
        start = now or dt.datetime(2026, 1, 15, 9, 0, tzinfo=dt.UTC)
        if start.tzinfo is None:
            raise ValueError("FrozenClock needs a tz-aware datetime")
        self._now = start.astimezone(dt.UTC)

    def now(self) -> dt.datetime:
        return self._now

    def advance(self, seconds: float) -> dt.datetime:
        """Move the clock forward by ``seconds`` and return the new time."""
        self._now += dt.timedelta(seconds=seconds)
        return self._now

    def set(self, now: dt.datetime) -> None:
        """Jump to ``now`` (tz-aware)."""
        if now.tzinfo is None:
            raise ValueError("FrozenClock needs a tz-aware datetime")
        self._now = now.astimezone(dt.UTC)


class UtcDateTime(TypeDecorator):
    """A timestamp stored as UTC and read back tz-aware; naive datetimes are refused on write."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("store tz-aware datetimes only (use Clock.now())")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)
