"""The console's audit log page at scale: how long its parts take with N events in the log.

Run:  .venv/bin/python benchmarks/console_audit_log.py [--events 100000] [--database-url URL]

Fills a fresh database with N chained events (1,000 people, 1 % of the events by an operator, written
1,000 to a transaction), then times what a view of /operator/audit does (``eds_toolkit.operators.
audit_log``): the chain's check (the first view, the whole walk in its thread and on demand, then a
view after 10 more events), the newest page unfiltered, for a typed IIN, for an operator (a LIKE over
the details) and for an action, and the export of one person's events and of all of them.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.audit_append import context  # noqa: E402
from eds_toolkit.core import audit  # noqa: E402
from eds_toolkit.operators import audit_log  # noqa: E402

PEOPLE = 1000


def iin(number: int) -> str:
    return f"{number % PEOPLE:012d}"


def fill(ctx, count: int, start: int = 0) -> None:
    for first in range(start, start + count, 1000):
        with ctx.session() as session:
            for number in range(first, min(first + 1000, start + count)):
                detail = {"operator_id": 7, "n": number} if number % 100 == 0 else {"n": number}
                audit.record(
                    ctx,
                    session,
                    iin=iin(number),
                    action="submit_code" if number % 10 else "start",
                    outcome=audit.OK,
                    client_address="203.0.113.7",
                    detail=detail,
                )
            session.commit()


def timed(label: str, call) -> object:
    began = time.perf_counter()
    result = call()
    print(f"{label:<44} {1000 * (time.perf_counter() - began):9.1f} ms")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--database-url", default=None)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        url = options.database_url or f"sqlite:///{Path(directory) / 'bench.sqlite3'}"
        ctx = context(url)
        began = time.perf_counter()
        fill(ctx, options.events)
        print(f"{options.events} events written in {time.perf_counter() - began:.1f} s ({url.split(':')[0]})")

        state = timed("chain: first view (the walk starts in a thread)", lambda: audit_log.chain_state(ctx))
        assert state.verdict is None and state.walking
        watch = audit_log._watch_of(ctx.sessions)
        timed("chain: the thread's whole walk, waited for", lambda: watch.walker.join())
        state = timed(
            "chain: whole walk now (the page's button)", lambda: audit_log.chain_state(ctx, whole=True)
        )
        assert state.intact and state.verdict.checked == options.events
        fill(ctx, 10, start=options.events)
        state = timed("chain: 10 events appended since (next view)", lambda: audit_log.chain_state(ctx))
        assert state.intact and state.verdict.checked == options.events + 10

        nobody = audit_log.AuditFilter()
        person = audit_log.AuditFilter(iin=iin(42))
        timed("newest page, unfiltered", lambda: audit_log.events(ctx, nobody))
        timed("newest page, typed IIN", lambda: audit_log.events(ctx, person))
        timed(
            "newest page, operator (LIKE over details)",
            lambda: audit_log.events(ctx, audit_log.AuditFilter(operator_id=7)),
        )
        timed(
            "newest page, action 'start'",
            lambda: audit_log.events(ctx, audit_log.AuditFilter(action="start")),
        )
        for label, filters in (("one person's events", person), ("every event", nobody)):
            export = audit_log.prepare_export(ctx, filters)
            began = time.perf_counter()
            lines = sum(1 for _ in audit_log.export_lines(ctx, export))
            seconds = time.perf_counter() - began
            print(f"export, {label:<35} {lines:>8} lines in {seconds:.2f} s ({lines / seconds:,.0f} lines/s)")


if __name__ == "__main__":
    main()
