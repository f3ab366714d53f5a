"""Renewal reminders through the library: which one is due when, once each, the text, the failures, the
audit, and what a run left in doubt (the in-process stand-in for a kill; the real kill is in
test_reminders_kill.py)."""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from reminder_helpers import NOW, csr_pem, issue_expiring_pair, new_citizen, reminder_rows, sms_to
from sms_gateways import SwitchableGateway
from sqlalchemy import select

from eds_agent.cms import sign_cms
from eds_toolkit.core.audit_models import AuditEvent
from eds_toolkit.flow.models import Enrolment
from eds_toolkit.reminders import RemindersBusy, due_reminders, send_due_reminders, wave_status
from eds_toolkit.reminders.texts import REMINDER
from eds_toolkit.renewal import complete_renewal, start_renewal
from eds_toolkit.settings import Settings, SettingsError
from eds_toolkit.sms import OutboxGateway, SmsDeliveryError
from eds_toolkit.translations import gettext_in

DAY = dt.timedelta(days=1)
PHONE = "+77015550001"


def citizen_with_pair(ctx, authority, expires_at, phone: str | None = PHONE):
    with ctx.session() as session:
        iin = new_citizen(session, phone=phone, now=NOW)
    return issue_expiring_pair(authority, iin, phone, expires_at)


def states(ctx, pair) -> dict[int, tuple[str, str | None]]:
    return {
        days: (row.state, row.reason)
        for (serial, days), row in reminder_rows(ctx).items()
        if serial == pair.auth_serial
    }


def test_a_pair_gets_its_30_7_and_1_day_reminders_once_each_and_none_after_expiry(
    ctx, clock, policy, authority, outbox
):
    pair = citizen_with_pair(ctx, authority, NOW + 30 * DAY)
    sent_days = []
    for day in range(32):
        clock.set(NOW + day * DAY)
        before = len(sms_to(outbox, PHONE))
        send_due_reminders(ctx, policy)
        send_due_reminders(ctx, policy)  # a second run the same day sends nothing
        if len(sms_to(outbox, PHONE)) > before:
            assert len(sms_to(outbox, PHONE)) == before + 1
            sent_days.append(day)

    assert sent_days == [0, 23, 29]  # 30, 7 and 1 calendar days before the expiry date
    assert states(ctx, pair) == {30: ("sent", None), 7: ("sent", None), 1: ("sent", None)}


def test_a_missed_reminder_is_sent_late_only_while_the_next_one_is_not_due(
    ctx, clock, policy, authority, outbox
):
    pair = citizen_with_pair(ctx, authority, NOW + 30 * DAY)
    clock.set(NOW + 2 * DAY)  # the job did not run on the 30th day before: 28 days left, the 7 not due
    assert sum(send_due_reminders(ctx, policy).sent.values()) == 1
    clock.set(NOW + 29 * DAY)  # nor on the 7th: only the 1-day reminder goes, never two at once
    summary = send_due_reminders(ctx, policy)
    assert dict(summary.sent) == {1: 1} and summary.missed == 1
    assert len(sms_to(outbox, PHONE)) == 2
    assert states(ctx, pair) == {30: ("sent", None), 7: ("skipped", "missed"), 1: ("sent", None)}


def test_the_first_run_on_the_expiry_day_sends_one_reminder_and_none_after_the_expiry(
    ctx, clock, policy, authority, outbox
):
    pair = citizen_with_pair(ctx, authority, NOW + 30 * DAY)
    clock.set(pair.not_after - dt.timedelta(hours=2))
    assert dict(send_due_reminders(ctx, policy).sent) == {1: 1}
    assert states(ctx, pair) == {30: ("skipped", "missed"), 7: ("skipped", "missed"), 1: ("sent", None)}
    late = citizen_with_pair(ctx, authority, NOW + 30 * DAY, phone="+77015550002")
    clock.set(late.not_after + dt.timedelta(seconds=1))
    assert not list(due_reminders(ctx, policy))
    assert sum(send_due_reminders(ctx, policy).sent.values()) == 0
    assert sms_to(outbox, "+77015550002") == []


