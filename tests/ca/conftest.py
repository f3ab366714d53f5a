"""CA test fixtures: one CA per session (an RSA-4096 root is slow to make), a fresh store per test."""

from __future__ import annotations

from pathlib import Path

import pytest
from ca_test_support import PASSPHRASE
from cryptography.hazmat.primitives import serialization

from ca.authority import CertificateAuthority
from ca.store import CertificateStore
from eds_toolkit.db import make_engine


@pytest.fixture(scope="session")
def ca_dir(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("ca") / "ca"
    CertificateAuthority.initialise(directory, PASSPHRASE)
    return directory


@pytest.fixture
def store(tmp_path) -> CertificateStore:
    store = CertificateStore(make_engine(f"sqlite:///{tmp_path / 'ca.sqlite3'}"))
    store.create_schema()
    return store


@pytest.fixture(scope="session")
def loaded_ca(ca_dir) -> CertificateAuthority:
    """The session's CA, keys decrypted once (as the service does)."""
    return CertificateAuthority.load(ca_dir, PASSPHRASE)


@pytest.fixture
def authority(loaded_ca, store) -> CertificateAuthority:
    return loaded_ca.replace(store=store)


@pytest.fixture
def chain_files(authority, tmp_path) -> tuple[Path, Path]:
    """(root.pem, issuing.pem) for openssl."""
    root, issuing = tmp_path / "root.pem", tmp_path / "issuing.pem"
    root.write_bytes(authority.root_cert.public_bytes(serialization.Encoding.PEM))
    issuing.write_bytes(authority.issuing_cert.public_bytes(serialization.Encoding.PEM))
    return root, issuing
