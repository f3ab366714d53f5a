"""Concurrent issuance from threads and from processes against one SQLite file: unique serials, none lost."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from ca_test_support import PASSPHRASE, make_csr, person, rsa_key
from cryptography import x509

from ca.authority import CertificateAuthority
from ca.errors import IssuanceRefused
from ca.store import CertificateStore
from eds_toolkit.db import make_engine

PER_WORKER = 12


def _issue_in_process(ca_dir: str, database_url: str, csrs: dict[str, bytes], worker: int) -> list[str]:
    authority = CertificateAuthority.load(
        Path(ca_dir), PASSPHRASE, CertificateStore(make_engine(database_url))
    )
    serials = []
    for n in range(PER_WORKER):
        profile = "auth" if n % 2 else "sign"
        issued = authority.issue(csrs[profile], person(), profile, enrolment_id=f"p{worker}-{n}")
        serials.append(issued.record.serial)
    return serials


def _stored(store: CertificateStore) -> list[str]:
    return [r.serial for r in store.list()]


def test_threads_issuing_at_once_get_unique_serials_and_lose_none(authority, store):
    csr = make_csr()

    def work(worker: int) -> list[str]:
        return [
            authority.issue(csr, person(), "sign", enrolment_id=f"t{worker}-{n}").record.serial
            for n in range(PER_WORKER)
        ]

    with ThreadPoolExecutor(max_workers=6) as pool:
        returned = [s for serials in pool.map(work, range(6)) for s in serials]
    stored = _stored(store)
    assert len(returned) == len(set(returned)) == 6 * PER_WORKER
    assert sorted(stored) == sorted(returned)
    for record in store.list():
        assert x509.load_pem_x509_certificate(record.pem.encode()).serial_number == int(record.serial, 16)


def test_processes_issuing_at_once_get_unique_serials_and_lose_none(ca_dir, store, tmp_path):
    database_url = str(store.engine.url)
    csrs = {"auth": make_csr(rsa_key(index=1)), "sign": make_csr()}  # one key per profile
    context = multiprocessing.get_context("spawn")
    with context.Pool(4) as pool:
        results = pool.starmap(_issue_in_process, [(str(ca_dir), database_url, csrs, w) for w in range(4)])
    returned = [s for serials in results for s in serials]
    assert len(returned) == len(set(returned)) == 4 * PER_WORKER
    assert sorted(_stored(store)) == sorted(returned)


def test_racing_twice_for_one_enrolment_gives_exactly_one_certificate(authority, store):
    csr = make_csr()

    def attempt(_: int) -> str:
        try:
            return authority.issue(csr, person(), "auth", enrolment_id="same-enrolment").record.serial
        except IssuanceRefused as refused:
            assert refused.code == "already_issued"
            return "refused"

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(attempt, range(8)))
    assert outcomes.count("refused") == 7
    assert len(_stored(store)) == 1


@pytest.fixture(autouse=True)
def _spawned_workers_find_the_test_helpers(monkeypatch):
    """Spawned processes import this module by name; give them the test folder on their path."""
    here = str(Path(__file__).parent)
    monkeypatch.setenv("PYTHONPATH", here + ":" + str(Path(__file__).parents[2]))