def test_no_reminder_after_the_pair_is_renewed(ctx, clock, policy, authority, outbox):
    pair = citizen_with_pair(ctx, authority, NOW + 30 * DAY)
    send_due_reminders(ctx, policy)
    assert len(sms_to(outbox, PHONE)) == 1
    challenge = start_renewal(ctx)
    cms = sign_cms(challenge.data, pair.auth_key, pair.auth, authority.chain, attached=False)
    csrs = [csr_pem(ec.generate_private_key(ec.SECP256R1()), pair.iin) for _ in range(2)]
    renewed = complete_renewal(ctx, challenge.id, cms, *csrs)
    assert pair.auth_serial in renewed.superseded_serials

    for day in (23, 29):
        clock.set(NOW + day * DAY)
        assert sum(send_due_reminders(ctx, policy).sent.values()) == 0
    assert len(sms_to(outbox, PHONE)) == 1  # the new pair expires in a year: nothing due for it either


def test_a_citizen_without_a_phone_is_skipped_once_per_reminder_and_reached_once_registered(
    ctx, clock, policy, authority, outbox
):
    pair = citizen_with_pair(ctx, authority, NOW + 30 * DAY, phone=None)
    assert send_due_reminders(ctx, policy).no_phone == 1
    assert send_due_reminders(ctx, policy).no_phone == 0  # recorded: not looked up again for this one
    assert states(ctx, pair) == {30: ("skipped", "no_phone")}
    ctx.citizens.register_phone(pair.iin, "+77015550003")
    clock.set(NOW + 23 * DAY)
    assert dict(send_due_reminders(ctx, policy).sent) == {7: 1}
    assert len(sms_to(outbox, "+77015550003")) == 1


def test_the_text_gives_the_local_expiry_date_and_the_renewal_page_in_the_citizens_language(
    ctx, clock, policy, authority, outbox
):
    # 21:30 UTC is 02:30 the next day in Almaty
    expires = (NOW + 20 * DAY).replace(hour=21, minute=30)
    known = citizen_with_pair(ctx, authority, expires, phone="+77015550004")
    unknown = citizen_with_pair(ctx, authority, expires, phone="+77015550005")
    with ctx.session() as session:
        session.add(
            Enrolment(
                id="e" * 43,
                iin=known.iin,
                state="issued",
                api_token_hash="0" * 64,
                language="ru",
                created_at=NOW - 300 * DAY,
                updated_at=NOW - 300 * DAY,
                expires_at=NOW - 300 * DAY,
            )
        )
        session.commit()
    send_due_reminders(ctx, policy)

    local_date = "31.12.2026 02:30"
    params = dict(tail=known.iin[-4:], date=local_date, url="https://eds.example.kz/cabinet/renew")
    assert sms_to(outbox, "+77015550004") == [gettext_in("ru", REMINDER, **params)]
    params["tail"] = unknown.iin[-4:]
    both = "\n".join(gettext_in(language, REMINDER, **params) for language in ("kk", "ru"))
    assert sms_to(outbox, "+77015550005") == [both]  # the default: Kazakh, then Russian
    assert local_date in both and "https://eds.example.kz/cabinet/renew" in both


