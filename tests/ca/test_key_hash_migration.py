"""Migration 0006 adds ca_certificates.spki_sha256 and fills it for certificates issued before it."""

from __future__ import annotations

from ca_test_support import make_csr, person, rsa_key
from sqlalchemy import Engine, MetaData, Table, inspect, select

from ca.authority import spki_sha256
from ca.store import CertificateRecord
from eds_toolkit.db import make_engine
from eds_toolkit.migrations import upgrade


def check_backfill(engine: Engine, authority) -> None:
    """Issue two certificates into a database at revision 0005 (no key column), upgrade, compare."""
    upgrade(engine, "0005")
    issued = [
        authority.issue(make_csr(rsa_key(index=50 + n)), person(), profile)
        for n, profile in enumerate(("auth", "sign"))
    ]
    old_columns = {c["name"] for c in inspect(engine).get_columns("ca_certificates")}
    assert "spki_sha256" not in old_columns
    table = CertificateRecord.__table__
    before = Table(
        "ca_certificates", MetaData(), *[c._copy() for c in table.columns if c.name in old_columns]
    )
    with engine.begin() as connection:
        for one in issued:
            row = {k: v for k, v in one.record.__dict__.items() if k in old_columns and k != "id"}
            connection.execute(before.insert().values(**row))
    upgrade(engine)
    with engine.connect() as connection:
        stored = dict(connection.execute(select(table.c.serial, table.c.spki_sha256)).all())
    assert stored == {one.record.serial: spki_sha256(one.certificate.public_key()) for one in issued}
    assert "ix_ca_certificates_spki_sha256" in {
        i["name"] for i in inspect(engine).get_indexes("ca_certificates")
    }
    assert not next(c for c in inspect(engine).get_columns("ca_certificates") if c["name"] == "spki_sha256")[
        "nullable"
    ]


def test_the_migration_fills_the_key_hash_of_existing_certificates_on_sqlite(authority, tmp_path):
    check_backfill(make_engine(f"sqlite:///{tmp_path / 'old.sqlite3'}"), authority)
