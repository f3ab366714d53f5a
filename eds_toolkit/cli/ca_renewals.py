"""`eds ca renewals remind` and `eds ca renewals status`: the operator's side of a yearly renewal wave.

The CA cannot renew a citizen by itself (a renewal is signed with the holder's AUTH key: the person comes
from that signature), so the batch reminds; the status shows who renewed. docs/renewal.md.

Exit status: 0 done, 1 refused (another run holds the lock, database unusable), 2 bad input (settings),
128 + the signal's number when a SIGTERM or SIGINT stopped the run between two chunks (143, 130).
"""

from __future__ import annotations

import json
import signal
from collections import Counter
from types import FrameType

import click
from sqlalchemy.exc import SQLAlchemyError

from eds_toolkit.cli import Context, pass_context


def _fail(message: str, status: int) -> None:
    click.echo(f"Error: {message}", err=True)
    raise click.exceptions.Exit(status)


def _service(ctx: Context):
    """The settings, the service context (SMS gateway, citizens base, audit key) and the policy."""
    from eds_toolkit.migrations import upgrade
    from eds_toolkit.reminders import ReminderPolicy
    from eds_toolkit.services import build_service_context
    from eds_toolkit.settings import Settings, SettingsError

    try:
        settings = Settings.from_env(home=ctx.home)
    except SettingsError as error:
        _fail(str(error), 2)
    service = build_service_context(settings)
    try:
        upgrade(service.sessions.kw["bind"])
    except SQLAlchemyError as error:
        _database_failed(ctx, error)
    return service, ReminderPolicy.from_settings(settings)


def _database_failed(ctx: Context, error: SQLAlchemyError) -> None:
    from eds_toolkit.cli.ca_commands import _database_problem

    _fail(_database_problem(ctx, error), 1)


def _days(counts: Counter | dict[int, int]) -> str:
    return ", ".join(
        f"{days} day{'s' if days != 1 else ''}: {count}"
        for days, count in sorted(counts.items(), reverse=True)
    )


class _StopOnSignal:
    """While active, SIGTERM and SIGINT only ask the run to stop after the current chunk."""

    def __init__(self) -> None:
        self.received: int | None = None

    def __enter__(self) -> _StopOnSignal:
        self._previous = {
            number: signal.signal(number, self._ask) for number in (signal.SIGTERM, signal.SIGINT)
        }
        return self

    def _ask(self, number: int, _frame: FrameType | None) -> None:
        self.received = number
        click.echo(f"{signal.Signals(number).name} received: stopping after the current chunk", err=True)

    def __exit__(self, *_exc) -> None:
        for number, handler in self._previous.items():
            signal.signal(number, handler)


@click.group("renewals")
def renewals_group() -> None:
    """Yearly renewal waves: SMS reminders before pairs expire, and how the wave stands."""


@renewals_group.command("remind")
@click.option(
    "--dry-run", is_flag=True, help="List the reminders due now, with counts by days before; send nothing."
)
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Hand at most N SMS to the gateway.")
@click.option(
    "--chunk-size",
    type=click.IntRange(1, 10_000),
    default=50,
    show_default=True,
    help="Certificates looked at per chunk; a SIGTERM or SIGINT stops the run after the current one.",
)
@pass_context
def remind_command(ctx: Context, dry_run: bool, limit: int | None, chunk_size: int) -> None:
    """Send the renewal reminders due now (EDS_RENEWAL_REMINDER_DAYS before the AUTH certificate expires),
    each once; a stopped or killed run is carried on by the next. Renews nothing: only the holder can."""
    from eds_toolkit.reminders import RemindersBusy, send_due_reminders

    service, policy = _service(ctx)
    try:
        if dry_run:
            _dry_run(service, policy, limit)
            return
        with _StopOnSignal() as stop:
            summary = send_due_reminders(
                service,
                policy,
                chunk_size=chunk_size,
                limit=limit,
                should_stop=lambda: stop.received is not None,
                after_chunk=lambda done: click.echo(
                    f"chunk {done.chunks}: {sum(done.sent.values())} sent so far", err=True
                ),
            )
    except RemindersBusy as error:
        _fail(f"{error}; this run did nothing.", 1)
    except SQLAlchemyError as error:
        _database_failed(ctx, error)
    _print_summary(summary, limit)
    if summary.stopped:
        name = signal.Signals(stop.received).name
        click.echo(
            f"stopped by {name} after chunk {summary.chunks}: run `eds ca renewals remind` again to carry on"
        )
        raise click.exceptions.Exit(128 + stop.received)


