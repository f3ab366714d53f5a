"""Locust load test of the whole citizen flow with real identification, against gunicorn with 1 and 2 workers.

For each worker count, one after the other: a fresh instance directory and database (SQLite, or a
throw-away PostgreSQL from tests/eds_toolkit/pg_server.py), a test CA, the citizens imported with
`eds citizens import`, `gunicorn eds_toolkit.wsgi:app -w N --threads T`, then
`locust -f benchmarks/load/locustfile.py --headless -u U -r U -t S --csv ...`; the server's CPU time
(master and workers, psutil) and the Locust process's own are measured over the run. Prints completed
enrolments per hour, per hour per core (the machine's cores, and per core-hour of server CPU actually
spent), p50/p95/p99 per step, and the two worker counts side by side with their ratio.

    .venv/bin/python benchmarks/load_test.py --workers 1 2 --users 4 --time 180
    .venv/bin/python benchmarks/load_test.py --scenario renewal --workers 1 2 --users 4 --time 120

``--scenario renewal``: the renewal wave. Half the users renew (``RenewingCitizen``: an AUTH-signed
challenge and two CSRs, chained renewals on a pool of citizens who got their first pair in the set-up
through the evidence-free shortcut ``tests.evidence_free.mark_identified``), the other half enrol with
real identification at the same time, as first issuance peaks with the wave.

Identification workers: by default identification runs inside the web request, so the worker count is
gunicorn's worker processes (``--threads 1`` by default: a worker does one request at a time, as a queue
worker does one job). With ``--queue`` a throw-away Redis is the job queue (``EDS_QUEUE_URL``), gunicorn
runs ``-w 1 --threads 8`` (it only waits for the checks) and the worker count is ``eds worker``
processes; the server CPU is then gunicorn's and the workers' with their work-horses.

Server settings for the load (test hooks, see the locustfile): ``EDS_LIVENESS_CHALLENGES=blink``,
``EDS_LIVENESS_SECONDS_PER_CHALLENGE=6``, ``EDS_RATELIMIT_PER_ADDRESS=1000000/minute`` (every simulated
citizen is 127.0.0.1), ``EDS_SMS_GATEWAY=outbox``; the colour challenge is on (``--no-colour`` turns it
off with ``EDS_COLOUR_CHALLENGE=0``).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack, nullcontext
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests.testdata, tests.evidence_free
sys.path.insert(0, str(ROOT / "tests" / "eds_toolkit"))  # pg_server: the tests' throw-away PostgreSQL

BIN = Path(sys.executable).parent
LOCUSTFILE = ROOT / "benchmarks" / "load" / "locustfile.py"
PIN = "385927"
SURNAMES = ("Абаев", "Бекова", "Жанов", "Исаева", "Нұров", "Оспанова", "Сейтов", "Төлеева")
ENROL_STEPS = (
    "1 start",
    "2 code",
    "3 selfie",
    "4 liveness task",
    "5 liveness frames",
    "6 id photo",
    "7 pin",
    "8 confirm application",
    "9 certificates",
    "enrolment (whole flow)",
)
RENEW_STEPS = ("R1 challenge", "R2 renew", "renewal (whole)")


# --- citizens and their keys, made once and cached (the citizen's CPU, not the server's) -------------


def person(n: int) -> dict:
    """Citizen ``n``: a valid IIN, a phone of their own, an AUTH key and two CSRs naming the IIN."""
    from cryptography.hazmat.primitives import serialization

    from keystore.csr import build_csr
    from keystore.keys import generate_private_key
    from national_profile.iin import make_iin

    birth = dt.date(1955, 1, 1) + dt.timedelta(days=11 * n)
    iin = make_iin(birth, "M" if n % 2 else "F", 1000 + n % 9000)
    keys = [generate_private_key("rsa2048") for _ in range(2)]
    csrs = [
        build_csr(key, iin=iin, surname="Нагрузка", given_name="Азамат")
        .public_bytes(serialization.Encoding.PEM)
        .decode()
        for key in keys
    ]
    auth_key = keys[0].private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return {
        "iin": iin,
        "birth_date": birth.isoformat(),
        "phone": f"+7705{2000000 + n:07d}",
        "surname": SURNAMES[n % len(SURNAMES)],
        "auth_csr": csrs[0],
        "sign_csr": csrs[1],
        "auth_key": auth_key.decode(),
    }


def prepared_people(count: int, cache: Path) -> list[dict]:
    """``count`` citizens, from ``cache`` when it holds enough (RSA keys take ~0.05 s each)."""
    if cache.is_file():
        people = json.loads(cache.read_text())
        if len(people) >= count:
            return people[:count]
    print(f"making {count} citizens with {2 * count} client-side RSA-2048 keys ...", file=sys.stderr)
    if count <= 50:  # a few: in this process (the tests load this file by path, which a pool cannot pickle)
        people = [person(n) for n in range(count)]
    else:
        with ProcessPoolExecutor(2) as pool:
            people = list(pool.map(person, range(count), chunksize=16))
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text(json.dumps(people))
    return people


def write_citizens_csv(directory: Path, people: list[dict]) -> Path:
    """The register as `eds citizens import` reads it; every state photo is the d18 person's."""
    from tests.testdata import shared_file

    shutil.copy(shared_file("faces/liveportrait_person_d18.jpg"), directory / "face.jpg")
    path = directory / "citizens.csv"
    with path.open("w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["iin", "surname", "given_name", "patronymic", "birth_date", "phone", "photo"])
        for p in people:
            writer.writerow([p["iin"], p["surname"], "Азамат", "", p["birth_date"], p["phone"], "face.jpg"])
    return path


# --- the server --------------------------------------------------------------------------------------


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(home: Path, database_url: str, port: int, *, colour: bool) -> dict[str, str]:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        "EDS_HOME": str(home),
        "EDS_DATABASE_URL": database_url,
        "EDS_BASE_URL": f"http://127.0.0.1:{port}",
        "EDS_SMS_GATEWAY": "outbox",
        "EDS_SECURE_COOKIES": "0",
        "EDS_RATELIMIT_PER_ADDRESS": "1000000/minute",  # every simulated citizen is 127.0.0.1
        "EDS_LIVENESS_CHALLENGES": "blink",  # test hook: the movement the d18 clip shows
        "EDS_LIVENESS_SECONDS_PER_CHALLENGE": "6",  # the colour check needs 5 s of recording
    }
    if not colour:
        env["EDS_COLOUR_CHALLENGE"] = "0"
    return env


