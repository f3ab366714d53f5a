"""The audit log is a keyed hash chain: `eds audit verify` names the first row changed, deleted,
inserted or moved with raw SQL; concurrent appends (threads, and two processes on PostgreSQL) leave one
unbroken chain; `eds audit export` writes lines a SIEM can verify."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner
from flow_helpers import KNOWN_IIN, make_settings
from sqlalchemy import select, text

from eds_toolkit.cli import main
from eds_toolkit.core import audit
from eds_toolkit.core.audit_models import AuditEvent
from eds_toolkit.db import make_engine
from eds_toolkit.migrations import upgrade
from eds_toolkit.services import build_service_context

SECRET = "test-secret-key-0123456789abcdef"  # make_settings's
ROOT = Path(__file__).resolve().parents[2]


def append(ctx, count: int, label: str = "step") -> None:
    """``count`` events, one transaction each."""
    for number in range(count):
        with ctx.session() as session:
            audit.record(ctx, session, iin=KNOWN_IIN, action=f"{label}_{number}", outcome=audit.OK)
            session.commit()


def run(home: Path, *args: str):
    env = {"EDS_SECRET_KEY": SECRET, "EDS_DATABASE_URL": os.environ.get("EDS_DATABASE_URL", "")}
    return CliRunner().invoke(main, ["--home", str(home), "audit", *args], env=env)


def verify(home: Path):
    return run(home, "verify")


def rows(ctx) -> list[AuditEvent]:
    with ctx.session() as session:
        return list(session.scalars(select(AuditEvent).order_by(AuditEvent.seq)))


def sql(ctx, *statements: str, **values) -> None:
    with ctx.sessions.kw["bind"].begin() as connection:
        for statement in statements:
            connection.execute(text(statement), values)


@pytest.fixture
def chained(ctx):
    append(ctx, 6)
    return rows(ctx)


def test_an_untouched_chain_verifies(home, chained):
    result = verify(home)
    assert result.exit_code == 0, result.output
    assert f"intact: 6 events checked; chain head at position 6, hash {chained[-1].hash}" in result.output
    assert [event.seq for event in chained] == [1, 2, 3, 4, 5, 6]
    assert all(event.prev_hash == before.hash for before, event in zip(chained, chained[1:], strict=False))


def test_a_changed_field_is_named(home, ctx, chained):
    sql(ctx, "UPDATE audit_events SET reason = 'nothing_happened' WHERE seq = 3")
    result = verify(home)
    assert result.exit_code == 1
    assert f"event {chained[2].id} (chain position 3) does not match its hash: changed" in result.output


def test_a_changed_time_is_named(home, ctx, chained):
    sql(ctx, "UPDATE audit_events SET at = :at WHERE seq = 5", at="2020-01-01 00:00:00.000000")
    result = verify(home)
    assert result.exit_code == 1
    assert f"event {chained[4].id} (chain position 5) does not match its hash: changed" in result.output


def test_a_deleted_row_is_named(home, ctx, chained):
    sql(ctx, "DELETE FROM audit_events WHERE seq = 4")
    result = verify(home)
    assert result.exit_code == 1
    assert (
        f"the event at chain position 4 is missing (between event {chained[2].id} (chain position 3) and "
        f"event {chained[4].id} (chain position 5)): deleted"
    ) in result.output


def test_the_last_rows_deleted_are_named_by_the_head(home, ctx, chained):
    sql(ctx, "DELETE FROM audit_events WHERE seq >= 5")
    result = verify(home)
    assert result.exit_code == 1
    assert "events at chain positions 5..6 are missing" in result.output
    assert f"after event {chained[3].id} (chain position 4)" in result.output


def test_two_swapped_rows_are_named(home, ctx, chained):
    sql(
        ctx,
        "UPDATE audit_events SET seq = -1 WHERE seq = 2",
        "UPDATE audit_events SET seq = 2 WHERE seq = 3",
        "UPDATE audit_events SET seq = 3 WHERE seq = -1",
    )
    result = verify(home)
    assert result.exit_code == 1
    assert (
        f"event {chained[2].id} (chain position 2) was recorded at chain position 3: "
        "the events were reordered" in result.output
    )


def test_a_row_inserted_outside_the_chain_is_named(home, ctx, chained):
    sql(
        ctx,
        "INSERT INTO audit_events (iin_hash, action, outcome, at) VALUES (:iin_hash, 'renewal', 'ok', :at)",
        iin_hash=ctx.iin_hash(KNOWN_IIN),
        at="2026-03-02 10:00:00.000000",
    )
    inserted = max(event.id for event in rows(ctx))
    result = verify(home)
    assert result.exit_code == 1
    assert f"event {inserted} has no place in the chain: inserted" in result.output


def test_a_row_inserted_in_the_middle_is_named(home, ctx, chained):
    for seq in (6, 5, 4):  # make room at position 4, one row at a time (the position is unique)
        sql(ctx, "UPDATE audit_events SET seq = seq + 1 WHERE seq = :seq", seq=seq)
    sql(
        ctx,
        "INSERT INTO audit_events (iin_hash, action, outcome, at, seq, prev_hash, hash) "
        "VALUES (:iin_hash, 'renewal', 'ok', :at, 4, :prev, :forged)",
        iin_hash=ctx.iin_hash(KNOWN_IIN),
        at="2026-03-02 10:00:00.000000",
        prev=chained[2].hash,
        forged="f" * 64,
    )
    inserted = max(event.id for event in rows(ctx))
    result = verify(home)
    assert result.exit_code == 1
    assert f"event {inserted} (chain position 4) is not part of the chain" in result.output
    assert "inserted" in result.output


def test_a_row_appended_past_the_head_is_named(home, ctx, chained):
    sql(
        ctx,
        "INSERT INTO audit_events (iin_hash, action, outcome, at, seq, prev_hash, hash) "
        "VALUES (:iin_hash, 'renewal', 'ok', :at, 7, :prev, :forged)",
        iin_hash=ctx.iin_hash(KNOWN_IIN),
        at="2026-03-02 10:00:00.000000",
        prev=chained[-1].hash,
        forged="e" * 64,
    )
    inserted = max(event.id for event in rows(ctx))
    result = verify(home)
    assert result.exit_code == 1
    assert f"event {inserted} (chain position 7) lies past the chain head (6): inserted" in result.output


def test_a_wrong_key_finds_every_event_changed(home, chained):
    result = CliRunner().invoke(
        main, ["--home", str(home), "audit", "verify"], env={"EDS_SECRET_KEY": "other"}
    )
    assert result.exit_code == 1
    assert f"event {chained[0].id} (chain position 1) does not match its hash: changed" in result.output


def test_the_export_carries_the_chain_and_verifies_on_its_own(home, ctx, chained, tmp_path):
    result = run(home, "export", "--after-seq", "2")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    records = [json.loads(line) for line in lines]
    assert [record["seq"] for record in records] == [3, 4, 5, 6]
    assert records[0]["prev_hash"] == chained[1].hash
    assert records[-1]["hash"] == chained[-1].hash
    assert records[0]["iin_hash"] == ctx.iin_hash(KNOWN_IIN) and KNOWN_IIN not in result.output
    assert {"format", "id", "action", "outcome", "at", "detail", "client_address"} <= set(records[0])

    exported = tmp_path / "events.jsonl"
    exported.write_text(result.output, encoding="utf-8")
    assert run(home, "verify", "--file", str(exported)).exit_code == 0

    changed = dict(records[1], action="renewal")
    exported.write_text("\n".join([lines[0], json.dumps(changed), *lines[2:]]) + "\n", encoding="utf-8")
    result = run(home, "verify", "--file", str(exported))
    assert result.exit_code == 1
    assert f"event {chained[3].id} (chain position 4) does not match its hash: changed" in result.output

    exported.write_text("\n".join([lines[0], *lines[2:]]) + "\n", encoding="utf-8")
    result = run(home, "verify", "--file", str(exported))
    assert result.exit_code == 1
    assert "the event at chain position 4 is missing" in result.output


def test_export_since_and_bad_input(home, ctx, chained, tmp_path):
    assert run(home, "export", "--since", "2030-01-01").output == ""
    assert len(run(home, "export", "--since", "2026-03-02").output.splitlines()) == 6
    assert run(home, "export", "--since", "yesterday").exit_code == 2
    garbage = tmp_path / "garbage.jsonl"
    garbage.write_text('{"hello": 1}\n', encoding="utf-8")
    result = run(home, "verify", "--file", str(garbage))
    assert result.exit_code == 2
    assert "line 1" in result.output


def test_events_recorded_before_the_chain_are_chained_by_the_next_append(home, clock, tmp_path):
    url = f"sqlite:///{tmp_path / 'older.sqlite3'}"
    engine = make_engine(url)
    upgrade(engine, "0015")
    with engine.begin() as connection:
        for action in ("start", "submit_code", "set_pin"):
            connection.execute(
                text("INSERT INTO audit_events (iin_hash, action, outcome, at) VALUES ('x', :a, 'ok', :at)"),
                {"a": action, "at": "2026-01-01 10:00:00.000000"},
            )
    upgrade(engine)
    os.environ["EDS_DATABASE_URL"] = url
    try:
        waiting = verify(home)
        assert waiting.exit_code == 0
        assert "not chained yet: 3 events recorded before the chain" in waiting.output
    finally:
        del os.environ["EDS_DATABASE_URL"]
    ctx = build_service_context(make_settings(home, clock, database_url=url), engine)
    append(ctx, 2, "after")
    events = rows(ctx)
    assert [(event.seq, event.action) for event in events] == [
        (1, "start"),
        (2, "submit_code"),
        (3, "set_pin"),
        (4, "after_0"),
        (5, "after_1"),
    ]
    os.environ["EDS_DATABASE_URL"] = url
    try:
        assert verify(home).exit_code == 0
        sql(ctx, "UPDATE audit_events SET action = 'renewal' WHERE seq = 2")
        assert "chain position 2) does not match its hash: changed" in verify(home).output
    finally:
        del os.environ["EDS_DATABASE_URL"]


def _append_from_threads(ctx, threads: int, each: int) -> None:
    errors: list[BaseException] = []
    start = threading.Barrier(threads)

    def work(number: int) -> None:
        try:
            start.wait()
            append(ctx, each, f"thread{number}")
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    workers = [threading.Thread(target=work, args=(number,)) for number in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []


def _one_unbroken_chain(ctx, total: int) -> None:
    events = rows(ctx)
    assert [event.seq for event in events] == list(range(1, total + 1))
    for before, event in zip(events, events[1:], strict=False):
        assert event.prev_hash == before.hash


def test_concurrent_appends_from_threads_make_one_chain_on_sqlite(home, ctx):
    _append_from_threads(ctx, threads=6, each=25)
    _one_unbroken_chain(ctx, 150)
    assert verify(home).exit_code == 0


@pytest.fixture(scope="module")
def postgres():
    from pg_server import running_postgres

    with running_postgres() as server:
        yield server


@pytest.fixture
def pg_ctx(postgres, home, clock):
    from pg_server import empty_database

    empty_database(postgres.url)
    engine = make_engine(postgres.url)
    upgrade(engine)
    os.environ["EDS_DATABASE_URL"] = postgres.url
    yield build_service_context(make_settings(home, clock, database_url=postgres.url), engine)
    del os.environ["EDS_DATABASE_URL"]
    engine.dispose()


APPENDER = """
import sys
from eds_toolkit.core import audit
from eds_toolkit.services import build_service_context
from eds_toolkit.settings import Settings
ctx = build_service_context(Settings.from_env(home=sys.argv[1]))
for number in range(int(sys.argv[3])):
    with ctx.session() as session:
        audit.record(ctx, session, iin="850314312017", action=f"{sys.argv[2]}_{number}", outcome="ok")
        session.commit()
