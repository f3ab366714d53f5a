"""Self-revocation fixtures: a frozen clock just after real time (the session's test CA issues with the
real clock, so its certificates must already be valid at the frozen time)."""

from __future__ import annotations

import datetime as dt

import pytest

from eds_toolkit.clock import FrozenClock


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(minutes=2))
