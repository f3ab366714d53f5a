"""Fixtures for the citizen service: an instance directory with a test CA and demo citizens, a frozen
clock and the outbox SMS gateway."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from flow_helpers import frozen_clock, make_settings

from eds_toolkit.clock import FrozenClock
from eds_toolkit.web import create_app
from eds_toolkit.web.context import service


@pytest.fixture(scope="session")
def ca_template(tmp_path_factory) -> Path:
    """A test CA made once per session; each instance directory gets a copy (RSA key generation is slow)."""
    from eds_toolkit.bootstrap import ensure_test_ca

    home = tmp_path_factory.mktemp("ca-template")
    ensure_test_ca(home, "http://127.0.0.1:5000")
    return home / "ca"


@pytest.fixture
def home(tmp_path, ca_template) -> Path:
    path = tmp_path / "home"
    path.mkdir()
    shutil.copytree(ca_template, path / "ca")
    return path


@pytest.fixture
def clock() -> FrozenClock:
    return frozen_clock()


@pytest.fixture
def outbox(home) -> Path:
    return home / "outbox.jsonl"


@pytest.fixture
def app(home, clock):
    return create_app(make_settings(home, clock))


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def ctx(app):
    return service(app).flow
