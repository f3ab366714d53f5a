"""The console's certificate work on a large store: search, a certificate's page, the expiring wave and
its CSV, a revocation with the CRL published after it, and a bulk approval.

Run:  .venv/bin/python benchmarks/console_certificates.py                    (SQLite, 20,000 certificates)
      .venv/bin/python benchmarks/console_certificates.py --records 100000 --revoked 10000 [--database-url U]

The store is filled with ``--records`` certificates issued by the CA (pairs, EC keys; notAfter spread
over the next 365 days; ``--revoked`` of them revoked), plus one RSA pair under one enrolment id for
the certificate page. Each timing is the median of --repeat runs of the library call the page makes
(``eds_toolkit.operators``), without HTTP.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cryptography.hazmat.primitives import serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec, rsa  # noqa: E402

from ca.crl import publish_due  # noqa: E402
from ca.proofs.service_centre import ServiceCentreProof  # noqa: E402
from ca.store import revoke_valid  # noqa: E402
from eds_toolkit.bootstrap import prepare_instance  # noqa: E402
from eds_toolkit.db import make_engine  # noqa: E402
from eds_toolkit.operators import bulk_revocation, certificates, expiring, revocation  # noqa: E402
from eds_toolkit.operators.registry import add_operator  # noqa: E402
from eds_toolkit.operators.signin import SignedIn  # noqa: E402
from eds_toolkit.services import build_service_context  # noqa: E402
from eds_toolkit.settings import Settings  # noqa: E402
from keystore.csr import build_csr  # noqa: E402
from national_profile.iin import make_iin  # noqa: E402

HOLDER_IIN = "850314312017"
ADMINS = ("920721433024", "010130555049")


def timed(label: str, call, repeat: int) -> object:
    seconds, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = call()
        seconds.append(time.perf_counter() - started)
    print(f"{label:58s} {statistics.median(seconds) * 1000:9.1f} ms")
    return result


def fill(ctx, authority, records: int, revoked: int) -> list[str]:
    """``records`` real certificates (AUTH and SIGN of ``records // 2`` people, EC P-256 keys: quick to
    make) issued by the CA in 20 rounds at clocks spread over the past year, so their notAfter spreads
    over the next; ``revoked`` of them revoked. Returns the serials still valid."""
    now = ctx.now().replace(microsecond=0)
    rounds, serials = 20, []
    for round_number in range(rounds):
        moment = now - dt.timedelta(days=365 * round_number / rounds)
        dated = authority.replace(clock=lambda moment=moment: moment)
        people = range(round_number, records // 2, rounds)
        requests = []
        for n in people:
            iin = make_iin(dt.date(1960, 1, 1) + dt.timedelta(days=n % 20000), "M", n // 20000)
            proof = ServiceCentreProof("bench", f"N{n}", iin, "Тестов", "Асан")
            for profile in ("auth", "sign"):
                key = ec.generate_private_key(ec.SECP256R1())
                csr = build_csr(key, iin=iin, surname="Тестов", given_name="Асан")
                requests.append((csr.public_bytes(serialization.Encoding.PEM), proof, profile))
        serials += [issued.record.serial for issued in dated.issue_many(requests, batch_size=1000)]
    with ctx.session() as session:
        revoke_valid(session, serials[:revoked], now, "superseded")
        session.commit()
    return serials[revoked:]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--revoked", type=int, default=2_000)
    parser.add_argument("--bulk", type=int, default=bulk_revocation.MAX_ENTRIES)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--database-url", default=None)
    options = parser.parse_args()

    home = Path(tempfile.mkdtemp(prefix="eds-console-bench-"))
    settings = Settings.from_env(
        {
            "EDS_HOME": str(home),
            "EDS_CREATE_TEST_CA": "1",
            **({"EDS_DATABASE_URL": options.database_url} if options.database_url else {}),
        }
    )
    engine = make_engine(settings.database_url)
    ctx = build_service_context(settings, engine)
    prepare_instance(settings, engine, ctx.sessions)
    authority = ctx.ca()
    started = time.perf_counter()
    valid = fill(ctx, authority, options.records, options.revoked)
    took = time.perf_counter() - started
    print(f"{options.records} certificates ({options.revoked} revoked) issued in {took:.1f} s")

    proof = ServiceCentreProof("bench", "N1", HOLDER_IIN, "Тестов", "Асан")
    issued = []
    with authority.store.session() as session:
        for profile in ("auth", "sign"):
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            csr = build_csr(key, iin=HOLDER_IIN, surname="Тестов", given_name="Асан").public_bytes(
                serialization.Encoding.PEM
            )
            issued.append(authority.issue(csr, proof, profile, enrolment_id="bench-holder", session=session))
        session.commit()
    holder_serial = issued[0].record.serial

    admins = []
    for n, iin in enumerate(ADMINS):
        view = add_operator(ctx, iin, f"Әкімші {n}", "ca_admin", added_by="benchmark")
        admins.append(SignedIn(view, f"bench-{n}"))
    first, second = admins

    repeat = options.repeat
    criteria = certificates.search_criteria(iin=HOLDER_IIN)
    timed("search by IIN (audited)", lambda: certificates.search(ctx, first, criteria), repeat)
    prefix = certificates.search_criteria(serial=valid[123][:8])
    timed("search by serial prefix (8 digits)", lambda: certificates.search(ctx, first, prefix), repeat)
    revoked = certificates.search_criteria(status="revoked")
    timed(
        f"search status=revoked, page 1 of {options.revoked}",
        lambda: certificates.search(ctx, first, revoked),
        repeat,
    )
    timed("first base + delta CRL publication", lambda: publish_due(authority, force=True), 1)
    timed(
        "certificate page (history, OCSP, both CRLs parsed)",
        lambda: certificates.certificate_history(ctx, first, holder_serial),
        repeat,
    )
    report = timed(
        "expiring, 90 days: weeks + page 1", lambda: expiring.report(ctx, 90, "Asia/Almaty"), repeat
    )
    print(f"{'':58s} ({report.total} certificates in 90 days, {len(report.weeks)} weeks)")
    timed(
        "expiring CSV, 30 days (every row)",
        lambda: "".join(expiring.csv_export(ctx, first, 30, "Asia/Almaty")),
        repeat,
    )

    pair = revocation.pair_of(ctx, holder_serial)
    asked = revocation.revocation_request(pair, [row.serial for row in pair], "key_compromise", "benchmark")
    done = timed(
        f"revoke a pair + publish the CRLs ({options.revoked} revoked)",
        lambda: revocation.revoke(ctx, first, asked),
        1,
    )
    print(f"{'':58s} (CRL number {done.crl_number})")

    serials = "\n".join(valid[1000 : 1000 + options.bulk])
    made = timed(
        f"bulk: propose {options.bulk} serials",
        lambda: bulk_revocation.propose(ctx, first, serials, "serials", "superseded", "benchmark"),
        1,
    )
    approved = timed(
        f"bulk: approve {options.bulk} (revoke, audit, publish CRL)",
        lambda: bulk_revocation.approve(ctx, second, made.id),
        1,
    )
    print(f"{'':58s} ({len(approved.revoked)} revoked, CRL number {approved.crl_number})")


if __name__ == "__main__":
    main()
