"""What a /metrics scrape costs on SQLite with 10,000 and 1,000,000 audit events, before and after the
indexes of migration 0020.

Run:  .venv/bin/python benchmarks/metrics_scrape.py                      (10k and 1M events, ~5 minutes)
      .venv/bin/python benchmarks/metrics_scrape.py --events 10000 100000

For each size a database is migrated to 0017 (before 0020) and filled with a realistic mix: per enrolment
about 13 events (start, code, the identification checks with their verdicts, some refused with several
reasons, PIN, application, issuance, the owner's notice, some SMS failures) and, per issued enrolment, a
pair of certificates issued by the test CA (``issue_many``, real RSA-2048 signatures: most of the fill
time), a third of them revoked (superseded, ``revoke_valid``). Then:

- cold: the first scrape of a process (``ServiceCollector`` made anew: the audit tally counts every event);
- warm: a later scrape after 100 new events (the tally reads only those), median of 5;

before 0020, then 0020 is applied (timed) and the same again. The scrape is ``generate_latest`` of the
collector (no HTTP), the CA's files present and no CRL published.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import secrets
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cryptography.hazmat.primitives.serialization import Encoding  # noqa: E402
from prometheus_client import CollectorRegistry, generate_latest  # noqa: E402
from sqlalchemy import Engine  # noqa: E402

from ca.proofs.remote_enrolment import RemoteEnrolmentProof  # noqa: E402
from ca.store import revoke_valid  # noqa: E402
from eds_toolkit.bootstrap import ca_directory, ensure_test_ca  # noqa: E402
from eds_toolkit.core.context import ServiceContext  # noqa: E402
from eds_toolkit.db import make_engine  # noqa: E402
from eds_toolkit.metrics.service import ServiceCollector  # noqa: E402
from eds_toolkit.migrations import current, upgrade  # noqa: E402
from eds_toolkit.services import build_service_context  # noqa: E402
from eds_toolkit.settings import Settings  # noqa: E402
from keystore.csr import build_csr  # noqa: E402
from keystore.keys import generate_private_key  # noqa: E402

IIN = "850314312017"
LIVENESS_REFUSALS = [
    "static_frames,challenge_missing:blink,challenge_missing:open_mouth,colour_not_seen",
    "challenge_missing:turn_left",
    "face_lost",
    "colour_mismatch,rigid_plane_motion",
]
SELFIE_REFUSALS = ["no_face", "blurred", "eyes_closed", "face_off_centre,too_small"]


def stamp(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")


def enrolment_events(rng: random.Random) -> list[tuple[str, str, str | None, str | None]]:
    """(action, outcome, reason, detail) of one citizen's enrolment."""
    events: list[tuple[str, str, str | None, str | None]] = [("start", "ok", None, None)]
    if rng.random() < 0.02:
        return [*events, ("start", "undone", "sms_failed", None)]
    if rng.random() < 0.1:
        events.append(("submit_code", "refused", "code_wrong", None))
    events.append(("submit_code", "ok", None, None))
    for check, refusals, chance in (("selfie", SELFIE_REFUSALS, 0.15), ("liveness", LIVENESS_REFUSALS, 0.2)):
        if rng.random() < chance:
            reasons = rng.choice(refusals)
            verdict = {"check": check, "ok": False, "reasons": reasons.split(","), "scores": {"s": 0.4}}
            events.append((f"identify_{check}", "refused", reasons[:64], json.dumps(verdict)))
        verdict = {"check": check, "ok": True, "reasons": [], "scores": {"s": 0.9}}
        events.append((f"identify_{check}", "ok", "passed", json.dumps(verdict)))
        events.append((f"identification_{check}_ok", "ok", None, None))
    events += [
        ("identify_face_match", "ok", "passed", json.dumps({"check": "face_match", "ok": True})),
        ("identification_face_matched", "ok", None, None),
        ("set_pin", "ok", None, None),
        ("confirm_application", "ok", None, None),
        ("issue_with_csrs", "ok", None, None),
        ("owner_notice", "refused" if rng.random() < 0.01 else "ok", "certificates_issued", None),
    ]
    return events


def fill(path: Path, events: int, rng: random.Random) -> tuple[int, int]:
    """Add about ``events`` audit events; (events added, enrolments that ended issued)."""
    connection = sqlite3.connect(path)
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    seq = issued = 0
    rows = []
    while seq < events:
        for action, outcome, reason, detail in enrolment_events(rng):
            seq += 1
            at = stamp(start + dt.timedelta(seconds=seq))
            rows.append(
                (None, secrets.token_hex(32), action, outcome, None, None, reason, "127.0.0.1", detail)
                + (at, seq, secrets.token_hex(32), secrets.token_hex(32))
            )
            issued += action == "issue_with_csrs"
    connection.executemany(
        "INSERT INTO audit_events (enrolment_id, iin_hash, action, outcome, from_state, to_state, reason, "
        "client_address, detail, at, seq, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
        rows,
    )
    connection.commit()
    connection.close()
    return seq, issued


