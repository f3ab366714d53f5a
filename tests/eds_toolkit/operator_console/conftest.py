"""Console fixtures: the app with a frozen clock just after real time (the session's test CA issues with
the real clock), a citizen with an issued pair who is also an operator, and a signed-in console client."""

from __future__ import annotations

import datetime as dt

import pytest
from operator_helpers import Operator, make_operator

from eds_toolkit.clock import FrozenClock


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(minutes=2))


@pytest.fixture
def ca_admin(client, ctx, outbox) -> Operator:
    return make_operator(client, ctx, outbox, roles="ca_admin")
