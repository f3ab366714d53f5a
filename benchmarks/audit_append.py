"""Audit append benchmark: events per second with the hash chain and without it (the log before it).

Run:  .venv/bin/python benchmarks/audit_append.py                       (SQLite file, about 20 s)
      .venv/bin/python benchmarks/audit_append.py --database-url URL    (e.g. a PostgreSQL to test on)

Each append is one event in its own transaction (``audit.record`` + commit), as a step records it.
"Unchained" removes the chain's commit hook, which is the log as it was before the chain; "chained" is
the service as it is (HMAC + the head row update + the event's chain fields). Then ``verify`` walks the
chain and prints events checked per second. Also: appends from --threads threads at once (chained).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import event, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from eds_toolkit.clock import SystemClock  # noqa: E402
from eds_toolkit.core import audit, audit_chain  # noqa: E402
from eds_toolkit.core.context import ServiceContext  # noqa: E402
from eds_toolkit.db import make_engine, make_sessionmaker  # noqa: E402
from eds_toolkit.migrations import upgrade  # noqa: E402

IIN = "850314312017"


def context(url: str) -> ServiceContext:
    engine = make_engine(url)
    upgrade(engine)
    return ServiceContext(
        sessions=make_sessionmaker(engine),
        clock=SystemClock(),
        sms=None,  # type: ignore[arg-type]  - no step here sends an SMS
        citizens=None,  # type: ignore[arg-type]
        ca=lambda: None,  # type: ignore[arg-type,return-value]
        audit_key=b"benchmark audit key, not secret",
        otp_key=b"benchmark otp key, not secret",
    )


def appends(ctx: ServiceContext, count: int, label: str) -> None:
    for number in range(count):
        with ctx.session() as session:
            audit.record(
                ctx,
                session,
                iin=IIN,
                action="submit_code",
                outcome=audit.OK,
                from_state="started",
                to_state="phone_confirmed",
                client_address="203.0.113.7",
                detail={"run": label, "n": number},
            )
            session.commit()


def rate(ctx: ServiceContext, count: int, label: str) -> float:
    began = time.perf_counter()
    appends(ctx, count, label)
    return count / (time.perf_counter() - began)


def threaded_rate(ctx: ServiceContext, threads: int, each: int) -> float:
    workers = [threading.Thread(target=appends, args=(ctx, each, f"t{n}")) for n in range(threads)]
    began = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return threads * each / (time.perf_counter() - began)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="default: a new SQLite file in a temporary directory")
    parser.add_argument("--count", type=int, default=2000, help="appends per measurement")
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        url = args.database_url or f"sqlite:///{Path(directory) / 'bench.sqlite3'}"
        ctx = context(url)
        engine = ctx.sessions.kw["bind"]
        if engine.dialect.name == "postgresql":
            with engine.begin() as connection:
                connection.execute(
                    text("TRUNCATE audit_events; UPDATE audit_chain_head SET seq = 0, hash = NULL")
                )
        print(f"database: {engine.dialect.name}; {args.count} appends, one transaction each")
        appends(ctx, 50, "warm-up")

        event.remove(Session, "before_commit", audit_chain.seal)
        unchained = rate(ctx, args.count, "unchained")
        event.listen(Session, "before_commit", audit_chain.seal)
        with engine.begin() as connection:  # the unchained rows would be reported as inserted
            connection.execute(text("DELETE FROM audit_events WHERE seq IS NULL"))
        chained = rate(ctx, args.count, "chained")
        print(f"unchained (before): {unchained:8.0f} appends/s")
        print(f"chained   (after):  {chained:8.0f} appends/s  ({chained / unchained:.0%} of before)")
        together = threaded_rate(ctx, args.threads, args.count // args.threads)
        print(f"chained, {args.threads} threads at once: {together:8.0f} appends/s")

        with Session(engine) as session:
            began = time.perf_counter()
            verdict = audit_chain.verify_database(
                session, audit_chain.chain_key(b"benchmark audit key, not secret")
            )
            seconds = time.perf_counter() - began
        assert verdict.finding is None, verdict.finding
        print(
            f"verify: {verdict.checked} events in {seconds:.2f} s ({verdict.checked / seconds:,.0f} events/s)"
        )
        print(f"at {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC")
        engine.dispose()


if __name__ == "__main__":
    main()
