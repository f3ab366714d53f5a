"""Load benchmark of the citizen flow: N simulated citizens through the whole enrolment against gunicorn
(2 workers) on loopback, with SQLite and with PostgreSQL.

Each citizen: POST /enrolments -> code read from the SMS outbox -> POST /code -> identification
marked without pictures (`tests.evidence_free.mark_identified`: this benchmark measures the rest)
-> POST /pin -> POST /application/confirm -> POST /certificates with two CSRs made beforehand
(client-side keys are the citizen's CPU, not the server's).
Reports completed enrolments per minute and p50/p95/p99 latency per step.

    .venv/bin/python benchmarks/flow.py --citizens 200 --concurrency 8 --database both
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import ExitStack, nullcontext
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests.evidence_free: identification marked without pictures
sys.path.insert(0, str(ROOT / "tests" / "eds_toolkit"))  # pg_server: the tests' throw-away PostgreSQL

STEPS = ("start", "code", "identify (library)", "pin", "certificates")
PIN = "385927"


def make_csrs(iin: str) -> tuple[str, str]:
    from cryptography.hazmat.primitives import serialization

    from keystore.csr import build_csr
    from keystore.keys import generate_private_key

    pems = []
    for _ in range(2):
        csr = build_csr(generate_private_key("rsa2048"), iin=iin, surname="Bench", given_name="Citizen")
        pems.append(csr.public_bytes(serialization.Encoding.PEM).decode())
    return pems[0], pems[1]


def citizens(count: int) -> list[tuple[str, str]]:
    """``count`` valid IINs with distinct phones (+7 700 1xx xx xx)."""
    from national_profile.iin import make_iin

    people = []
    for n in range(count):
        birth = dt.date(1960, 1, 1) + dt.timedelta(days=97 * n)
        people.append((make_iin(birth, "M" if n % 2 else "F", 1000 + n), f"+7700{1000000 + n:07d}"))
    return people


STATE_PHOTO = (
    Path(__file__).resolve().parents[2] / "shared" / "testdata" / "faces" / "liveportrait_person_d18.jpg"
)


def seed_citizens(database_url: str, people: list[tuple[str, str]]) -> None:
    from eds_toolkit.citizens import add_citizen, make_record
    from eds_toolkit.db import make_engine, make_sessionmaker
    from eds_toolkit.migrations import upgrade
    from national_profile.iin import parse_iin

    engine = make_engine(database_url)
    upgrade(engine)
    photo = (
        STATE_PHOTO.read_bytes()
    )  # remote issuance needs a state photo on record (docs/identity-binding.md)
    with make_sessionmaker(engine)() as session:
        for iin, phone in people:
            birth = parse_iin(iin).birth_date
            record = make_record(
                iin=iin, surname="Бенчмарк", given_name="Азамат", birth_date=birth, phone=phone, photo=photo
            )
            add_citizen(session, record)
        session.commit()
    engine.dispose()


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def run(database: str, count: int, concurrency: int, csrs: list[tuple[str, str]]) -> dict:
    from pg_server import running_postgres

    from eds_toolkit.services import build_service_context
    from eds_toolkit.settings import Settings
    from eds_toolkit.sms import last_code_for
    from tests.evidence_free import mark_identified  # the evidence-free shortcut, kept in tests/

    people = citizens(count)
    home = Path(tempfile.mkdtemp(prefix=f"eds-bench-{database}-"))
    with ExitStack() as stack:
        postgres = stack.enter_context(running_postgres() if database == "postgresql" else nullcontext())
        url = postgres.url if postgres else f"sqlite:///{home / 'eds.sqlite3'}"
        env = {
            **os.environ,
            "EDS_HOME": str(home),
            "EDS_DATABASE_URL": url,
            "EDS_SMS_GATEWAY": "outbox",
            "EDS_CREATE_TEST_CA": "1",
            "EDS_RATELIMIT_ENABLED": "0",  # every simulated citizen comes from 127.0.0.1
            "EDS_SECURE_COOKIES": "0",
        }
        seed_citizens(url, people)
        port = free_port()
        server = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "gunicorn"),
                "-w",
                "2",
                "-b",
                f"127.0.0.1:{port}",
                "--threads",
                "4",
                "--log-level",
                "warning",
                "eds_toolkit.wsgi:app",
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        stack.callback(lambda: (server.terminate(), server.wait(timeout=20)))
        base = f"http://127.0.0.1:{port}/api/v1"
        deadline = time.monotonic() + 120
        while True:
            try:
                requests.get(base + "/openapi.json", timeout=5)
                break
            except requests.RequestException:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"gunicorn did not start: {server.stderr.read()}") from None
                time.sleep(0.2)
        ctx = build_service_context(Settings.from_env(env, home=home))
        outbox = home / "outbox.jsonl"
        timings: dict[str, list[float]] = {step: [] for step in STEPS}
        failures: list[str] = []

        def timed(step: str, call):
            began = time.perf_counter()
            result = call()
            timings[step].append(time.perf_counter() - began)
            return result

        def enrol(index: int) -> bool:
            iin, phone = people[index]
            http = requests.Session()
            try:
                started = timed(
                    "start", lambda: http.post(f"{base}/enrolments", json={"iin": iin}, timeout=60)
                )
                started.raise_for_status()
                body = started.json()
                auth = {"Authorization": f"Bearer {body['token']}"}
                url = f"{base}/enrolments/{body['id']}"
                code = None
                for _ in range(100):
                    code = last_code_for(outbox, phone)
                    if code:
                        break
                    time.sleep(0.02)
                response = timed(
                    "code", lambda: http.post(f"{url}/code", json={"code": code}, headers=auth, timeout=60)
                )
                response.raise_for_status()
                timed("identify (library)", lambda: mark_identified(ctx, body["id"]))
                pin = {"pin": PIN, "pin_confirmation": PIN}
                timed(
                    "pin", lambda: http.post(f"{url}/pin", json=pin, headers=auth, timeout=60)
                ).raise_for_status()
                http.post(f"{url}/application/confirm", headers=auth, timeout=60).raise_for_status()
                auth_csr, sign_csr = csrs[index]
                issued = timed(
                    "certificates",
                    lambda: http.post(
                        f"{url}/certificates",
                        json={"auth_csr": auth_csr, "sign_csr": sign_csr},
                        headers=auth,
                        timeout=60,
                    ),
                )
                issued.raise_for_status()
                return True
            except Exception as error:  # counted and reported, the run goes on
                failures.append(f"{iin}: {error}")
                return False

        began = time.perf_counter()
        with ThreadPoolExecutor(concurrency) as pool:
            completed = sum(pool.map(enrol, range(count)))
        wall = time.perf_counter() - began
    shutil.rmtree(home, ignore_errors=True)
    return {
        "database": database,
        "citizens": count,
        "concurrency": concurrency,
        "completed": completed,
        "failures": failures[:5],
        "wall_seconds": round(wall, 2),
        "enrolments_per_minute": round(completed / wall * 60, 1),
        "postgres_start_seconds": round(postgres.start_seconds, 2) if postgres else None,
        "steps_ms": {
            step: {
                "p50": round(statistics.median(values) * 1000, 1),
                "p95": round(percentile(values, 95) * 1000, 1),
                "p99": round(percentile(values, 99) * 1000, 1),
            }
            for step, values in timings.items()
            if values
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--citizens", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    args = parser.parse_args()
    people = citizens(args.citizens)
    print(f"making {2 * args.citizens} client-side RSA-2048 CSRs ...", file=sys.stderr)
    with ProcessPoolExecutor(2) as pool:
        csrs = list(pool.map(make_csrs, [iin for iin, _ in people], chunksize=8))
    databases = ("sqlite", "postgresql") if args.database == "both" else (args.database,)
    results = [run(database, args.citizens, args.concurrency, csrs) for database in databases]
    for result in results:
        print(
            f"\n{result['database']}: {result['completed']}/{result['citizens']} enrolments in "
            f"{result['wall_seconds']} s = {result['enrolments_per_minute']} per minute "
            f"(concurrency {result['concurrency']}, gunicorn 2 workers x 4 threads)"
        )
        print(f"{'step':<20}{'p50 ms':>10}{'p95 ms':>10}{'p99 ms':>10}")
        for step, figures in result["steps_ms"].items():
            print(f"{step:<20}{figures['p50']:>10}{figures['p95']:>10}{figures['p99']:>10}")
        if result["failures"]:
            print("failures (first 5):", *result["failures"], sep="\n  ")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
