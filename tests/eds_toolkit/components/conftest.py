"""Fixtures for the flow's building blocks: a database, a frozen clock, a scripted local HTTP server."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from components_http import Reply, ScriptedServer

from eds_toolkit import otp
from eds_toolkit.citizens import Citizen
from eds_toolkit.clock import FrozenClock
from tests.eds_toolkit.table_fixtures import table_fixtures

OTP_SECRET = b"test-secret-for-hashing-codes-0123456789"


TABLES = [Citizen.__table__, otp.OneTimeCode.__table__]


engine, sessions, session = table_fixtures(TABLES, "components")


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(dt.datetime(2026, 3, 1, 10, 0, tzinfo=dt.UTC))


@pytest.fixture(autouse=True)
def otp_secret(monkeypatch):
    monkeypatch.setattr(otp, "_secret", None)
    otp.configure(OTP_SECRET)


@pytest.fixture
def http_server() -> Iterator:
    """``start(replies) -> ScriptedServer``; every server started is shut down after the test."""
    started: list[ScriptedServer] = []

    def start(replies: list[Reply]) -> ScriptedServer:
        server = ScriptedServer(replies)
        started.append(server)
        return server

    yield start
    for server in started:
        server.close()
