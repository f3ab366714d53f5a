"""Fixtures for the registers: their tables (and the citizens') in SQLite and PostgreSQL, a frozen clock."""

from __future__ import annotations

import datetime as dt

import pytest

from eds_toolkit.citizens import Citizen
from eds_toolkit.clock import FrozenClock
from eds_toolkit.registers.model import (
    FamilyRelation,
    LegalCapacity,
    PropertyShare,
    RentalContract,
    RentalListedPerson,
)
from tests.eds_toolkit.table_fixtures import table_fixtures

TABLES = [
    Citizen.__table__,
    PropertyShare.__table__,
    RentalContract.__table__,
    RentalListedPerson.__table__,
    FamilyRelation.__table__,
    LegalCapacity.__table__,
]


engine, sessions, session = table_fixtures(TABLES, "registers")


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(dt.datetime(2026, 12, 4, 6, 0, tzinfo=dt.UTC))
