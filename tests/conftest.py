"""The root of the test suites; its only fixtures are the shared PostgreSQL server and databases.

As ``tests.conftest`` (``tests/`` is a package) it makes pytest put the repository root on sys.path
before any suite is collected, so every suite imports the one browser/process harness as
``tests.e2e.browser``, ``tests.e2e.services``, ``tests.e2e.eds`` and ``tests.e2e.camera``, whichever
folder pytest collects first (``pytest tests/eds_toolkit/portal_agent tests/e2e`` as well as the whole
tree), and the real packages win over test folders of the same name even when pytest is started
without the repository as the working directory.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.eds_toolkit.pg_server import PostgresServer, fresh_database, running_postgres


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One throw-away PostgreSQL server (tests/eds_toolkit/pg_server.py) for the session, so for each
    xdist worker: initdb and start once, not once per module."""
    with running_postgres() as server:
        yield server


@pytest.fixture(scope="module")
def postgres(postgres_server: PostgresServer) -> Iterator[PostgresServer]:
    """A database of this module's own on the session's server (its ``url`` names it), dropped after.

    A module that stops or kills the server defines its own ``postgres`` with ``running_postgres()``."""
    with fresh_database(postgres_server) as database:
        yield database


def duplicate_test_ids(items: list[pytest.Item]) -> list[str]:
    """Test ids collected more than once (schemathesis gives its generated cases one id)."""
    seen: dict[str, int] = {}
    for item in items:
        seen[item.nodeid] = seen.get(item.nodeid, 0) + 1
    return sorted(nodeid for nodeid, count in seen.items() if count > 1)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under pytest-xdist (scripts/test), tests that share an id would be run only once, silently:
    refuse to start instead (scripts/test runs such a file on its own, without xdist)."""
    if getattr(config.option, "numprocesses", None) or hasattr(config, "workerinput"):
        duplicates = duplicate_test_ids(items)
        if duplicates:
            raise pytest.UsageError(f"test ids collected more than once (xdist runs one): {duplicates[:5]}")
