"""The certificate store on a real PostgreSQL: caller's transactions, concurrency, revocation."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

import pytest
from ca_test_support import make_csr, person, rsa_key
from sqlalchemy import create_engine

from ca.errors import IssuanceRefused
from ca.store import CertificateStore

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def postgres_url(postgres):
    """This module's database on the throw-away server of the PostgreSQL tests (tests/conftest.py)."""
    return postgres.url


@pytest.fixture
def pg_store(postgres_url):
    engine = create_engine(postgres_url, pool_size=10)
    store = CertificateStore(engine)
    store.create_schema()
    yield store
    from ca.store import CABase

    CABase.metadata.drop_all(engine)
    engine.dispose()


AUTH_KEY = rsa_key(index=1)  # AUTH and SIGN certificates never share a key


def test_issue_in_a_callers_transaction_commits_both_or_neither(loaded_ca, pg_store):
    authority = loaded_ca.replace(store=pg_store)
    with pg_store.session() as session:
        authority.issue(make_csr(AUTH_KEY), person(), "auth", enrolment_id="e1", session=session)
        authority.issue(make_csr(), person(), "sign", enrolment_id="e1", session=session)
        session.rollback()
    assert list(pg_store.list()) == []
    with pg_store.session() as session:
        authority.issue(make_csr(AUTH_KEY), person(), "auth", enrolment_id="e1", session=session)
        authority.issue(make_csr(), person(), "sign", enrolment_id="e1", session=session)
        session.commit()
    records = list(pg_store.list())
    assert sorted(r.profile for r in records) == ["auth", "sign"]
    assert all(r.not_after.tzinfo is not None for r in records)


def test_threads_get_unique_serials_and_one_certificate_per_enrolment(loaded_ca, pg_store):
    authority = loaded_ca.replace(store=pg_store)
    csr, auth_csr = make_csr(), make_csr(AUTH_KEY)

    def work(worker: int) -> list[str]:
        return [
            authority.issue(csr, person(), "sign", enrolment_id=f"w{worker}-{n}").record.serial
            for n in range(10)
        ]

    with ThreadPoolExecutor(max_workers=6) as pool:
        returned = [s for serials in pool.map(work, range(6)) for s in serials]
    assert len(set(returned)) == 60
    assert sorted(r.serial for r in pg_store.list()) == sorted(returned)

    def race(_: int) -> str:
        try:
            return authority.issue(auth_csr, person(), "auth", enrolment_id="contested").record.serial
        except IssuanceRefused as refused:
            return refused.code

    with ThreadPoolExecutor(max_workers=6) as pool:
        outcomes = list(pool.map(race, range(6)))
    assert outcomes.count("already_issued") == 5


def test_revoke_and_expiry_filters(loaded_ca, pg_store):
    moment = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    authority = loaded_ca.replace(store=pg_store, clock=lambda: moment)
    issued = authority.issue(make_csr(), person(), "sign")
    now = dt.datetime(2027, 2, 15, tzinfo=dt.UTC)
    assert [r.serial for r in pg_store.list(expiring_within_days=30, now=now)] == [issued.record.serial]
    pg_store.revoke(issued.record.serial, "superseded")
    assert list(pg_store.list(expiring_within_days=30, now=now)) == []
    assert pg_store.get(issued.record.serial).status == "revoked"


def test_the_key_hash_migration_fills_existing_certificates_on_postgresql(authority, postgres_url):
    """The certificates come from a current (SQLite) store; their rows go into a PostgreSQL at 0005."""
    from test_key_hash_migration import check_backfill

    from eds_toolkit.db import make_engine

    engine = make_engine(postgres_url)
    with engine.connect() as connection:
        connection.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        connection.commit()
    try:
        check_backfill(engine, authority)
    finally:
        with engine.connect() as connection:
            connection.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
            connection.commit()
        engine.dispose()


def test_threads_racing_to_certify_one_key_for_different_people_let_one_win(loaded_ca, pg_store):
    from test_key_reuse_race import check_single_issuance_race

    check_single_issuance_race(loaded_ca.replace(store=pg_store), pg_store)


def test_bulk_issuers_racing_for_one_key_let_one_win_on_postgresql(loaded_ca, pg_store):
    from test_key_reuse_race import check_bulk_issuance_race

    check_bulk_issuance_race(loaded_ca.replace(store=pg_store), pg_store)


def test_migration_0008_binds_each_stored_key_to_its_first_holder_on_postgresql(authority, postgres_url):
    from test_key_reuse_race import check_binding_backfill

    from eds_toolkit.db import make_engine

    engine = make_engine(postgres_url)
    with engine.connect() as connection:
        connection.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        connection.commit()
    try:
        check_binding_backfill(engine, authority)
    finally:
        with engine.connect() as connection:
            connection.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
            connection.commit()
        engine.dispose()


def test_crl_numbers_published_by_eight_threads_at_once_are_distinct_and_the_counter_ends_at_the_last(
    loaded_ca, pg_store
):
    from cryptography import x509

    from ca.crl import issuer_key, publish_due
    from ca.store import next_crl_number

    authority = loaded_ca.replace(store=pg_store)

    def publish(_):
        return [
            crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number
            for crl in publish_due(authority, force=True)
        ]

    with ThreadPoolExecutor(max_workers=8) as pool:
        numbers = [n for batch in pool.map(publish, range(24)) for n in batch]
    assert len(numbers) == 48 and len(set(numbers)) == 48
    with pg_store.session() as session:
        assert next_crl_number(session, issuer_key(authority.issuing_cert), first=1) == max(numbers) + 1
        session.rollback()


def test_when_a_crl_is_due_eight_threads_publish_it_once(loaded_ca, pg_store):
    from ca.crl import publish_due

    authority = loaded_ca.replace(store=pg_store)
    with ThreadPoolExecutor(max_workers=8) as pool:
        published = list(pool.map(lambda _: publish_due(authority), range(8)))
    assert sum(1 for p in published if p.base is not None) == 1
    assert sum(1 for p in published if p.delta is not None) == 1


def test_an_invalidity_date_is_stored_in_utc_and_never_before_notbefore_on_postgresql(loaded_ca, pg_store):
    """The date goes through the UPDATE as UTC whatever the server's time zone (Asia/Almaty here)."""
    from sqlalchemy import event

    from ca.store import revoke_valid

    @event.listens_for(pg_store.engine, "connect")
    def _zone(connection, _record):
        with connection.cursor() as cursor:
            cursor.execute("SET TIME ZONE 'Asia/Almaty'")

    pg_store.engine.dispose()
    moment = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    authority = loaded_ca.replace(store=pg_store, clock=lambda: moment)
    first, second = (authority.issue(make_csr(rsa_key(index=n)), person(), "sign") for n in (5, 6))
    not_before = pg_store.get(first.record.serial).not_before
    since = not_before + dt.timedelta(hours=3)
    now = since + dt.timedelta(days=1)
    with pg_store.session() as session:
        revoke_valid(session, [first.record.serial], now, "key_compromise", invalid_since=since)
        revoke_valid(
            session,
            [second.record.serial],
            now,
            "key_compromise",
            invalid_since=not_before - dt.timedelta(days=2),
        )
        session.commit()
    assert pg_store.get(first.record.serial).invalidity_date == since
    assert pg_store.get(second.record.serial).invalidity_date == pg_store.get(second.record.serial).not_before
