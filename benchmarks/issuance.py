"""Issuance benchmark: the library vs the openssl command line vs raw RSA-2048 signing.

Run:  .venv/bin/python benchmarks/issuance.py          (a few minutes: includes 100,000 issuances)
      .venv/bin/python benchmarks/issuance.py --quick  (under a minute; memory runs of 1,000 and 10,000)

Prints, from one run on one core:
- certificates issued per second through the library: CSR parse + proof-of-possession check + build +
  RSA-2048/SHA-256 signature + stored in SQLite (commits batched every --batch certificates), and the
  rate with one commit per certificate for comparison;
- the same work with `openssl x509 -req` run once per certificate;
- the raw RSA-2048 signing rate of `openssl speed` (one process, one core);
- the ratios (targets: library >= 50% of raw signing, >= 10x the command line);
- keystore creation and opening time (the `keystore` package, its default iteration count);
- peak memory (ru_maxrss of a fresh process) issuing 1,000 and 100,000 certificates with batched commits:
  it must not grow with the count.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import resource
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ca.authority import CertificateAuthority  # noqa: E402
from ca.proofs.service_centre import ServiceCentreProof  # noqa: E402
from ca.store import CertificateStore  # noqa: E402
from eds_toolkit.db import make_engine  # noqa: E402
from national_profile.iin import make_iin  # noqa: E402

PASSPHRASE = b"benchmark passphrase, not secret"
IIN = make_iin(dt.date(1990, 5, 17), "M", 1)
# Bulk issuance is in-person issuance: each request carries an operator's proof, checked by the CA.
PROOF = ServiceCentreProof("bench-operator", "N0000001", IIN, "Тестов", "Тест", "Тестович")
KEYSTORE_PASSWORD = "Bench-mark#2026-Kz!"


def make_csrs(count: int) -> list[bytes]:
    """``count`` CSRs, each from its own RSA-2048 key (as citizens' requests would be)."""
    csrs = []
    for _ in range(count):
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        subject = x509.Name(
            [
                x509.NameAttribute(NameOID.COMMON_NAME, "ТЕСТОВ ТЕСТ"),
                x509.NameAttribute(NameOID.SURNAME, "ТЕСТОВ"),
                x509.NameAttribute(NameOID.SERIAL_NUMBER, f"IIN{IIN}"),
                x509.NameAttribute(NameOID.COUNTRY_NAME, "KZ"),
            ]
        )
        csr = x509.CertificateSigningRequestBuilder().subject_name(subject).sign(key, hashes.SHA256())
        csrs.append(csr.public_bytes(serialization.Encoding.PEM))
    return csrs


def open_store(directory: Path) -> CertificateStore:
    store = CertificateStore(make_engine(f"sqlite:///{directory / 'bench.sqlite3'}"))
    store.create_schema()
    return store


class Timer:
    """Wall-clock and CPU seconds (this process + finished children) of a block."""

    def __enter__(self) -> Timer:
        self._wall, self._cpu, self._children = time.perf_counter(), time.process_time(), _children_cpu()
        return self

    def __exit__(self, *exc) -> None:
        self.wall = time.perf_counter() - self._wall
        self.cpu = time.process_time() - self._cpu
        self.children_cpu = _children_cpu() - self._children


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def issue_batched(authority: CertificateAuthority, csrs: list[bytes], count: int, batch: int) -> Timer:
    """Issue ``count`` certificates with ``issue_many`` (one commit per ``batch``), keeping none in memory."""
    requests = ((csrs[n % len(csrs)], PROOF, "sign" if n % 2 else "auth") for n in range(count))
    with Timer() as timer:
        for _ in authority.issue_many(requests, batch_size=batch):
            pass
    return timer


def issue_one_commit_each(authority: CertificateAuthority, csrs: list[bytes], count: int) -> Timer:
    with Timer() as timer:
        for n in range(count):
            profile = "sign" if n % 2 else "auth"  # as issue_batched: each key keeps one profile
            authority.issue(csrs[n % len(csrs)], PROOF, profile, enrolment_id=f"bench-{n}")
    return timer


def openssl_speed_rsa2048(seconds: int) -> float:
    """RSA-2048 private-key operations per second, one process (``openssl speed rsa2048``)."""
    output = subprocess.run(
        ["openssl", "speed", "-seconds", str(seconds), "rsa2048"], capture_output=True, text=True, check=True
    ).stdout
    match = re.search(r"^rsa 2048 bits\s+\S+\s+\S+\s+([\d.]+)\s+([\d.]+)", output, re.MULTILINE)
    if not match:
        raise SystemExit(f"cannot read openssl speed output:\n{output}")
    return float(match.group(1))


EXTENSIONS = """[sign]
keyUsage = critical, digitalSignature, nonRepudiation
extendedKeyUsage = emailProtection, 1.2.398.3.3.4.1.1
authorityKeyIdentifier = keyid
subjectKeyIdentifier = hash
certificatePolicies = @policy
crlDistributionPoints = URI:{crl}
authorityInfoAccess = caIssuers;URI:{issuer}, OCSP;URI:{ocsp}

[policy]
policyIdentifier = 1.2.398.3.3.2.3
CPS.1 = {cps}
userNotice.1 = @notice

[notice]
explicitText = "UTF8:{cps}"
"""


def openssl_cli_rate(authority: CertificateAuthority, ca_dir: Path, csrs: list[bytes], count: int) -> Timer:
    """Certificates per second with one `openssl x509 -req` per certificate (same extensions, no storage)."""
    config = authority.config
    work = Path(tempfile.mkdtemp(prefix="openssl-cli-"))
    (work / "ext.cnf").write_text(
        EXTENSIONS.format(
            crl=config.crl_url, issuer=config.issuing_cert_url, ocsp=config.ocsp_url, cps=config.cps_url
        )
    )
    (work / "pass").write_bytes(PASSPHRASE)
    for n, csr in enumerate(csrs):
        (work / f"{n}.csr").write_bytes(csr)
    with Timer() as timer:
        for n in range(count):
            subprocess.run(
                [
                    "openssl",
                    "x509",
                    "-req",
                    "-in",
                    str(work / f"{n % len(csrs)}.csr"),
                    "-CA",
                    str(ca_dir / "issuing.cer.pem"),
                    "-CAkey",
                    str(ca_dir / "issuing.key.pem"),
                    "-passin",
                    f"file:{work / 'pass'}",
                    "-set_serial",
                    f"0x{secrets.token_hex(19)}",
                    "-days",
                    "365",
                    "-sha256",
                    "-extfile",
                    str(work / "ext.cnf"),
                    "-extensions",
                    "sign",
                    "-out",
                    str(work / "out.pem"),
                ],  # fmt: skip
                check=True,
                capture_output=True,
            )
    verified = subprocess.run(
        ["openssl", "verify", "-CAfile", str(ca_dir / "root.cer.pem"),
         "-untrusted", str(ca_dir / "issuing.cer.pem"), str(work / "out.pem")],
        capture_output=True,
        text=True,
    )  # fmt: skip
    if verified.returncode != 0:
        raise SystemExit(f"the openssl-made certificate does not verify: {verified.stderr}")
    return timer


def keystore_timings(authority: CertificateAuthority, runs: int) -> dict[str, float] | str:
    """Seconds to build and to open one PKCS#12 keystore with the keystore package's defaults."""
    try:
        from keystore.pkcs12 import build_keystore, open_keystore
        from national_profile.key_encryption import ITERATIONS
    except ImportError as missing:
        return f"keystore package not available ({missing})"
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    csr = x509.CertificateSigningRequestBuilder().subject_name(x509.Name([])).sign(key, hashes.SHA256())
    issued = authority.issue(csr.public_bytes(serialization.Encoding.PEM), PROOF, "auth")
    build_seconds, open_seconds = [], []
    for _ in range(runs):
        started = time.perf_counter()
        data = build_keystore(key, issued.certificate, authority.chain, KEYSTORE_PASSWORD)
        build_seconds.append(time.perf_counter() - started)
        started = time.perf_counter()
        open_keystore(data, KEYSTORE_PASSWORD)
        open_seconds.append(time.perf_counter() - started)
    return {
        "iterations": ITERATIONS,
        "create_seconds": sorted(build_seconds)[runs // 2],
        "open_seconds": sorted(open_seconds)[runs // 2],
    }


def memory_child(ca_dir: Path, count: int, batch: int) -> None:
    """In a fresh process: issue ``count`` certificates; print peak RSS before and after as JSON."""
    work = Path(tempfile.mkdtemp(prefix="issuance-memory-"))
    authority = CertificateAuthority.load(ca_dir, PASSPHRASE, open_store(work))
    csrs = make_csrs(4)
    issue_batched(authority, csrs, 500, batch)  # warm up: imports, caches, SQLite pages
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    seconds = issue_batched(authority, csrs, count, batch).wall
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    stored = sum(1 for _ in authority.store.list()) - 500
    print(
        json.dumps(
            {"count": count, "baseline_kib": baseline, "peak_kib": peak, "seconds": seconds, "stored": stored}
        )
    )


def memory_run(ca_dir: Path, count: int, batch: int) -> dict:
    output = subprocess.run(
        [
            sys.executable,
            __file__,
            "--memory-child",
            str(count),
            "--ca-dir",
            str(ca_dir),
            "--batch",
            str(batch),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=3000, help="certificates issued through the library")
    parser.add_argument("--cli-count", type=int, default=100, help="certificates made with openssl x509 -req")
    parser.add_argument("--batch", type=int, default=500, help="certificates per commit in bulk issuance")
    parser.add_argument("--speed-seconds", type=int, default=3)
    parser.add_argument("--memory-counts", default="1000,100000")
    parser.add_argument("--quick", action="store_true", help="smaller runs (memory 1,000 and 10,000)")
    parser.add_argument("--memory-child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--ca-dir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_child:
        memory_child(args.ca_dir, args.memory_child, args.batch)
        return
    if args.quick:
        args.count, args.cli_count, args.memory_counts, args.speed_seconds = 1000, 40, "1000,10000", 2

    work = Path(tempfile.mkdtemp(prefix="issuance-bench-"))
    ca_dir = work / "ca"
    CertificateAuthority.initialise(ca_dir, PASSPHRASE)
    authority = CertificateAuthority.load(ca_dir, PASSPHRASE, open_store(work))
    csrs = make_csrs(20)
    print(f"one core; {os.cpu_count()} CPUs present; Python {sys.version.split()[0]}; {_openssl_version()}")

    issue_batched(authority, csrs, 200, args.batch)  # warm up
    bulk = [issue_batched(authority, csrs, args.count, args.batch)]
    speeds = [openssl_speed_rsa2048(args.speed_seconds)]
    bulk.append(issue_batched(authority, csrs, args.count, args.batch))
    single_count = max(200, args.count // 5)
    single = issue_one_commit_each(authority, csrs, single_count)
    speeds.append(openssl_speed_rsa2048(args.speed_seconds))
    cli = openssl_cli_rate(authority, ca_dir, csrs, args.cli_count)
    bulk.append(issue_batched(authority, csrs, args.count, args.batch))
    speeds.append(openssl_speed_rsa2048(args.speed_seconds))
    # Other processes may share the cores: rates are per CPU-second (as `openssl speed` reports its own,
    # dividing by user CPU time), best of three runs each, interleaved; wall-clock rates beside them.
    bulk_cpu = max(args.count / t.cpu for t in bulk)
    bulk_wall = max(args.count / t.wall for t in bulk)
    speed = max(speeds)
    cli_cpu = args.cli_count / cli.children_cpu
    cli_wall = args.cli_count / cli.wall

    print(
        "\nIssuance: CSR verify + build + RSA-2048/SHA-256 sign + store\n"
        "                                         per CPU-second     per wall-second"
    )
    print(
        f"  library, issue_many, commit every {args.batch:<5}"
        f"{bulk_cpu:12.0f} cert/s  {bulk_wall:12.0f} cert/s"
    )
    print(
        f"  library, issue(), one commit per cert  {single_count / single.cpu:12.0f} cert/s  "
        f"{single_count / single.wall:12.0f} cert/s  (enrolment id checked, fsync per commit)"
    )
    print(
        f"  openssl x509 -req, one per cert        {cli_cpu:12.1f} cert/s  {cli_wall:12.1f} cert/s"
        f"  ({args.cli_count} runs)"
    )
    print(
        f"  openssl speed rsa2048, signatures      {speed:12.0f} sign/s"
        f"  (runs: {', '.join(f'{s:.0f}' for s in speeds)})"
    )
    print("Ratios (per CPU-second)")
    print(f"  library bulk / raw RSA-2048 signing     {bulk_cpu / speed:8.2f}   (target >= 0.50)")
    print(f"  library bulk / openssl command line     {bulk_cpu / cli_cpu:8.1f}x  (target >= 10x)")
    print(f"  library one-commit / openssl cmd line   {single_count / single.cpu / cli_cpu:8.1f}x")

    timings = keystore_timings(authority, runs=5)
    print("Keystore (PKCS#12, keystore package defaults)")
    if isinstance(timings, str):
        print(f"  {timings}")
    else:
        print(
            f"  PBKDF2 iterations {timings['iterations']}: create {timings['create_seconds'] * 1000:.0f} ms, "
            f"open {timings['open_seconds'] * 1000:.0f} ms (median of 5)"
        )

    print(f"Peak memory, fresh process, commit every {args.batch} (ru_maxrss)")
    for count in (int(c) for c in args.memory_counts.split(",")):
        result = memory_run(ca_dir, count, args.batch)
        growth = (result["peak_kib"] - result["baseline_kib"]) / 1024
        print(
            f"  {count:>7} certificates: peak {result['peak_kib'] / 1024:6.1f} MiB, growth over warm-up "
            f"{growth:5.1f} MiB, {count / result['seconds']:.0f} cert/s, {result['stored']} stored"
        )


def _openssl_version() -> str:
    return subprocess.run(["openssl", "version"], capture_output=True, text=True).stdout.strip()


if __name__ == "__main__":
    main()
