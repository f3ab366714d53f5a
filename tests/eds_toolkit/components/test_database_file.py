"""The SQLite database file holds audit rows, hashed codes and PIN hashes: it is created 0600."""

from __future__ import annotations

import stat

from sqlalchemy import text

from eds_toolkit.db import make_engine


def test_a_new_sqlite_database_and_its_wal_files_are_private(tmp_path):
    database = tmp_path / "eds.sqlite3"
    engine = make_engine(f"sqlite:///{database}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (x INTEGER)"))
        connection.execute(text("INSERT INTO t VALUES (1)"))
        wal_files = [p for p in tmp_path.iterdir() if p.name.startswith("eds.sqlite3-")]
        assert wal_files  # WAL mode: -wal and -shm exist while the connection is open
        for path in [database, *wal_files]:
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    engine.dispose()


def test_an_existing_database_file_keeps_its_mode(tmp_path):
    database = tmp_path / "shared.sqlite3"
    database.touch(mode=0o640)
    database.chmod(0o640)
    make_engine(f"sqlite:///{database}").dispose()
    assert stat.S_IMODE(database.stat().st_mode) == 0o640