def test_a_refusing_gateway_is_retried_by_the_next_runs_then_given_up(ctx, clock, policy, authority, outbox):
    pair = citizen_with_pair(ctx, authority, NOW + 30 * DAY)
    gateway = SwitchableGateway(OutboxGateway(outbox, clock=clock))
    ctx.sms = gateway
    gateway.broken = True
    assert send_due_reminders(ctx, policy).failed == 1
    assert states(ctx, pair) == {30: ("retry", "sms_failed")}
    gateway.broken = False
    assert dict(send_due_reminders(ctx, policy).sent) == {30: 1}

    other = citizen_with_pair(ctx, authority, NOW + 30 * DAY, phone="+77015550006")
    gateway.broken = True
    outcomes = [send_due_reminders(ctx, policy) for _ in range(4)]
    assert [(s.failed, s.given_up) for s in outcomes] == [(1, 0), (1, 0), (0, 1), (0, 0)]
    assert states(ctx, other) == {30: ("failed", "sms_failed")}
    with ctx.session() as session:
        reasons = session.scalars(
            select(AuditEvent.reason).where(
                AuditEvent.action == "renewal_reminder", AuditEvent.outcome == "refused"
            )
        ).all()
    assert reasons.count("sms_failed") == 4


class DiesAfterAccepting:
    """A gateway that hands the SMS to the outbox, then the process 'dies' before the row is updated."""

    def __init__(self, outbox: OutboxGateway) -> None:
        self.outbox = outbox

    def send(self, phone: str, text: str, *, sender: str = "1414") -> None:
        self.outbox.send(phone, text, sender=sender)
        raise SystemExit("killed right after the gateway accepted")


def test_a_reminder_left_in_doubt_by_a_dead_run_is_sent_again_and_audited_so(
    ctx, clock, policy, authority, outbox
):
    pair = citizen_with_pair(ctx, authority, NOW + 30 * DAY)
    accepted = OutboxGateway(outbox, clock=clock)
    ctx.sms = DiesAfterAccepting(accepted)
    with pytest.raises(SystemExit):
        send_due_reminders(ctx, policy)
    assert states(ctx, pair) == {30: ("sending", None)}  # in doubt: the gateway took it, the row never knew
    assert [reminder.why for reminder in due_reminders(ctx, policy)] == ["in_doubt"]

    ctx.sms = accepted
    summary = send_due_reminders(ctx, policy)
    assert summary.in_doubt_resent == 1 and dict(summary.sent) == {30: 1}
    assert len(sms_to(outbox, PHONE)) == 2  # the one documented duplicate: killed between accept and update
    with ctx.session() as session:
        details = [
            json.loads(d)
            for d in session.scalars(select(AuditEvent.detail).where(AuditEvent.action == "renewal_reminder"))
        ]
    assert [d.get("in_doubt_resend") for d in details] == [True]


def test_a_reminder_in_doubt_when_the_next_one_is_due_is_given_up_as_unconfirmed(
    ctx, clock, policy, authority, outbox
):
    pair = citizen_with_pair(ctx, authority, NOW + 30 * DAY)
    ctx.sms = DiesAfterAccepting(OutboxGateway(outbox, clock=clock))
    with pytest.raises(SystemExit):
        send_due_reminders(ctx, policy)
    ctx.sms = OutboxGateway(outbox, clock=clock)
    clock.set(NOW + 23 * DAY)
    summary = send_due_reminders(ctx, policy)
    assert dict(summary.sent) == {7: 1} and summary.given_up == 1
    assert states(ctx, pair) == {30: ("unconfirmed", "unconfirmed"), 7: ("sent", None)}


class BlockingGateway:
    def __init__(self) -> None:
        self.entered, self.release = threading.Event(), threading.Event()

    def send(self, phone: str, text: str, *, sender: str = "1414") -> None:
        self.entered.set()
        self.release.wait(30)
        raise SmsDeliveryError("released")


def test_only_one_run_at_a_time(ctx, policy, authority):
    citizen_with_pair(ctx, authority, NOW + 30 * DAY)
    gateway = BlockingGateway()
    ctx.sms = gateway
    first = threading.Thread(target=send_due_reminders, args=(ctx, policy))
    first.start()
    try:
        assert gateway.entered.wait(30)
        with pytest.raises(RemindersBusy):
            send_due_reminders(ctx, policy)
    finally:
        gateway.release.set()
        first.join(30)
    assert send_due_reminders(ctx, policy).failed == 1  # the lock is free again once the first run ends


