"""`eds ca renewals remind` as a real process, on SQLite and PostgreSQL, sending through the real HTTP
gateway to a provider on loopback (whose record of accepted SMS is the outbox here): killed with SIGKILL
in the middle of a batch, killed right after the provider accepted an SMS, stopped with SIGTERM.

What must hold (docs/renewal.md, "What a kill can do"): every due reminder reaches the provider; a
reminder reaches it twice only when the process was killed after the provider accepted it and before
its row said so, which the restarted run sees as a row left ``sending`` (and audits as
``in_doubt_resend``); a kill leaves at most one such row.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import time
from collections import Counter
from dataclasses import dataclass
from shutil import copytree

import pytest
from pg_server import empty_database
from real_server import EDS, REPO
from reminder_helpers import issue_expiring_pair, new_citizen, reminder_rows
from sqlalchemy import select

from ca.authority import CertificateAuthority
from ca.store import CertificateStore
from eds_toolkit.core.audit_models import AuditEvent
from eds_toolkit.migrations import upgrade
from eds_toolkit.services import build_service_context
from eds_toolkit.settings import Settings
from tests.eds_toolkit.components.components_http import Reply, ScriptedServer

DAY = dt.timedelta(days=1)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'home' / 'eds.sqlite3'}"
    postgres = request.getfixturevalue("postgres")
    empty_database(postgres.url)
    return postgres.url


@dataclass
class Wave:
    """An instance with pairs expiring soon and the provider the reminders go to."""

    env: dict[str, str]
    ctx: object
    provider: ScriptedServer
    due: dict[str, str]  # phone -> AUTH serial of each pair a reminder is due for
    skipped: set[str]  # serials that must get nothing (renewed, expired)

    def start(self, *options: str) -> subprocess.Popen:
        return subprocess.Popen(
            [str(EDS), "ca", "renewals", "remind", "--chunk-size", "3", *options],
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

    def run(self, *options: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(EDS), "ca", "renewals", *options], env=self.env, capture_output=True, text=True, timeout=120
        )

    def received(self) -> Counter:
        """SMS the provider accepted, by phone."""
        return Counter(seen.body["phone"] for seen in list(self.provider.seen))

    def states(self) -> dict[str, str]:
        return {
            serial: row.state
            for (serial, _days), row in reminder_rows(self.ctx).items()
            if row.state != "skipped"
        }

    def in_doubt(self) -> set[str]:
        return {serial for serial, state in self.states().items() if state == "sending"}


@pytest.fixture
def make_wave(tmp_path, ca_template, database_url):
    servers = []

    def make(replies: list[Reply]) -> Wave:
        home = tmp_path / "home"
        home.mkdir(exist_ok=True)
        copytree(ca_template, home / "ca")
        provider = ScriptedServer(replies)
        servers.append(provider)
        env = {
            **os.environ,
            "EDS_HOME": str(home),
            "EDS_DATABASE_URL": database_url,
            "EDS_SECRET_KEY": "reminder-kill-test-secret-0123456789",
            "EDS_SMS_GATEWAY": "http",
            "EDS_SMS_URL": f"{provider.url}/send",
            "EDS_BASE_URL": "https://eds.example.kz",
            "PYTHONPATH": str(REPO),
        }
        settings = Settings.from_env(env, home=home)
        ctx = build_service_context(settings)
        engine = ctx.sessions.kw["bind"]
        upgrade(engine)
        passphrase = (home / "ca" / "passphrase").read_text().splitlines()[0].encode()
        authority = CertificateAuthority.load(home / "ca", passphrase, CertificateStore(engine))
        now = dt.datetime.now(dt.UTC)
        due, skipped = {}, set()
        # 4 at the 30-day reminder, 4 at the 7-day one, 3 at the 1-day one (expiring within 22 hours)
        expiries = [20.5] * 4 + [5.5] * 4 + [0.9] * 3
        for number, days in enumerate(expiries):
            phone = f"+770155520{number:02d}"
            with ctx.session() as session:
                iin = new_citizen(session, phone=phone, now=now)
            due[phone] = issue_expiring_pair(authority, iin, phone, now + days * DAY).auth_serial
        with ctx.session() as session:
            no_phone = new_citizen(session, phone=None, now=now)
            renewed = new_citizen(session, phone="+77015552098", now=now)
            expired = new_citizen(session, phone="+77015552099", now=now)
        issue_expiring_pair(authority, no_phone, None, now + 5.5 * DAY)
        renewed_pair = issue_expiring_pair(authority, renewed, "+77015552098", now + 6 * DAY)
        authority.store.revoke(renewed_pair.auth_serial, "superseded")
        skipped = {
            renewed_pair.auth_serial,
            issue_expiring_pair(authority, expired, None, now - DAY).auth_serial,
        }
        return Wave(env, ctx, provider, due, skipped)

    yield make
    for server in servers:
        server.close()


def wait_for(condition, what: str, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if process.poll() is not None:
            raise AssertionError(f"the run ended before {what}:\n{process.stdout.read()}")
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.003)


def kill(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGKILL)
    assert process.wait(timeout=10) == -signal.SIGKILL


def finish(wave: Wave) -> str:
    """A last run, left to complete; its output."""
    process = wave.start()
    output, _ = process.communicate(timeout=120)
    assert process.returncode == 0, output
    return output


def assert_every_reminder_sent(wave: Wave, extra: Counter) -> None:
    """Each due reminder reached the provider once, plus the ``extra`` times (by phone) it was resent
    after a kill had left it in doubt once the provider had it; nothing went to the other pairs."""
    received = wave.received()
    assert set(received) == set(wave.due), "a reminder was lost, or one went to a pair that must get none"
    assert received == Counter({phone: 1 + extra[phone] for phone in wave.due})
    assert set(wave.states().values()) == {"sent"}
    sent = {serial for serial, state in wave.states().items() if state == "sent"}
    assert sent == set(wave.due.values()) and not sent & wave.skipped


def in_doubt_resends(wave: Wave) -> list[str]:
    with wave.ctx.session() as session:
        details = session.scalars(select(AuditEvent.detail).where(AuditEvent.action == "renewal_reminder"))
        return [d["serial"] for d in map(json.loads, details) if d.get("in_doubt_resend")]


def test_sigkill_in_the_middle_of_a_batch_loses_nothing_and_repeats_only_what_was_in_doubt(make_wave):
    wave = make_wave([Reply(delay=0.02)])
    extra, resent = Counter(), set()
    accepted = lambda: sum(wave.received().values())  # noqa: E731
    recorded = lambda: list(wave.states().values()).count("sent")  # noqa: E731
    # killed once the provider has n SMS (the process is then mostly waiting for its answer), or once
    # the database shows n sent (the process is then between two reminders)
    for count, kill_after in ((accepted, 2), (recorded, 4), (accepted, 7), (recorded, 9)):
        before = wave.received()
        process = wave.start()
        wait_for(lambda c=count, n=kill_after: c() >= n, f"{kill_after} SMS", process)
        kill(process)
        time.sleep(0.3)  # a request written before the kill still reaches the provider
        doubt = wave.in_doubt()
        assert len(doubt) <= 1, "a kill leaves at most the reminder it was sending in doubt"
        for serial in doubt:
            phone = next(p for p, s in wave.due.items() if s == serial)
            resent.add(serial)
            if wave.received()[phone] > before[phone]:  # the provider took it: its resend is a duplicate
                extra[phone] += 1
    finish(wave)
    assert_every_reminder_sent(wave, extra)
    assert set(in_doubt_resends(wave)) == resent
    print(f"4 kills left {len(resent)} reminders in doubt; {sum(extra.values())} had reached the provider")


def test_sigkill_right_after_the_provider_accepted_gives_the_one_documented_duplicate(make_wave):
    # the 4th SMS is accepted (recorded) and then the provider holds its answer: the kill lands there
    wave = make_wave([Reply(delay=0.01)] * 3 + [Reply(delay=60)] + [Reply(delay=0.01)])
    process = wave.start()
    wait_for(lambda: len(wave.provider.seen) == 4, "the 4th SMS", process)
    kill(process)
    held = wave.provider.seen[3].body["phone"]
    assert wave.in_doubt() == {wave.due[held]}  # its row still says sending: the run cannot know

    output = finish(wave)
    assert "1 left in doubt by a killed run, sent again" in output
    assert_every_reminder_sent(wave, Counter({held: 1}))
    assert in_doubt_resends(wave) == [wave.due[held]]


def test_sigterm_stops_after_the_current_chunk_and_the_next_run_carries_on(make_wave):
    wave = make_wave([Reply(delay=0.2)])
    process = wave.start()
    wait_for(lambda: len(wave.provider.seen) >= 1, "the first SMS", process)
    process.send_signal(signal.SIGTERM)
    output, _ = process.communicate(timeout=60)
    assert process.returncode == 128 + signal.SIGTERM, output
    assert "stopped by SIGTERM after chunk 1" in output
    first_chunk = sum(wave.received().values())
    assert first_chunk == 3 and not wave.in_doubt()  # the chunk (3 pairs) was finished, nothing half-done

    dry = wave.run("remind", "--dry-run")
    assert dry.returncode == 0 and f"due now: {len(wave.due) + 1 - first_chunk} reminders" in dry.stdout
    assert "(30 days: " in dry.stdout and "dry run: nothing sent" in dry.stdout
    assert sum(wave.received().values()) == first_chunk

    finish(wave)
    assert_every_reminder_sent(wave, Counter())
    status = json.loads(wave.run("status", "--format", "json").stdout)
    assert status["reminded"] == len(wave.due) and status["renewed"] == 1
    assert status["reminders"]["1"] == {"sent": 3}
    assert status["reminders"]["7"] == {"sent": 4, "skipped/no_phone": 1, "skipped/missed": 3}
    assert status["reminders"]["30"] == {"sent": 4, "skipped/missed": 8}
    assert status["expired_unrenewed"] == 1