def _print_summary(summary, limit: int | None) -> None:
    sent = sum(summary.sent.values())
    click.echo(
        f"renewal reminders: {sent} sent"
        + (f" ({_days(summary.sent)})" if sent else "")
        + f"; {summary.no_phone} without a phone (skipped)"
        + f"; {summary.missed} missed (a later one was due)"
        + f"; {summary.failed} refused by the gateway (the next run retries)"
        + f"; {summary.given_up} given up"
        + f"; {summary.in_doubt_resent} left in doubt by a killed run, sent again"
        + f"; {summary.deferred} deferred (citizens registry unavailable)"
        + f"; {summary.gone} renewed or revoked meanwhile"
    )
    if summary.limit_reached:
        click.echo(f"stopped at --limit {limit}: run `eds ca renewals remind` again to carry on")


def _dry_run(service, policy, limit: int | None) -> None:
    from eds_toolkit.reminders import due_reminders

    counts: Counter = Counter()
    why: Counter = Counter()
    zone = policy.zone
    click.echo(f"{'SERIAL':40}  {'IIN':12}  {'DAYS':4}  {'EXPIRES (' + policy.time_zone + ')':22}  WHY")
    for reminder in due_reminders(service, policy):
        if limit is not None and sum(counts.values()) >= limit:
            break
        certificate = reminder.certificate
        counts[reminder.days_before] += 1
        why[reminder.why] += 1
        click.echo(
            f"{certificate.serial:40}  {'*' * 8 + certificate.iin[-4:]:12}  {reminder.days_before:4}  "
            f"{certificate.not_after.astimezone(zone):%Y-%m-%d %H:%M}{'':6}  {reminder.why}"
        )
    total = sum(counts.values())
    click.echo(
        f"due now: {total} reminder{'s' if total != 1 else ''}"
        + (f" ({_days(counts)})" if total else "")
        + f"; {why['retry']} to retry, {why['in_doubt']} left in doubt by a killed run"
        + " (dry run: nothing sent)"
    )


@renewals_group.command("status")
@click.option(
    "--days",
    type=click.IntRange(1, 366),
    default=30,
    show_default=True,
    help="The wave: pairs expiring within N days of now, either side.",
)
@click.option("--format", "output_format", type=click.Choice(["table", "json"]), default="table")
@pass_context
def status_command(ctx: Context, days: int, output_format: str) -> None:
    """The renewal wave: due in N days, reminded, renewed, expired unrenewed, and the reminders' outcomes."""
    from eds_toolkit.reminders import wave_status

    service, policy = _service(ctx)
    try:
        status = wave_status(service, policy, days=days)
    except SQLAlchemyError as error:
        _database_failed(ctx, error)
    if output_format == "json":
        click.echo(json.dumps(status.as_dict(), indent=2))
        return
    pairs = status.pairs
    now = status.now.astimezone(policy.zone)
    click.echo(f"Renewal wave at {now:%Y-%m-%d %H:%M} {policy.time_zone}: pairs expiring within {days} days")
    rows = [("due (valid, not renewed yet)", pairs["due"])]
    for within in sorted(int(key.rsplit("_", 1)[1]) for key in pairs if key.startswith("due_within_")):
        rows.append(
            (f"  expiring within {within} day{'s' if within != 1 else ''}", pairs[f"due_within_{within}"])
        )
    rows += [
        ("reminded (at least one SMS sent)", status.reminded),
        ("renewed (superseded by a new pair)", pairs["renewed"]),
        ("expired unrenewed", pairs["expired_unrenewed"]),
        ("revoked for another reason", pairs["revoked"]),
    ]
    for label, count in rows:
        click.echo(f"  {label:36}{count:8}")
    columns = [
        ("sent", "sent"),
        ("no phone", "skipped/no_phone"),
        ("missed", "skipped/missed"),
        ("retrying", "retry"),
        ("failed", "failed/sms_failed"),
        ("in doubt", "sending"),
        ("unconfirmed", "unconfirmed/unconfirmed"),
    ]
    click.echo(f"  {'reminders':15}" + "".join(f"{title:>12}" for title, _ in columns))
    for days_before in policy.days:
        counts = status.reminders.get(days_before, {})
        label = f"{days_before} day{'s' if days_before != 1 else ''} before"
        click.echo(f"  {label:15}" + "".join(f"{counts.get(key, 0):12}" for _, key in columns))
