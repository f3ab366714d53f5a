"""Renewal-wave benchmark: N pairs about to expire, all reminded, then all renewed; SQLite and PostgreSQL.

Run:  .venv/bin/python benchmarks/renewal_wave.py          (N = 200 and 1000 on both databases: about
                                                            6 minutes, 2.5 of them making citizens' keys)
      .venv/bin/python benchmarks/renewal_wave.py --counts 50,200 --databases sqlite   (a quick look)

For each database and N, in fresh processes:
- setup (not timed in the rates): a CA created two years back; N citizens with phones; N AUTH+SIGN pairs
  issued by that CA with its clock set a year back (ServiceCentreProof), so they expire within 1-25 days;
  the citizens' RSA-2048 keys come from a pool made once for the whole run (key generation is the
  citizen's machine's work, not the service's);
- the wave, in a second process (so its peak memory is the wave's): ``send_due_reminders`` sends every
  pair its due reminder (the outbox gateway: a real file append per SMS; two commits and an audit event
  per reminder), then each citizen renews: ``start_renewal``, the challenge signed (CMS) with their AUTH
  key, ``complete_renewal`` with two CSRs (the same keys as before: the CA's work is that of new ones).

Prints pairs per second (wall clock) for each phase and for the whole wave, the wave's pairs per
CPU-second of the service's process (other processes share the 2 cores; PostgreSQL's own CPU is not in
it), peak memory (ru_maxrss) and its growth over the process's state before the wave, and the N-to-N
ratios: a rate ratio near 1 and a memory growth that does not rise with N mean the wave scales
linearly in time and flat in memory.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cryptography import x509  # noqa: E402
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import rsa  # noqa: E402
from cryptography.x509.oid import NameOID  # noqa: E402

PASSPHRASE = b"benchmark passphrase, not secret"
SECRET_KEY = "renewal-wave-benchmark-secret-key-0123"


def make_key_pool(path: Path, count: int) -> None:
    """``count`` RSA-2048 keys, PEM, one after another in ``path``."""
    with path.open("wb") as out:
        for _ in range(count):
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            out.write(
                key.private_bytes(
                    serialization.Encoding.PEM,
                    serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption(),
                )
            )


def read_key_pool(path: Path, count: int) -> list[bytes]:
    marker = b"-----END PRIVATE KEY-----\n"
    chunks = [chunk for chunk in path.read_bytes().split(marker) if b"BEGIN PRIVATE KEY" in chunk]
    return [chunk + marker for chunk in chunks[:count]]


def csr_pem(key, iin: str) -> str:
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, "ТЕСТОВ ТЕСТ"),
            x509.NameAttribute(NameOID.SURNAME, "ТЕСТОВ"),
            x509.NameAttribute(NameOID.SERIAL_NUMBER, f"IIN{iin}"),
            x509.NameAttribute(NameOID.COUNTRY_NAME, "KZ"),
        ]
    )
    csr = x509.CertificateSigningRequestBuilder().subject_name(subject).sign(key, hashes.SHA256())
    return csr.public_bytes(serialization.Encoding.PEM).decode()


def settings_for(home: Path, url: str):
    from eds_toolkit.settings import Settings

    return Settings(
        home=home,
        database_url=url,
        secret_key=SECRET_KEY,
        sms_gateway="outbox",
        ca_passphrase=PASSPHRASE,
        base_url="https://eds.example.kz",
    )


def setup_child(home: Path, url: str, pool: Path, count: int) -> None:
    """The CA, the citizens and the expiring pairs; the holders' keys, certificates and CSRs to a file."""
    from ca.authority import CertificateAuthority, add_years
    from ca.proofs.service_centre import ServiceCentreProof
    from ca.store import CertificateStore
    from eds_toolkit.citizens import Citizen
    from eds_toolkit.db import make_engine, make_sessionmaker
    from eds_toolkit.migrations import upgrade
    from national_profile.iin import make_iin

    began = time.perf_counter()
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    CertificateAuthority.initialise(home / "ca", PASSPHRASE, clock=lambda: add_years(now, -2))
    engine = make_engine(url)
    upgrade(engine)
    authority = CertificateAuthority.load(home / "ca", PASSPHRASE, CertificateStore(engine))
    pems = read_key_pool(pool, 2 * count)
    keys = [
        serialization.load_pem_private_key(pem, None, unsafe_skip_rsa_key_validation=True) for pem in pems
    ]
    holders = []
    sessions = make_sessionmaker(engine)
    with sessions() as session:
        iins = [make_iin(dt.date(1960, 1, 1) + dt.timedelta(days=n), "M", 1) for n in range(count)]
        for n, iin in enumerate(iins):
            session.add(
                Citizen(
                    iin=iin,
                    surname="ТЕСТОВ",
                    given_name="ТЕСТ",
                    birth_date=dt.date(1960, 1, 1) + dt.timedelta(days=n),
                    phone=f"+7701{n:07d}",
                    updated_at=now,
                )
            )
        session.commit()
    for n, iin in enumerate(iins):
        expires = now + dt.timedelta(days=1 + n % 25, hours=6)
        backdated = authority.replace(clock=lambda moment=add_years(expires, -1): moment)
        proof = ServiceCentreProof("bench-operator", f"N{n:07d}", iin, "Тестов", "Тест")
        auth_key, sign_key = keys[2 * n], keys[2 * n + 1]
        auth_csr, sign_csr = csr_pem(auth_key, iin), csr_pem(sign_key, iin)
        auth = backdated.issue(auth_csr.encode(), proof, "auth", enrolment_id=f"bench-{n}")
        backdated.issue(sign_csr.encode(), proof, "sign", enrolment_id=f"bench-{n}")
        holders.append(
            {
                "key": pems[2 * n].decode(),
                "auth": auth.pem().decode(),
                "auth_csr": auth_csr,
                "sign_csr": sign_csr,
            }
        )
    (home / "holders.json").write_text(json.dumps(holders))
    engine.dispose()
    print(json.dumps({"setup_seconds": time.perf_counter() - began}))


