"""A folder's tables in SQLite and in PostgreSQL: the ``engine``, ``sessions`` and ``session`` fixtures
its conftest takes with ``engine, sessions, session = table_fixtures(TABLES, "name")``."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import Table

from eds_toolkit.db import Base, make_engine, make_sessionmaker


def table_fixtures(tables: list[Table], name: str) -> tuple[Callable, Callable, Callable]:
    """The fixtures for ``tables``: ``engine`` in SQLite (``<name>.sqlite3`` in the test's folder) and
    in PostgreSQL (the session's server, a database per module, marked ``postgres``), the tables made
    afresh; ``sessions`` its sessionmaker; ``session`` one session."""

    @pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
    def engine(request, tmp_path):
        if request.param == "sqlite":
            engine = make_engine(f"sqlite:///{tmp_path / f'{name}.sqlite3'}")
        else:
            engine = make_engine(request.getfixturevalue("postgres").url)
            Base.metadata.drop_all(engine, tables=tables)
        Base.metadata.create_all(engine, tables=tables)
        yield engine
        engine.dispose()

    @pytest.fixture
    def sessions(engine):
        return make_sessionmaker(engine)

    @pytest.fixture
    def session(sessions):
        with sessions() as session:
            yield session

    return engine, sessions, session
