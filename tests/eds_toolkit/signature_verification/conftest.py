"""Fixtures for signature verification: the session's test CA with its own store, people with keys."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from signature_helpers import IssuedPair, issue_pair

from ca.authority import CertificateAuthority
from ca.store import CertificateStore
from eds_toolkit.db import make_engine


class SteppingClock:
    """The CA's clock: callable, set by tests."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def ca_clock() -> SteppingClock:
    return SteppingClock(dt.datetime.now(dt.UTC).replace(microsecond=0))


@pytest.fixture(scope="session")
def loaded_signing_ca(ca_template) -> CertificateAuthority:
    passphrase = (Path(ca_template) / "passphrase").read_text().splitlines()[0].encode()
    return CertificateAuthority.load(ca_template, passphrase)


@pytest.fixture
def authority(loaded_signing_ca, tmp_path, ca_clock) -> CertificateAuthority:
    store = CertificateStore(make_engine(f"sqlite:///{tmp_path / 'ca-store.sqlite3'}"))
    store.create_schema()
    return loaded_signing_ca.replace(store=store, clock=ca_clock)


@pytest.fixture
def citizen(authority) -> IssuedPair:
    """A citizen with a SIGN and an AUTH certificate from the test CA."""
    return issue_pair(authority)