def wave_child(home: Path, url: str, count: int) -> None:
    """Remind every pair, then renew every pair; print the timings and memory as JSON."""
    from eds_agent.cms import sign_cms
    from eds_toolkit.reminders import ReminderPolicy, send_due_reminders, wave_status
    from eds_toolkit.renewal import complete_renewal, start_renewal
    from eds_toolkit.services import build_service_context
    from eds_toolkit.sms import read_outbox

    settings = settings_for(home, url)
    ctx = build_service_context(settings)
    policy = ReminderPolicy.from_settings(settings)
    holders = [
        (
            # our own keys: the (slow) RSA consistency check of each is skipped
            serialization.load_pem_private_key(h["key"].encode(), None, unsafe_skip_rsa_key_validation=True),
            x509.load_pem_x509_certificate(h["auth"].encode()),
            h["auth_csr"],
            h["sign_csr"],
        )
        for h in json.loads((home / "holders.json").read_text())
    ]
    chain = ctx.ca().chain
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    began, cpu = time.perf_counter(), time.process_time()
    summary = send_due_reminders(ctx, policy)
    remind_seconds, remind_cpu = time.perf_counter() - began, time.process_time() - cpu
    assert sum(summary.sent.values()) == count, summary
    assert len(read_outbox(home / "outbox.jsonl")) == count

    began, cpu = time.perf_counter(), time.process_time()
    renew_server = 0.0
    for key, auth, auth_csr, sign_csr in holders:
        challenge = start_renewal(ctx)
        cms = sign_cms(challenge.data, key, auth, chain, attached=False)
        started = time.perf_counter()
        pair = complete_renewal(ctx, challenge.id, cms, auth_csr, sign_csr)
        renew_server += time.perf_counter() - started
        assert len(pair.superseded_serials) == 2
    renew_seconds, renew_cpu = time.perf_counter() - began, time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    status = wave_status(ctx, policy, days=30)
    assert status.pairs["renewed"] == count and status.reminded == count, status
    print(
        json.dumps(
            {
                "remind_seconds": remind_seconds,
                "renew_seconds": renew_seconds,
                "complete_renewal_seconds": renew_server,
                "remind_cpu": remind_cpu,
                "renew_cpu": renew_cpu,
                "baseline_kib": baseline,
                "peak_kib": peak,
                "by_days": {str(k): v for k, v in summary.sent.items()},
            }
        )
    )


def run_child(*arguments: str) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, *arguments], capture_output=True, text=True, env={**os.environ}
    )
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(arguments[:2])} failed:\n{done.stdout}\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure(database: str, url_for, pool: Path, count: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="renewal-wave-") as directory:
        home = Path(directory)
        url = url_for(home)
        setup = run_child("--setup-child", str(home), url, str(pool), str(count))
        wave = run_child("--wave-child", str(home), url, str(count))
    return {"database": database, "count": count, **setup, **wave}