"""


@pytest.mark.postgres
def test_concurrent_appends_from_threads_and_processes_make_one_chain_on_postgresql(home, pg_ctx, postgres):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "EDS_SECRET_KEY": SECRET, "EDS_DATABASE_URL": postgres.url}
    processes = [
        subprocess.Popen([sys.executable, "-c", APPENDER, str(home), f"process{number}", "60"], env=env)
        for number in range(2)
    ]
    _append_from_threads(pg_ctx, threads=4, each=30)
    assert [process.wait(timeout=120) for process in processes] == [0, 0]
    _one_unbroken_chain(pg_ctx, 240)
    result = verify(home)
    assert result.exit_code == 0, result.output
    sql(
        pg_ctx,
        "UPDATE audit_events SET seq = -1 WHERE seq = 10",
        "UPDATE audit_events SET seq = 10 WHERE seq = 11",
        "UPDATE audit_events SET seq = 11 WHERE seq = -1",
    )
    result = verify(home)
    assert result.exit_code == 1
    assert "(chain position 10) was recorded at chain position 11: the events were reordered" in result.output


class BrokenGateway:
    def send(self, phone: str, text: str, *, sender: str = "1414") -> None:
        from eds_toolkit.sms import SmsDeliveryError

        raise SmsDeliveryError("provider answered 500")


def test_a_failed_sms_keeps_the_step_and_chains_an_undone_event_naming_it(home, clock):
    from eds_toolkit.web import create_app
    from eds_toolkit.web.context import service
    from eds_toolkit.web.history_text import sentence_for

    app = create_app(make_settings(home, clock, sms=BrokenGateway()))
    client, ctx = app.test_client(), service(app).flow
    response = client.post("/api/v1/enrolments", json={"iin": KNOWN_IIN})
    assert response.status_code == 201
    assert ctx.deliveries.wait_for_deliveries()
    events = rows(ctx)
    assert [(event.action, event.outcome, event.reason) for event in events] == [
        ("start", "ok", None),
        ("start", "undone", "sms_failed"),
    ]
    started, undone = events
    assert json.loads(undone.detail) == {"undoes": started.seq}
    assert undone.prev_hash == started.hash
    assert verify(home).exit_code == 0
    assert sentence_for(undone.action, undone.outcome, undone.reason) == (
        "The SMS could not be sent, so the step was undone"
    )
    sql(ctx, "DELETE FROM audit_events WHERE outcome = 'undone'")  # hiding the undo is found too
    result = verify(home)
    assert result.exit_code == 1
    assert "events at chain positions 2..2 are missing" in result.output


def test_events_written_early_rolled_back_or_several_in_one_transaction_chain_in_order(home, ctx):
    with ctx.session() as session:
        audit.record(ctx, session, iin=KNOWN_IIN, action="rolled_back", outcome=audit.OK)
        session.flush()
        session.rollback()  # no event, no gap
        audit.record(ctx, session, iin=KNOWN_IIN, action="first", outcome=audit.OK)
        session.flush()  # written before the commit (an autoflush does the same)
        audit.record(ctx, session, iin=KNOWN_IIN, action="second", outcome=audit.OK)
        session.commit()
    append(ctx, 1, "after")
    assert [(event.seq, event.action) for event in rows(ctx)] == [(1, "first"), (2, "second"), (3, "after_0")]
    assert verify(home).exit_code == 0


def test_an_event_in_a_session_without_the_chain_key_is_refused(ctx):
    from sqlalchemy.orm import Session

    with Session(ctx.sessions.kw["bind"]) as session:
        audit.record(ctx, session, iin=KNOWN_IIN, action="start", outcome=audit.OK)
        with pytest.raises(RuntimeError, match="session of a ServiceContext"):
            session.commit()
    assert rows(ctx) == []