def test_chunks_a_stop_request_and_a_limit(ctx, clock, policy, authority, outbox):
    pairs = [citizen_with_pair(ctx, authority, NOW + 30 * DAY, phone=f"+7701555010{n}") for n in range(5)]
    stopped = send_due_reminders(ctx, policy, chunk_size=2, should_stop=lambda: True)
    assert stopped.stopped and stopped.chunks == 1 and sum(stopped.sent.values()) == 2
    limited = send_due_reminders(ctx, policy, chunk_size=2, limit=2)
    assert limited.limit_reached and sum(limited.sent.values()) == 2
    rest = send_due_reminders(ctx, policy, chunk_size=2)
    assert sum(rest.sent.values()) == 1 and not rest.stopped
    assert sorted(len(sms_to(outbox, pair.phone)) for pair in pairs) == [1] * 5


def test_audit_events_hold_no_iin_and_logs_no_phone_or_iin(ctx, policy, authority, caplog):
    pair = citizen_with_pair(ctx, authority, NOW + 30 * DAY)
    caplog.set_level(logging.DEBUG)
    send_due_reminders(ctx, policy)
    with ctx.session() as session:
        (event,) = session.scalars(select(AuditEvent).where(AuditEvent.action == "renewal_reminder"))
    assert event.iin_hash == ctx.iin_hash(pair.iin) and event.outcome == "ok"
    stored = json.dumps([event.detail, event.reason, event.iin_hash])
    assert pair.iin not in stored and PHONE not in stored
    assert json.loads(event.detail) == {"days_before": 30, "serial": pair.auth_serial, "to": "+770******01"}
    assert caplog.records and pair.iin not in caplog.text and PHONE not in caplog.text


def test_the_wave_status_counts_due_reminded_renewed_and_expired(ctx, clock, policy, authority):
    reminded = citizen_with_pair(ctx, authority, NOW + 6 * DAY)
    citizen_with_pair(ctx, authority, NOW + 40 * DAY)  # outside the 30-day window
    expired = citizen_with_pair(ctx, authority, NOW + 1 * DAY)
    renewed = citizen_with_pair(ctx, authority, NOW + 10 * DAY)
    send_due_reminders(ctx, policy)
    ctx.ca().store.revoke(renewed.auth_serial, "superseded")
    clock.set(NOW + 2 * DAY)
    status = wave_status(ctx, policy, days=30)
    assert status.pairs["due"] == 1 and status.pairs["due_within_7"] == 1  # `reminded` expires in 4 days
    assert status.pairs["renewed"] == 1 and status.pairs["expired_unrenewed"] == 1
    assert status.reminded == 3  # reminded, expired and renewed were each sent one
    assert status.reminders == {
        30: {"sent": 1, "skipped/missed": 2},  # renewed was sent its 30-day one; the others were due later
        7: {"sent": 1, "skipped/missed": 1},
        1: {"sent": 1},
    }
    assert expired.not_after < clock.now() < reminded.not_after


def test_reminder_days_are_read_from_the_environment(tmp_path):
    env = {"EDS_SECRET_KEY": "x" * 32, "EDS_RENEWAL_REMINDER_DAYS": "7, 30,1"}
    assert Settings.from_env(env, home=tmp_path).renewal_reminder_days == (30, 7, 1)
    assert Settings.from_env({"EDS_SECRET_KEY": "x" * 32}, home=tmp_path).renewal_reminder_days == (30, 7, 1)
    for wrong in ("30,30", "0", "a,b", "400"):
        with pytest.raises(SettingsError, match="EDS_RENEWAL_REMINDER_DAYS"):
            Settings.from_env({**env, "EDS_RENEWAL_REMINDER_DAYS": wrong}, home=tmp_path)
    with pytest.raises(SettingsError, match="EDS_RENEWAL_REMINDER_LANGUAGE"):
        Settings.from_env({**env, "EDS_RENEWAL_REMINDER_LANGUAGE": "de"}, home=tmp_path)