def print_rows(rows: list[dict]) -> None:
    print(
        f"{'database':11}{'pairs':>6}{'remind':>10}{'renew':>10}{'wave':>10}{'wave/CPU-s':>12}{'complete_renewal':>18}"
        f"{'peak':>9}{'growth':>9}{'setup':>9}"
    )
    print(
        f"{'':17}{'pairs/s':>10}{'pairs/s':>10}{'pairs/s':>10}{'pairs/s':>12}{'ms each (mean)':>18}"
        f"{'MiB':>9}{'MiB':>9}{'s':>9}"
    )
    for row in rows:
        n = row["count"]
        print(
            f"{row['database']:11}{n:6}{n / row['remind_seconds']:10.1f}{n / row['renew_seconds']:10.1f}"
            f"{n / (row['remind_seconds'] + row['renew_seconds']):10.1f}"
            f"{n / (row['remind_cpu'] + row['renew_cpu']):12.1f}"
            f"{1000 * row['complete_renewal_seconds'] / n:18.1f}"
            f"{row['peak_kib'] / 1024:9.1f}{(row['peak_kib'] - row['baseline_kib']) / 1024:9.1f}"
            f"{row['setup_seconds']:9.1f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--counts", default="200,1000")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument(
        "--key-pool", type=Path, help="keep the citizens' keys in this file and reuse them in the next run"
    )
    parser.add_argument("--setup-child", nargs=4, help=argparse.SUPPRESS)
    parser.add_argument("--wave-child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.setup_child:
        home, url, pool, count = args.setup_child
        setup_child(Path(home), url, Path(pool), int(count))
        return
    if args.wave_child:
        home, url, count = args.wave_child
        wave_child(Path(home), url, int(count))
        return

    counts = [int(c) for c in args.counts.split(",")]
    databases = args.databases.split(",")
    print(f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}; Python {sys.version.split()[0]}")
    with tempfile.TemporaryDirectory(prefix="renewal-wave-keys-") as keys:
        pool = args.key_pool or Path(keys) / "pool.pem"
        wanted = 2 * max(counts)
        if not pool.exists() or len(read_key_pool(pool, wanted)) < wanted:
            began = time.perf_counter()
            make_key_pool(pool, wanted)
            print(
                f"{wanted} citizens' RSA-2048 keys made in {time.perf_counter() - began:.0f} s (not counted)"
            )
        rows = []
        for database in databases:
            if database == "sqlite":
                rows += [
                    measure("sqlite", lambda home: f"sqlite:///{home / 'eds.sqlite3'}", pool, n)
                    for n in counts
                ]
            elif database == "postgresql":
                rows += postgres_rows(pool, counts)
            else:
                raise SystemExit(f"unknown database {database!r}: sqlite or postgresql")
    print("\nRenewal wave: each pair reminded (one SMS), then renewed (challenge, CMS, complete_renewal)")
    print_rows(rows)
    for database in databases:
        mine = [row for row in rows if row["database"] == database]
        small, large = mine[0], mine[-1]
        if small is large:
            continue
        rate = lambda row: row["count"] / (row["remind_seconds"] + row["renew_seconds"])  # noqa: E731
        cpu = lambda row: row["count"] / (row["remind_cpu"] + row["renew_cpu"])  # noqa: E731
        growth = lambda row: (row["peak_kib"] - row["baseline_kib"]) / 1024  # noqa: E731
        print(
            f"{database}: {large['count']} vs {small['count']} pairs: "
            f"wave rate x{rate(large) / rate(small):.2f}, per CPU-second x{cpu(large) / cpu(small):.2f} "
            f"(1.00 = linear time); memory growth {growth(small):.1f} -> {growth(large):.1f} MiB"
        )
    print(f"at {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, load {os.getloadavg()[0]:.1f}")


def postgres_rows(pool: Path, counts: list[int]) -> list[dict]:
    """One throw-away PostgreSQL (as the tests start it), a fresh database per run."""
    from tests.eds_toolkit.pg_server import empty_database, running_postgres

    rows = []
    with running_postgres() as server:
        for count in counts:
            empty_database(server.url)
            rows.append(measure("postgresql", lambda home, url=server.url: url, pool, count))
    return rows


if __name__ == "__main__":
    main()
