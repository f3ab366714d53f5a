"""Renewal fixtures: the app with a frozen clock just after real time (the session's test CA issues
with the real clock, so its certificates must already be valid at the frozen time), and a citizen
holding a pair issued through the enrolment API."""

from __future__ import annotations

import datetime as dt

import pytest
from renewal_helpers import Holder, enrol_and_issue

from eds_toolkit.clock import FrozenClock


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(minutes=2))


@pytest.fixture
def holder(client, ctx, outbox) -> Holder:
    return enrol_and_issue(client, ctx, outbox)