def start_gunicorn(env: dict[str, str], port: int, workers: int, threads: int, log: Path) -> subprocess.Popen:
    command = [str(BIN / "gunicorn"), "-w", str(workers), "--threads", str(threads)]
    command += [
        "-b",
        f"127.0.0.1:{port}",
        "--timeout",
        "300",
        "--log-level",
        "warning",
        "eds_toolkit.wsgi:app",
    ]
    server = subprocess.Popen(command, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 120
    while True:
        try:
            requests.get(f"http://127.0.0.1:{port}/api/v1/openapi.json", timeout=5)
            return server
        except requests.RequestException:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                raise RuntimeError(f"gunicorn did not start:\n{log.read_text()[-3000:]}") from None
            time.sleep(0.2)


def start_queue_worker(env: dict[str, str], log: Path) -> subprocess.Popen:
    """`eds worker` on the run's queue, once it has registered with Redis."""
    from redis import Redis
    from rq import Worker

    output = log.open("w")
    process = subprocess.Popen([str(BIN / "eds"), "worker"], env=env, stdout=output, stderr=subprocess.STDOUT)
    connection = Redis.from_url(env["EDS_QUEUE_URL"])
    deadline = time.monotonic() + 120
    while not any(f".{process.pid}." in w.name for w in Worker.all(connection=connection)):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"eds worker did not start:\n{log.read_text()[-3000:]}")
        time.sleep(0.2)
    return process


def queue_workers_cpu_seconds(workers: list[subprocess.Popen]) -> float:
    """User + system CPU of `eds worker` processes and their finished work-horses."""
    import psutil

    total = 0.0
    for worker in workers:
        try:
            times = psutil.Process(worker.pid).cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system + times.children_user + times.children_system
    return total


def server_cpu_seconds(server: subprocess.Popen) -> float:
    """User + system CPU of gunicorn's master and its live workers."""
    import psutil

    total = 0.0
    master = psutil.Process(server.pid)
    for process in [master, *master.children(recursive=True)]:
        try:
            times = process.cpu_times()
            total += times.user + times.system
        except psutil.NoSuchProcess:
            pass
    return total