def issue_pairs(ctx: ServiceContext, pairs: int) -> int:
    """``pairs`` AUTH+SIGN pairs issued by the CA (one key per profile: the CA lets a person's key be
    certified again), a third of them then superseded; how many certificates."""
    authority = ctx.ca()
    keys = {profile: generate_private_key("rsa2048") for profile in ("auth", "sign")}
    csrs = {
        profile: build_csr(key, iin=IIN, surname="Тестов", given_name="Асан").public_bytes(Encoding.PEM)
        for profile, key in keys.items()
    }
    proof = RemoteEnrolmentProof(IIN, "Тестов", "Асан", None, True, True, True)
    requests = ((csrs[profile], proof, profile) for _ in range(pairs) for profile in ("auth", "sign"))
    serials = [issued.record.serial for issued in authority.issue_many(requests, batch_size=1000)]
    superseded = [serial for n, serial in enumerate(serials) if (n // 2) % 3 == 0]
    with ctx.session() as session:
        revoke_valid(session, superseded, ctx.now(), "superseded")
        session.commit()
    return len(serials)


def append(path: Path, count: int) -> None:
    """``count`` new events after the last one (what happens between two scrapes)."""
    connection = sqlite3.connect(path)
    last = connection.execute("SELECT MAX(seq) FROM audit_events").fetchone()[0]
    connection.executemany(
        "INSERT INTO audit_events (iin_hash, action, outcome, reason, at, seq) VALUES (?,?,?,?,?,?)",
        [
            (secrets.token_hex(32), "submit_code", "refused", "code_wrong", stamp(dt.datetime.now(dt.UTC)), n)
            for n in range(last + 1, last + 1 + count)
        ],
    )
    connection.commit()
    connection.close()


def scrape_seconds(collector: ServiceCollector) -> float:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(collector)
    started = time.perf_counter()
    generate_latest(registry)
    return time.perf_counter() - started


def collector(settings: Settings) -> tuple[ServiceCollector, Engine]:
    """A new process's collector (its tally has counted nothing yet), and its engine."""
    engine = make_engine(settings.database_url)
    ctx = build_service_context(settings, engine)
    return ServiceCollector(ctx, engine, ca_directory(settings.home), None), engine  # type: ignore[arg-type]


def measure(settings: Settings, path: Path) -> tuple[float, float]:
    """(cold scrape, median warm scrape after 100 new events) in seconds."""
    fresh, engine = collector(settings)
    cold = scrape_seconds(fresh)
    warm = []
    for _ in range(5):
        append(path, 100)
        warm.append(scrape_seconds(fresh))
    engine.dispose()
    return cold, statistics.median(warm)


def report(label: str, cold: float, warm: float) -> None:
    print(f"  {label:12} cold scrape {cold * 1000:9.1f} ms   warm scrape (+100 events) {warm * 1000:7.1f} ms")


def run(events: int, directory: Path) -> None:
    home = directory / f"home-{events}"
    home.mkdir()
    ensure_test_ca(home, "http://127.0.0.1:5000")
    path = home / "eds.sqlite3"
    settings = Settings(home=home, database_url=f"sqlite:///{path}", secret_key="benchmark-secret-key")
    engine = make_engine(settings.database_url)
    upgrade(engine, "0017")
    assert current(engine) == "0017"
    engine.dispose()
    list(collector(settings)[0].collect())  # the process's imports and first uses, on the empty database
    started = time.perf_counter()
    stored, issued = fill(path, events, random.Random(events))
    certificates = issue_pairs(build_service_context(settings), issued)
    print(
        f"\n{stored:,} audit events, {certificates:,} certificates "
        f"({path.stat().st_size / 1e6:,.0f} MB, filled in {time.perf_counter() - started:.0f} s)"
    )
    report("before 0020", *measure(settings, path))
    engine = make_engine(settings.database_url)
    started = time.perf_counter()
    upgrade(engine, "0020")
    print(f"  migration 0020 (three indexes): {time.perf_counter() - started:.1f} s")
    engine.dispose()
    report("after 0020", *measure(settings, path))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, nargs="+", default=[10_000, 1_000_000])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="eds-metrics-bench-") as directory:
        for events in args.events:
            run(events, Path(directory))


if __name__ == "__main__":
    main()
