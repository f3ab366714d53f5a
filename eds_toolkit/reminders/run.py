"""Sending the due renewal reminders in chunks, resumable after a crash at any point.

Each reminder is a row of ``renewal_reminders`` (UNIQUE per AUTH serial and days-before), moved through
two commits around the one call that cannot be part of a transaction, the gateway's ``send``:

1. **claim**: the row is written ``sending`` (or its retry claimed by a compare-and-set) and committed;
2. ``ctx.sms.send(...)``;
3. **finish**: the row becomes ``sent`` (or ``retry``/``failed`` when the gateway refused) with its
   audit event, in one commit.

A run holds the reminders' lock (``lock.one_run_at_a_time``), so a row it finds ``sending`` was left by
a run that died between 1 and 3: its SMS may or may not have gone out. It is sent again (a reminder is
never lost), and that is the one case where a citizen can get one reminder twice: the process died after
the gateway accepted the SMS and before the finish committed, a window of one UPDATE and commit, as for
the one-time codes (``flow.codes.deliver`` then ``otp.mark_sent``). A process killed anywhere else
neither loses nor repeats a reminder. Such a resend is audited with ``in_doubt_resend``.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ca.store import ExpiringCertificate, expiring_pair_auth_certificates, is_valid_at
from eds_toolkit.citizens import CitizensRegistryError
from eds_toolkit.core import audit
from eds_toolkit.core.context import ServiceContext
from eds_toolkit.flow.models import Enrolment
from eds_toolkit.flow.reminder_models import (
    FAILED,
    FINAL_STATES,
    RETRY,
    SENDING,
    SENT,
    SKIPPED,
    UNCONFIRMED,
    RenewalReminder,
)
from eds_toolkit.reminders.lock import one_run_at_a_time
from eds_toolkit.reminders.schedule import ReminderPolicy
from eds_toolkit.reminders.texts import reminder_text
from eds_toolkit.sms import DEFAULT_SENDER, SmsDeliveryError, mask_phone
from eds_toolkit.translations import base_language

log = logging.getLogger(__name__)

AUDIT_ACTION = "renewal_reminder"
MAX_ATTEMPTS = 3  # runs that hand one reminder to the gateway before it is given up
DEFAULT_CHUNK = 50

NEW, TO_RETRY, IN_DOUBT = "new", "retry", "in_doubt"


@dataclass(frozen=True)
class DueReminder:
    """A reminder to send now: ``why`` is new, retry (the gateway refused it before) or in_doubt (a run
    died while sending it). ``row`` is its stored state, None when new."""

    certificate: ExpiringCertificate
    days_before: int
    why: str
    row: RenewalReminder | None = None


@dataclass
class RunSummary:
    """What a run did, by outcome (``sent`` by days-before)."""

    sent: Counter = field(default_factory=Counter)
    no_phone: int = 0
    missed: int = 0
    failed: int = 0  # the gateway refused: tried again by the next run
    given_up: int = 0  # refused MAX_ATTEMPTS times, or left in doubt that often, or too late to retry
    refused_by_gateway: int = 0  # of the SMS handed to the gateway this run (failed or given up)
    in_doubt_resent: int = 0
    deferred: int = 0  # the citizens registry did not answer: tried again by the next run
    gone: int = 0  # renewed, revoked or expired between the selection and the claim
    chunks: int = 0
    stopped: bool = False  # stopped between chunks because asked to (a signal)
    limit_reached: bool = False

    @property
    def handed(self) -> int:
        """SMS handed to the gateway (what ``--limit`` counts)."""
        return sum(self.sent.values()) + self.refused_by_gateway


def send_due_reminders(
    ctx: ServiceContext,
    policy: ReminderPolicy,
    *,
    chunk_size: int = DEFAULT_CHUNK,
    limit: int | None = None,
    should_stop: Callable[[], bool] = lambda: False,
    after_chunk: Callable[[RunSummary], None] | None = None,
) -> RunSummary:
    """Send every reminder due now, ``chunk_size`` certificates at a time, at most ``limit`` SMS.

    ``should_stop`` is asked after each chunk (a signal handler sets it): the run then ends there and the
    next run carries on. Raises RemindersBusy when another run holds the lock.
    """
    summary = RunSummary()
    with one_run_at_a_time(ctx.sessions.kw["bind"]):
        for chunk in _chunks(ctx, policy, chunk_size):
            languages = _languages(ctx, {reminder.certificate.iin for reminder in chunk})
            for reminder in chunk:
                if limit is not None and summary.handed >= limit:
                    summary.limit_reached = True
                    return summary
                language = languages.get(reminder.certificate.iin, policy.default_language)
                _remind(ctx, policy, reminder, language, summary)
            summary.chunks += 1
            if after_chunk is not None:
                after_chunk(summary)
            if should_stop():
                summary.stopped = True
                break
    return summary


def due_reminders(
    ctx: ServiceContext, policy: ReminderPolicy, *, chunk_size: int = 500
) -> Iterator[DueReminder]:
    """The reminders a run would send now, in issue order; reads only (``--dry-run``)."""
    for chunk in _chunks(ctx, policy, chunk_size):
        yield from chunk


def _chunks(ctx: ServiceContext, policy: ReminderPolicy, chunk_size: int) -> Iterator[list[DueReminder]]:
    """Pages of certificates expiring soon, each turned into the reminders due for them now."""
    after_id = 0
    while True:
        now = ctx.now()
        with ctx.session() as session:
            page = expiring_pair_auth_certificates(
                session, now=now, until=policy.horizon(now), after_id=after_id, limit=chunk_size
            )
            if not page:
                return
            after_id = page[-1].id
            rows = _stored(session, [certificate.serial for certificate in page])
        due = []
        for certificate in page:
            slot = policy.due_slot(certificate.not_after, now)
            if slot is None:
                continue
            row = rows.get((certificate.serial, slot))
            if row is None:
                due.append(DueReminder(certificate, slot, NEW))
            elif row.state not in FINAL_STATES:
                due.append(
                    DueReminder(certificate, slot, IN_DOUBT if row.state == SENDING else TO_RETRY, row)
                )
        yield due


def _stored(session: Session, serials: list[str]) -> dict[tuple[str, int], RenewalReminder]:
    rows = session.scalars(select(RenewalReminder).where(RenewalReminder.auth_serial.in_(serials)))
    return {(row.auth_serial, row.days_before): row for row in rows}


def _languages(ctx: ServiceContext, iins: set[str]) -> dict[str, str]:
    """The language each IIN last went through the service in (its latest enrolment's), where known."""
    if not iins:
        return {}
    with ctx.session() as session:
        rows = session.execute(
            select(Enrolment.iin, Enrolment.language)
            .where(Enrolment.iin.in_(sorted(iins)), Enrolment.language.is_not(None))
            .order_by(Enrolment.created_at)
        )
        return {iin: base_language(language) for iin, language in rows}


def _remind(
    ctx: ServiceContext, policy: ReminderPolicy, reminder: DueReminder, language: str, summary: RunSummary
) -> None:
    """Claim, send and finish one reminder (see the module's docstring)."""
    certificate = reminder.certificate
    try:
        citizen = ctx.citizens.lookup(certificate.iin)
    except CitizensRegistryError:
        summary.deferred += 1
        return
    phone = citizen.phone if citizen is not None else None
    attempts = _claim(ctx, policy, reminder, phone, summary)
    if attempts is None or phone is None:
        return
    text = reminder_text(
        language, iin=certificate.iin, not_after=certificate.not_after, zone=policy.zone, url=policy.renew_url
    )
    try:
        ctx.sms.send(phone, text, sender=DEFAULT_SENDER)
    except SmsDeliveryError:
        _finish(ctx, reminder, phone, attempts, sent=False, summary=summary)
        return
    _finish(ctx, reminder, phone, attempts, sent=True, summary=summary)


def _claim(
    ctx: ServiceContext, policy: ReminderPolicy, reminder: DueReminder, phone: str | None, summary: RunSummary
) -> int | None:
    """Commit the reminder as ``sending`` (or ``skipped``: no phone) with the earlier reminders it makes
    missed; the attempt's number, or None when there is nothing to send."""
    certificate, now = reminder.certificate, ctx.now()
    with ctx.session() as session:
        if not is_valid_at(session, certificate.serial, now):  # renewed or revoked since it was selected
            summary.gone += 1
            return None
        row = reminder.row
        if row is not None and row.state == SENDING and row.attempts >= MAX_ATTEMPTS:
            _settle(session, row, UNCONFIRMED, "unconfirmed")
            _record_reminder(ctx, session, reminder, "unconfirmed", phone=None)
            session.commit()
            summary.given_up += 1
            return None
        state, reason = (SENDING, None) if phone else (SKIPPED, "no_phone")
        attempts = (row.attempts if row is not None else 0) + (1 if phone else 0)
        if row is None:
            session.add(
                RenewalReminder(
                    auth_serial=certificate.serial,
                    days_before=reminder.days_before,
                    not_after=certificate.not_after,
                    state=state,
                    reason=reason,
                    attempts=attempts,
                    claimed_at=now,
                )
            )
        else:
            taken = session.execute(
                update(RenewalReminder)
                .where(
                    RenewalReminder.id == row.id,
                    RenewalReminder.state == row.state,
                    RenewalReminder.attempts == row.attempts,
                )
                .values(state=state, reason=reason, attempts=attempts, claimed_at=now)
                .execution_options(synchronize_session=False)
            ).rowcount
            if taken != 1:
                return None
        _record_missed(ctx, session, policy, reminder, now, summary)
        if phone is None:
            _record_reminder(ctx, session, reminder, "no_phone", phone=None)
        try:
            session.commit()
        except IntegrityError:  # another process claimed this reminder first (runs hold a lock: rare)
            return None
    if phone is None:
        summary.no_phone += 1
        return None
    return attempts


def _record_missed(
    ctx: ServiceContext,
    session: Session,
    policy: ReminderPolicy,
    reminder: DueReminder,
    now,
    summary: RunSummary,
) -> None:
    """The earlier reminders of this certificate not sent by now will never be: say so, in the claim."""
    earlier = policy.earlier_slots(reminder.days_before)
    if not earlier:
        return
    certificate = reminder.certificate
    stored = {
        row.days_before: row
        for row in session.scalars(
            select(RenewalReminder).where(
                RenewalReminder.auth_serial == certificate.serial, RenewalReminder.days_before.in_(earlier)
            )
        )
    }
    for days in earlier:
        row = stored.get(days)
        missed = DueReminder(certificate, days, NEW, row)
        if row is None:
            session.add(
                RenewalReminder(
                    auth_serial=certificate.serial,
                    days_before=days,
                    not_after=certificate.not_after,
                    state=SKIPPED,
                    reason="missed",
                    attempts=0,
                    claimed_at=now,
                )
            )
            _record_reminder(ctx, session, missed, "missed", phone=None)
            summary.missed += 1
        elif row.state == SENDING:  # left in doubt by a dead run, and now too late to send again
            _settle(session, row, UNCONFIRMED, "unconfirmed")
            _record_reminder(ctx, session, missed, "unconfirmed", phone=None)
            summary.given_up += 1
        elif row.state == RETRY:
            _settle(session, row, FAILED, "sms_failed")
            _record_reminder(ctx, session, missed, "sms_failed", phone=None)
            summary.given_up += 1


def _settle(session: Session, row: RenewalReminder, state: str, reason: str) -> None:
    session.execute(
        update(RenewalReminder)
        .where(RenewalReminder.id == row.id)
        .values(state=state, reason=reason)
        .execution_options(synchronize_session=False)
    )


def _finish(
    ctx: ServiceContext,
    reminder: DueReminder,
    phone: str,
    attempts: int,
    *,
    sent: bool,
    summary: RunSummary,
) -> None:
    """Record the gateway's answer and its audit event in one commit."""
    now = ctx.now()
    if sent:
        values = {"state": SENT, "reason": None, "sent_at": now}
    else:
        values = {"state": RETRY if attempts < MAX_ATTEMPTS else FAILED, "reason": "sms_failed"}
    with ctx.session() as session:
        session.execute(
            update(RenewalReminder)
            .where(
                RenewalReminder.auth_serial == reminder.certificate.serial,
                RenewalReminder.days_before == reminder.days_before,
                RenewalReminder.state == SENDING,
            )
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        _record_reminder(ctx, session, reminder, "sent" if sent else "sms_failed", phone=phone)
        session.commit()
    serial = reminder.certificate.serial[:12]
    if reminder.why == IN_DOUBT:
        summary.in_doubt_resent += 1
    if sent:
        summary.sent[reminder.days_before] += 1
        log.info("renewal reminder (%d days before) sent for certificate %s", reminder.days_before, serial)
        return
    summary.refused_by_gateway += 1
    if values["state"] == FAILED:
        summary.given_up += 1
        log.warning("renewal reminder for certificate %s given up: refused %d times", serial, attempts)
    else:
        summary.failed += 1
        log.warning("renewal reminder for certificate %s refused by the gateway: retried next run", serial)


def _record_reminder(
    ctx: ServiceContext, session: Session, reminder: DueReminder, reason: str, *, phone: str | None
) -> None:
    """The reminder's audit event: the IIN only as the audit log's keyed hash, the number masked."""
    detail: dict[str, object] = {"days_before": reminder.days_before, "serial": reminder.certificate.serial}
    if phone is not None:
        detail["to"] = mask_phone(phone)
    if reminder.why == IN_DOUBT and reason in ("sent", "sms_failed"):
        detail["in_doubt_resend"] = True
    audit.record(
        ctx,
        session,
        iin=reminder.certificate.iin,
        action=AUDIT_ACTION,
        outcome=audit.OK if reason == "sent" else audit.REFUSED,
        reason=reason,
        detail=detail,
    )