def machine_busy_seconds() -> float:
    """CPU seconds the whole machine spent busy so far (every process, all cores)."""
    import psutil

    times = psutil.cpu_times()
    return sum(times) - times.idle - getattr(times, "iowait", 0.0)


def issue_first_pairs(env: dict[str, str], home: Path, base: str, people: list[dict]) -> list[dict]:
    """The renewal pool's first pairs, issued in the set-up with identification marked by the library."""
    from eds_toolkit.services import build_service_context
    from eds_toolkit.settings import Settings
    from eds_toolkit.sms import last_code_for
    from tests.evidence_free import mark_identified

    ctx = build_service_context(Settings.from_env(env, home=home))
    pool = []
    for p in people:
        started = requests.post(f"{base}/api/v1/enrolments", json={"iin": p["iin"]}, timeout=60)
        started.raise_for_status()
        body = started.json()
        auth = {"Authorization": f"Bearer {body['token']}"}
        url = f"{base}/api/v1/enrolments/{body['id']}"
        for _ in range(600):
            code = last_code_for(home / "outbox.jsonl", p["phone"])
            if code:
                break
            time.sleep(0.05)
        requests.post(f"{url}/code", json={"code": code}, headers=auth, timeout=60).raise_for_status()
        mark_identified(ctx, body["id"])
        pin = {"pin": PIN, "pin_confirmation": PIN}
        requests.post(f"{url}/pin", json=pin, headers=auth, timeout=60).raise_for_status()
        requests.post(f"{url}/application/confirm", headers=auth, timeout=60).raise_for_status()
        csrs = {"auth_csr": p["auth_csr"], "sign_csr": p["sign_csr"]}
        issued = requests.post(f"{url}/certificates", json=csrs, headers=auth, timeout=60)
        issued.raise_for_status()
        pair = issued.json()
        pool.append({**p, "auth_certificate": pair["auth_certificate"], "chain": pair["chain"]})
    return pool


# --- one run ----------------------------------------------------------------------------------------


def read_stats(prefix: Path) -> dict[str, dict]:
    stats = {}
    with open(f"{prefix}_stats.csv", newline="") as file:
        for row in csv.DictReader(file):
            stats[row["Name"]] = row
    return stats


