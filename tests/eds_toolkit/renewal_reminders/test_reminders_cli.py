"""`eds ca renewals` in-process (click's runner): the dry run's listing and --limit, the exit statuses."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest
from click.testing import CliRunner
from reminder_helpers import issue_expiring_pair, new_citizen

from ca.authority import CertificateAuthority
from ca.store import CertificateStore
from eds_toolkit.cli import main
from eds_toolkit.migrations import upgrade
from eds_toolkit.reminders.lock import one_run_at_a_time
from eds_toolkit.services import build_service_context
from eds_toolkit.settings import Settings
from eds_toolkit.sms import read_outbox

DAY = dt.timedelta(days=1)


@pytest.fixture
def instance(tmp_path, ca_template):
    home = tmp_path / "home"
    home.mkdir()
    shutil.copytree(ca_template, home / "ca")
    env = {
        "EDS_HOME": str(home),
        "EDS_DATABASE_URL": f"sqlite:///{home / 'eds.sqlite3'}",
        "EDS_SECRET_KEY": "reminder-cli-test-secret-0123456789",
        "EDS_SMS_GATEWAY": "outbox",
        "EDS_BASE_URL": "https://eds.example.kz",
    }
    ctx = build_service_context(Settings.from_env(env, home=home))
    engine = ctx.sessions.kw["bind"]
    upgrade(engine)
    passphrase = (home / "ca" / "passphrase").read_text().splitlines()[0].encode()
    authority = CertificateAuthority.load(home / "ca", passphrase, CertificateStore(engine))
    now = dt.datetime.now(dt.UTC)
    for number, days in enumerate((20.5, 20.5, 5.5)):
        phone = f"+770155540{number:02d}"
        with ctx.session() as session:
            iin = new_citizen(session, phone=phone, now=now)
        issue_expiring_pair(authority, iin, phone, now + days * DAY)
    return env, engine, home


def eds(env, *arguments: str):
    return CliRunner().invoke(main, ["ca", "renewals", *arguments], env=env, catch_exceptions=False)


def test_the_dry_run_lists_what_is_due_with_counts_and_sends_nothing(instance):
    env, _engine, home = instance
    listed = eds(env, "remind", "--dry-run")
    assert listed.exit_code == 0, listed.output
    assert "due now: 3 reminders (30 days: 2, 7 days: 1)" in listed.output
    assert listed.output.count(" new\n") == 3
    limited = eds(env, "remind", "--dry-run", "--limit", "1")
    assert "due now: 1 reminder (30 days: 1)" in limited.output
    assert read_outbox(home / "outbox.jsonl") == []


def test_limit_then_the_next_run_carries_on(instance):
    env, _engine, home = instance
    first = eds(env, "remind", "--limit", "2")
    assert first.exit_code == 0 and "renewal reminders: 2 sent (30 days: 2)" in first.output
    assert "stopped at --limit 2" in first.output
    second = eds(env, "remind")
    assert second.exit_code == 0 and "renewal reminders: 1 sent (7 days: 1)" in second.output
    assert len(read_outbox(home / "outbox.jsonl")) == 3


def test_a_second_run_while_one_holds_the_lock_exits_1_and_does_nothing(instance):
    env, engine, home = instance
    with one_run_at_a_time(engine):
        busy = eds(env, "remind")
    assert busy.exit_code == 1
    assert "another reminder run is in progress on this database; this run did nothing" in busy.output
    assert read_outbox(home / "outbox.jsonl") == []


def test_unusable_reminder_days_exit_2_naming_the_variable(instance):
    env, _engine, _home = instance
    wrong = eds({**env, "EDS_RENEWAL_REMINDER_DAYS": "30,0"}, "status")
    assert wrong.exit_code == 2 and "EDS_RENEWAL_REMINDER_DAYS" in wrong.output
