"""Fixtures for the registers: their tables (and the citizens') in SQLite and PostgreSQL, a frozen clock."""

from __future__ import annotations

import datetime as dt

import pytest

from eds_toolkit.citizens import Citizen
from eds_toolkit.clock import FrozenClock
from eds_toolkit.db import Base, make_engine, make_sessionmaker
from eds_toolkit.registers.model import (
    FamilyRelation,
    LegalCapacity,
    PropertyShare,
    RentalContract,
    RentalListedPerson,
)

TABLES = [
    Citizen.__table__,
    PropertyShare.__table__,
    RentalContract.__table__,
    RentalListedPerson.__table__,
    FamilyRelation.__table__,
    LegalCapacity.__table__,
]


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine(request, tmp_path):
    """The registers' tables in SQLite and in PostgreSQL (the session's server, a database per module)."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'registers.sqlite3'}")
    else:
        engine = make_engine(request.getfixturevalue("postgres").url)
        Base.metadata.drop_all(engine, tables=TABLES)
    Base.metadata.create_all(engine, tables=TABLES)
    yield engine
    engine.dispose()


@pytest.fixture
def sessions(engine):
    return make_sessionmaker(engine)


@pytest.fixture
def session(sessions):
    with sessions() as session:
        yield session


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(dt.datetime(2026, 12, 4, 6, 0, tzinfo=dt.UTC))