def run(
    *,
    workers: int,
    threads: int,
    users: int,
    seconds: int,
    scenario: str,
    database: str,
    people: list[dict],
    renew_pool_size: int,
    colour: bool,
    out: Path,
    fps: float = 10,
    queue: bool = False,
) -> dict:
    from pg_server import running_postgres
    from redis_server import running_redis

    from eds_toolkit.bootstrap import ensure_test_ca

    label = f"{scenario}-{'q' if queue else 'w'}{workers}"
    home = Path(tempfile.mkdtemp(prefix=f"eds-load-{label}-"))
    renewers, enrollers = (
        (people[:renew_pool_size], people[renew_pool_size:])
        if scenario.startswith("renewal")
        else ([], people)
    )
    with ExitStack() as stack:
        postgres = stack.enter_context(running_postgres() if database == "postgresql" else nullcontext())
        url = postgres.url if postgres else f"sqlite:///{home / 'eds.sqlite3'}"
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = server_env(home, url, port, colour=colour)
        ensure_test_ca(home, base)
        if queue:
            env["EDS_QUEUE_URL"] = stack.enter_context(running_redis()).url
            server = start_gunicorn(env, port, 1, 8, out / f"{label}-gunicorn.log")
        else:
            server = start_gunicorn(env, port, workers, threads, out / f"{label}-gunicorn.log")
        queue_workers: list[subprocess.Popen] = []

        def stop() -> None:
            for process in [server, *queue_workers]:
                process.terminate()
                process.wait(timeout=60)

        stack.callback(stop)
        if queue:
            queue_workers += [start_queue_worker(env, out / f"{label}-worker{i}.log") for i in range(workers)]
        imported = subprocess.run(
            [str(BIN / "eds"), "citizens", "import", str(write_citizens_csv(home, people))],
            env=env,
            capture_output=True,
            text=True,
        )
        if imported.returncode:
            raise RuntimeError(f"eds citizens import: {imported.stderr}")
        pool = issue_first_pairs(env, home, base, renewers) if renewers else []
        citizens_file = home / "load-citizens.json"
        citizens_file.write_text(json.dumps({"enrol": enrollers, "renew": pool}))
        classes = {
            "enrol": ["EnrollingCitizen"],
            "renewal": ["EnrollingCitizen", "RenewingCitizen"],
            "renewal-only": ["RenewingCitizen"],
        }[scenario]
        prefix = out / label
        command = [
            str(BIN / "locust"),
            "-f",
            str(LOCUSTFILE),
            "--headless",
            "-u",
            str(users),
            "-r",
            str(users),
        ]
        command += [
            "-t",
            f"{seconds}s",
            "--host",
            base,
            "--csv",
            str(prefix),
            "--only-summary",
            "--stop-timeout",
            "0",
        ]
        locust_env = {
            **env,
            "EDS_LOAD_CITIZENS": str(citizens_file),
            "EDS_LOAD_OUTBOX": str(home / "outbox.jsonl"),
            "EDS_LOAD_FPS": str(fps),
        }
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu_before = server_cpu_seconds(server) + queue_workers_cpu_seconds(queue_workers)
        busy_before = machine_busy_seconds()
        began = time.perf_counter()
        finished = subprocess.run(
            [*command, *classes], env=locust_env, capture_output=True, text=True, timeout=seconds + 600
        )
        wall = time.perf_counter() - began
        cpu_server = server_cpu_seconds(server) + queue_workers_cpu_seconds(queue_workers) - cpu_before
        busy = machine_busy_seconds() - busy_before
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        log = finished.stdout + finished.stderr
        (out / f"{label}-locust.log").write_text(log)
        prepared = re.search(r"prepared_cpu_s=([0-9.]+)", log)
    shutil.rmtree(home, ignore_errors=True)
    stats = read_stats(prefix)
    preparing = float(prepared.group(1)) if prepared else 0.0
    locust_cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime) - preparing
    completed = int(stats.get("enrolment (whole flow)", {}).get("Request Count") or 0)
    renewed = int(stats.get("renewal (whole)", {}).get("Request Count") or 0)
    aggregated = stats.get("Aggregated", {})
    return {
        "label": label,
        "workers": workers,
        "queue": queue,
        "threads": threads,
        "users": users,
        "seconds": seconds,
        "database": database,
        "colour_challenge": colour,
        "fps": fps,
        "wall_seconds": round(wall, 1),
        "completed": completed,
        "renewed": renewed,
        "requests": int(aggregated.get("Request Count") or 0),
        "failures": int(aggregated.get("Failure Count") or 0),
        "server_cpu_seconds": round(cpu_server, 1),
        # during the run: its CPU less the frames' preparation before the first user
        "locust_cpu_seconds": round(locust_cpu, 1),
        # the shared machine: what every other process took meanwhile (other sessions' work)
        "machine_busy_seconds": round(busy, 1),
        "other_cpu_seconds": round(max(0.0, busy - cpu_server - locust_cpu - preparing), 1),
        "locust_exit": finished.returncode,
        "steps": {
            name: {
                "count": int(row["Request Count"]),
                "failures": int(row["Failure Count"]),
                "p50": row["50%"],
                "p95": row["95%"],
                "p99": row["99%"],
            }
            for name, row in stats.items()
            if name != "Aggregated"
        },
    }


def per_hour(result: dict, key: str) -> float:
    return result[key] / result["seconds"] * 3600


