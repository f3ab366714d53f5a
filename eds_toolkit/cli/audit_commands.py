"""`eds audit verify` (walk the audit chain, name the first changed, deleted, inserted or reordered
event) and `eds audit export` (events as JSON lines for a SIEM, with the chain fields).

Exit status: 0 intact / exported, 1 the chain is broken (the message names the event), 2 bad input.
The chain key is derived from the instance's secret key ($EDS_SECRET_KEY or ``<home>/secret_key``).
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import click
from sqlalchemy import Engine, select

from eds_toolkit.cli import Context, pass_context
from eds_toolkit.core import audit_chain

INTACT, BROKEN, BAD_INPUT = 0, 1, 2


def _engine(ctx: Context) -> Engine:
    from eds_toolkit.db import make_engine
    from eds_toolkit.home import database_url
    from eds_toolkit.migrations import upgrade

    engine = make_engine(database_url(ctx.home))
    upgrade(engine)
    return engine


def _key(ctx: Context) -> bytes:
    from eds_toolkit.services import derived_key
    from eds_toolkit.settings import stored_secret_key

    secret = os.environ.get("EDS_SECRET_KEY") or stored_secret_key(ctx.home)
    return audit_chain.chain_key(derived_key(secret, "audit"))


def _since(value: str | None) -> dt.datetime | None:
    if value is None:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date or time (YYYY-MM-DD or ISO 8601)") from None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=dt.UTC)


@click.group("audit")
def audit() -> None:
    """The tamper-evident audit log."""


@audit.command("verify")
@click.option(
    "--file",
    "export_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Verify an export (`eds audit export`) instead of the database.",
)
@pass_context
def verify(ctx: Context, export_file: Path | None) -> None:
    """Walk the chain; exit 1 naming the first changed, deleted, inserted or reordered event."""
    from sqlalchemy.orm import Session

    key = _key(ctx)
    if export_file is not None:
        verdict = _verify_file(key, export_file)
    else:
        engine = _engine(ctx)
        with Session(engine) as session:
            verdict = audit_chain.verify_database(session, key)
    if verdict.finding is not None:
        click.echo(f"Error: {verdict.finding.message}", err=True)
        raise SystemExit(BROKEN)
    if verdict.checked == 0 and verdict.last_seq > 0:
        click.echo(
            f"not chained yet: {verdict.last_seq} events recorded before the chain; "
            "the next event recorded hashes them"
        )
        return
    click.echo(
        f"intact: {verdict.checked} events checked; chain head at position {verdict.last_seq}, "
        f"hash {verdict.last_hash}"
    )


def _verify_file(key: bytes, path: Path) -> audit_chain.Verdict:
    events = []
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                events.append(audit_chain.read_export_line(line))
            except (ValueError, KeyError, TypeError) as error:
                click.echo(f"Error: line {number} of {path} is not an audit export line ({error}).", err=True)
                raise SystemExit(BAD_INPUT) from None
    if not events:
        return audit_chain.Verdict(0, 0, audit_chain.GENESIS, None)
    by_hash = {event.hash: event for event in events if event.hash}
    first = events[0]
    return audit_chain.walk(
        key,
        events,
        find_by_hash=by_hash.get,
        start_seq=first.seq or 1,
        start_hash=first.prev_hash or audit_chain.GENESIS,
    )


@audit.command("export")
@click.option("--since", help="Only events at or after this time (YYYY-MM-DD or ISO 8601, UTC if no zone).")
@click.option("--after-seq", type=click.IntRange(min=0), help="Only events after this chain position.")
@pass_context
def export(ctx: Context, since: str | None, after_seq: int | None) -> None:
    """Write the events as JSON lines (chain order) to standard output."""
    from sqlalchemy.orm import Session

    from eds_toolkit.core.audit_models import AuditEvent

    start = _since(since)
    query = select(AuditEvent).where(AuditEvent.seq.is_not(None)).order_by(AuditEvent.seq)
    if start is not None:
        query = query.where(AuditEvent.at >= start)
    if after_seq is not None:
        query = query.where(AuditEvent.seq > after_seq)
    engine = _engine(ctx)
    with Session(engine) as session:
        for item in session.scalars(query.execution_options(yield_per=1000)):
            click.echo(audit_chain.export_line(item))


COMMANDS: list[click.Command] = [audit]
