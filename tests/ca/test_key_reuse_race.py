"""Issuers racing to certify one public key for different people: the database lets exactly one win.

The helpers here are run on SQLite below and on PostgreSQL in test_store_postgres.py.
"""

from __future__ import annotations

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor

from ca_test_support import IIN, OTHER_IIN, make_csr, person, rsa_key
from sqlalchemy import Engine, MetaData, Table, inspect, select

from ca.authority import CertificateAuthority, spki_sha256
from ca.errors import IssuanceRefused
from ca.store import CertificateRecord, CertificateStore, KeyBinding
from eds_toolkit.db import make_engine
from eds_toolkit.migrations import upgrade
from national_profile.iin import make_iin

WORKERS = 6
HOLDERS = [make_iin(dt.date(1960 + 5 * n, 1 + n, 3 + n), "MF"[n % 2], 10 + n) for n in range(WORKERS)]
CONTESTED = rsa_key(index=60)


def bindings(store: CertificateStore) -> dict[str, tuple[str, str]]:
    columns = KeyBinding.__table__.c
    with store.engine.connect() as connection:
        rows = connection.execute(select(columns.spki_sha256, columns.iin, columns.profile)).all()
    return {key_id: (iin, profile) for key_id, iin, profile in rows}


def check_single_issuance_race(authority: CertificateAuthority, store: CertificateStore) -> None:
    """WORKERS threads, each certifying the contested key for its own IIN at the same moment."""
    csr = make_csr(CONTESTED, iin=None)
    start = threading.Barrier(WORKERS)

    def attempt(n: int) -> tuple[str, str]:
        start.wait()
        try:
            return HOLDERS[n], authority.issue(csr, person(HOLDERS[n]), "sign").record.serial
        except IssuanceRefused as refused:
            return HOLDERS[n], refused.code

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        outcomes = list(pool.map(attempt, range(WORKERS)))
    winners = [(iin, serial) for iin, serial in outcomes if serial != "key_reused"]
    assert len(winners) == 1, outcomes
    ((winner_iin, serial),) = winners
    records = list(store.list())
    assert [(r.serial, r.iin) for r in records] == [(serial, winner_iin)]
    assert bindings(store) == {spki_sha256(CONTESTED.public_key()): (winner_iin, "sign")}


def check_bulk_issuance_race(authority: CertificateAuthority, store: CertificateStore) -> None:
    """WORKERS threads, each bulk-issuing its own AUTH key, then the contested key as SIGN for its IIN.

    The losers store their AUTH certificate (the batch is cut before the refused request), nothing else."""
    contested_csr = make_csr(CONTESTED, iin=None)
    own_keys = [rsa_key(index=70 + n) for n in range(WORKERS)]
    start = threading.Barrier(WORKERS)

    def attempt(n: int) -> tuple[list[str], str | None]:
        requests = [
            (make_csr(own_keys[n], iin=None), person(HOLDERS[n]), "auth"),
            (contested_csr, person(HOLDERS[n]), "sign"),
        ]
        issued: list[str] = []
        start.wait()
        try:
            for one in authority.issue_many(requests):
                issued.append(one.record.profile)
        except IssuanceRefused as refused:
            return issued, refused.code
        return issued, None

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        outcomes = list(pool.map(attempt, range(WORKERS)))
    winners = [n for n, (_, refusal) in enumerate(outcomes) if refusal is None]
    assert len(winners) == 1, outcomes
    assert outcomes[winners[0]][0] == ["auth", "sign"]
    losers = [outcome for n, outcome in enumerate(outcomes) if n != winners[0]]
    assert losers == [(["auth"], "key_reused")] * (WORKERS - 1)
    stored = sorted((r.iin, r.profile) for r in store.list())
    assert stored == sorted([*((iin, "auth") for iin in HOLDERS), (HOLDERS[winners[0]], "sign")])
    expected = {spki_sha256(key.public_key()): (HOLDERS[n], "auth") for n, key in enumerate(own_keys)}
    expected[spki_sha256(CONTESTED.public_key())] = (HOLDERS[winners[0]], "sign")
    assert bindings(store) == expected


def check_binding_backfill(engine: Engine, authority: CertificateAuthority) -> None:
    """Certificates (issued into ``authority``'s store, copied) stored at revision 0007, one key
    certified twice as a race could have done, get bindings from migration 0008: each key keeps its
    first holder, which may renew; no one else may."""
    upgrade(engine, "0007")
    assert "ca_key_bindings" not in inspect(engine).get_table_names()
    reused, other = rsa_key(index=80), rsa_key(index=81)
    issued = [
        authority.issue(make_csr(reused, iin=None), person(IIN), "sign"),
        authority.issue(make_csr(other), person(IIN), "auth"),
    ]
    table = CertificateRecord.__table__
    old = Table("ca_certificates", MetaData(), *[c._copy() for c in table.columns])
    rows = [{k: v for k, v in one.record.__dict__.items() if k in table.c and k != "id"} for one in issued]
    legacy = dict(rows[0], serial="7" * 40, iin=OTHER_IIN)  # the same key, later, for another IIN
    with engine.begin() as connection:
        for row in (rows[0], legacy, rows[1]):
            connection.execute(old.insert().values(**row))
    upgrade(engine)
    store = CertificateStore(engine)
    assert bindings(store) == {
        spki_sha256(reused.public_key()): (IIN, "sign"),
        spki_sha256(other.public_key()): (IIN, "auth"),
    }
    migrated = authority.replace(store=store)
    try:
        migrated.issue(make_csr(reused, iin=None), person(OTHER_IIN), "sign")
    except IssuanceRefused as refused:
        assert refused.code == "key_reused"
    else:
        raise AssertionError("the key's second holder from before the migration was let through")
    renewed = migrated.issue(make_csr(reused, iin=None), person(IIN), "sign")
    assert renewed.record.iin == IIN and len(list(store.list())) == 4


def test_threads_racing_to_certify_one_key_for_different_people_let_one_win(authority, store):
    check_single_issuance_race(authority, store)


def test_bulk_issuers_racing_for_one_key_let_one_win_and_keep_the_rest_of_their_batches(authority, store):
    check_bulk_issuance_race(authority, store)


def test_migration_0008_binds_each_stored_key_to_its_first_holder_on_sqlite(authority, tmp_path):
    check_binding_backfill(make_engine(f"sqlite:///{tmp_path / 'old.sqlite3'}"), authority)
