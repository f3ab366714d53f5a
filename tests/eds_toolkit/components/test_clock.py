import datetime as dt

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, insert, select

from eds_toolkit.clock import FrozenClock, SystemClock, UtcDateTime


def test_system_clock_is_utc_and_aware():
    now = SystemClock().now()
    assert now.tzinfo is not None and now.utcoffset() == dt.timedelta(0)


def test_frozen_clock_moves_only_when_told():
    clock = FrozenClock(dt.datetime(2026, 3, 1, 10, 0, tzinfo=dt.UTC))
    assert clock.now() == clock.now()
    clock.advance(301)
    assert clock.now() == dt.datetime(2026, 3, 1, 10, 5, 1, tzinfo=dt.UTC)


def test_frozen_clock_refuses_naive_time():
    with pytest.raises(ValueError, match="tz-aware"):
        FrozenClock(dt.datetime(2026, 3, 1, 10, 0))


def test_utc_datetime_reads_back_aware_utc_and_refuses_naive(engine):
    table = Table("stamps", MetaData(), Column("id", Integer, primary_key=True), Column("at", UtcDateTime))
    table.create(engine)
    almaty = dt.timezone(dt.timedelta(hours=5))
    with engine.begin() as conn:
        conn.execute(insert(table).values(id=1, at=dt.datetime(2026, 3, 1, 15, 0, tzinfo=almaty)))
        stored = conn.scalar(select(table.c.at))
        assert stored == dt.datetime(2026, 3, 1, 10, 0, tzinfo=dt.UTC)
        assert stored.tzinfo is not None
        with pytest.raises(Exception, match="tz-aware"):
            conn.execute(insert(table).values(id=2, at=dt.datetime(2026, 3, 1, 10, 0)))