def report(results: list[dict], cores: int) -> None:
    for result in results:
        serving = (
            f"gunicorn -w 1 --threads 8 and {result['workers']} eds worker"
            if result.get("queue")
            else f"gunicorn -w {result['workers']} --threads {result['threads']}"
        )
        print(
            f"\n{result['label']}: {serving}, "
            f"{result['users']} Locust users, {result['seconds']} s, {result['database']}, colour challenge "
            f"{'on' if result['colour_challenge'] else 'OFF'}, video at {result['fps']:g} frames/s; "
            f"{result['requests']} requests, "
            f"{result['failures']} failed (locust exit {result['locust_exit']})"
        )
        print(
            f"  CPU over the run: server {result['server_cpu_seconds']} s, "
            f"Locust {result['locust_cpu_seconds']} s, "
            f"other processes {result['other_cpu_seconds']} s, of {cores * result['wall_seconds']:.0f} "
            f"core-seconds ({cores} cores x {result['wall_seconds']} s wall)"
        )
    print()
    header = f"{'':<44}" + "".join(f"{r['label']:>16}" for r in results)
    if len(results) == 2:
        header += f"{'ratio':>10}"
    print(header)

    def line(name: str, values: list[float], digits: int = 0) -> None:
        text = f"{name:<44}" + "".join(f"{v:>16.{digits}f}" for v in values)
        if len(values) == 2 and values[0]:
            text += f"{values[1] / values[0]:>10.2f}"
        print(text)

    mixed = any(r["completed"] and r["renewed"] for r in results)
    for key, what in (("completed", "enrolments"), ("renewed", "renewals")):
        if not any(r[key] for r in results):
            continue
        line(f"completed {what}", [r[key] for r in results])
        line(f"{what} per hour", [per_hour(r, key) for r in results])
        line(f"{what} per hour per core ({cores} cores)", [per_hour(r, key) / cores for r in results])
        if mixed:  # the server's CPU is both kinds': see the single-kind scenarios for CPU per item
            continue
        line(
            f"server CPU s per {what[:-1]} (all of it)",
            [r["server_cpu_seconds"] / r[key] if r[key] else 0 for r in results],
            2,
        )
        line(
            f"{what} per server core-hour",
            [3600 * r[key] / r["server_cpu_seconds"] if r["server_cpu_seconds"] else 0 for r in results],
        )
    names = [n for n in (*ENROL_STEPS, *RENEW_STEPS) if any(n in r["steps"] for r in results)]
    print(f"\n{'step p50 / p95 / p99 ms':<28}" + "".join(f"{r['label']:>26}" for r in results))
    for name in names:
        cells = []
        for r in results:
            s = r["steps"].get(name)
            cells.append(
                f"{s['p50']} / {s['p95']} / {s['p99']}" + (f" ({s['failures']}F)" if s["failures"] else "")
                if s
                else "-"
            )
        print(f"{name:<28}" + "".join(f"{c:>26}" for c in cells))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--workers", type=int, nargs="+", default=[1, 2], help="gunicorn worker counts, run in turn"
    )
    parser.add_argument("--threads", type=int, default=1, help="gunicorn threads per worker")
    parser.add_argument("--users", type=int, default=4, help="concurrent Locust users (citizens)")
    parser.add_argument("--time", type=int, default=180, help="seconds per run")
    parser.add_argument("--scenario", choices=("enrol", "renewal", "renewal-only"), default="enrol")
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--citizens", type=int, default=600, help="citizens prepared (one per enrolment)")
    parser.add_argument("--renewal-pool", type=int, default=20, help="renewal scenario: citizens who renew")
    parser.add_argument("--fps", type=float, default=10, help="frames a second of the video sent (max 25)")
    parser.add_argument("--no-colour", action="store_true", help="EDS_COLOUR_CHALLENGE=0 on the server")
    parser.add_argument(
        "--queue", action="store_true", help="identification on a Redis job queue (--workers: eds workers)"
    )
    parser.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "eds-load")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    people = prepared_people(args.citizens, args.out / f"citizens-{args.citizens}.json")
    results = []
    for workers in args.workers:  # one after the other, never at once
        print(
            f"run: {args.scenario}, {'eds worker x' if args.queue else 'gunicorn -w'} {workers}, "
            f"{args.users} users, {args.time} s ...",
            file=sys.stderr,
        )
        results.append(
            run(
                workers=workers,
                threads=args.threads,
                users=args.users,
                seconds=args.time,
                scenario=args.scenario,
                database=args.database,
                people=people,
                renew_pool_size=args.renewal_pool,
                colour=not args.no_colour,
                fps=args.fps,
                out=args.out,
                queue=args.queue,
            )
        )
    report(results, os.cpu_count() or 1)
    raw = args.out / f"{args.scenario}{'-queue' if args.queue else ''}-results.json"
    raw.write_text(json.dumps(results, indent=2))
    print(f"\nraw: {raw}, Locust CSVs and logs in {args.out}")


if __name__ == "__main__":
    main()
