"""Reminders on a real PostgreSQL: the migration, once each over a wave's days, and the advisory lock
that keeps runs (from any machine) to one at a time."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from flow_helpers import make_settings
from pg_server import empty_database
from reminder_helpers import NOW, issue_expiring_pair, new_citizen, reminder_rows, sms_to

from eds_toolkit.reminders import RemindersBusy, send_due_reminders
from eds_toolkit.sms import SmsDeliveryError
from eds_toolkit.web import create_app
from eds_toolkit.web.context import service

pytestmark = pytest.mark.postgres
DAY = dt.timedelta(days=1)


@pytest.fixture
def pg_ctx(postgres, home, clock):
    empty_database(postgres.url)
    app = create_app(make_settings(home, clock, database_url=postgres.url))
    assert service(app).engine.dialect.name == "postgresql"
    return service(app).flow


def test_each_reminder_once_over_the_days_of_a_wave_on_postgresql(pg_ctx, clock, policy, outbox):
    phones = [f"+7701555030{n}" for n in range(3)]
    pairs = []
    for phone in phones:
        with pg_ctx.session() as session:
            iin = new_citizen(session, phone=phone, now=NOW)
        pairs.append(issue_expiring_pair(pg_ctx.ca(), iin, phone, NOW + 30 * DAY))
    for day in range(31):
        clock.set(NOW + day * DAY)
        send_due_reminders(pg_ctx, policy, chunk_size=2)
    assert [len(sms_to(outbox, phone)) for phone in phones] == [3, 3, 3]
    assert {row.state for row in reminder_rows(pg_ctx).values()} == {"sent"}
    assert len(reminder_rows(pg_ctx)) == 9


class Blocking:
    def __init__(self) -> None:
        self.entered, self.release = threading.Event(), threading.Event()

    def send(self, phone: str, text: str, *, sender: str = "1414") -> None:
        self.entered.set()
        self.release.wait(30)
        raise SmsDeliveryError("released")


def test_a_second_run_is_refused_while_one_holds_the_advisory_lock(pg_ctx, policy):
    with pg_ctx.session() as session:
        iin = new_citizen(session, phone="+77015550399", now=NOW)
    issue_expiring_pair(pg_ctx.ca(), iin, "+77015550399", NOW + 30 * DAY)
    gateway = Blocking()
    pg_ctx.sms = gateway
    first = threading.Thread(target=send_due_reminders, args=(pg_ctx, policy))
    first.start()
    try:
        assert gateway.entered.wait(30)
        with pytest.raises(RemindersBusy):
            send_due_reminders(pg_ctx, policy)
    finally:
        gateway.release.set()
        first.join(30)
    assert send_due_reminders(pg_ctx, policy).failed == 1  # released with the first run's connection
