"""Reading and verifying a CAdES-T: a CMS whose signer carries an RFC 3161 time-stamp token.

Cases, each timed as ``load_cms`` (parse only) and as a whole verification (``verify_cms``, or
``verify_cms_signers`` for NCANode's two signers), the median of ``--repeat`` runs:

- a CAdES-T made as the tests make one (tests/eds_toolkit/signature_verification/
  test_signature_timestamps.py ``cades_t``): a citizen of a fresh test CA signs, the CA's TSA stamps
  the signature value, the token goes in as the unsigned attribute signatureTimeStampToken;
- the same CMS before the token was added (CAdES-BES), the control;
- NCANode's RSA + GOST two-signer CMS (../shared/testdata/nca/ncanode/cms), as of 2022-10-02.

    .venv/bin/python benchmarks/cms_timestamped.py [--repeat 5]
    .venv/bin/python benchmarks/cms_timestamped.py --before /tmp/cms-before

``--before`` runs the same inputs (made once, here) with the code of another checkout (e.g. ``git
worktree add /tmp/cms-before main``) in a subprocess, one after the other, and prints both columns
with the ratio and whether the verdicts are the same.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import hashlib
import io
import json
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if "--code" in sys.argv:  # the checkout whose code is measured (--before runs another one this way)
    ROOT = Path(sys.argv[sys.argv.index("--code") + 1]).resolve()
sys.path.insert(0, str(ROOT))

NCA = Path(__file__).resolve().parents[1].parent / "shared" / "testdata" / "nca"
AFTER_SIGNING = dt.datetime(2022, 10, 2, tzinfo=dt.UTC)  # as test_ncanode_resources.py checks it


def make_inputs(directory: Path) -> None:
    """The CAdES-T, its CAdES-BES and the test CA's root, written to ``directory`` (with this code)."""
    here = Path(__file__).resolve().parents[1]
    sys.path.insert(0, str(here))
    sys.path.insert(0, str(here / "tests" / "eds_toolkit" / "signature_verification"))
    from asn1crypto import algos, tsp
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from signature_helpers import issue_pair

    from ca.authority import CertificateAuthority
    from ca.store import CertificateStore
    from ca.tsa import TimeStampAuthority
    from eds_agent.timestamping import add_signature_timestamp, signature_value
    from eds_toolkit.bootstrap import ensure_test_ca
    from eds_toolkit.db import make_engine

    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        ensure_test_ca(directory, "http://127.0.0.1:5000")  # not its notice about a TEST CA
    passphrase = (directory / "ca" / "passphrase").read_text().splitlines()[0].encode()
    store = CertificateStore(make_engine(f"sqlite:///{directory / 'ca-store.sqlite3'}"))
    store.create_schema()
    authority = CertificateAuthority.load(directory / "ca", passphrase).replace(store=store)
    tsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    tsa = TimeStampAuthority(
        tsa_key, authority.certify_timestamping_key(tsa_key.public_key()), authority.chain
    )
    signed = issue_pair(authority).sign_cms("Өтініш: тұрғылықты жерді тіркеу".encode())
    imprint = {
        "hash_algorithm": algos.DigestAlgorithm({"algorithm": "sha256"}),
        "hashed_message": hashlib.sha256(signature_value(signed)).digest(),
    }
    request = tsp.TimeStampReq({"version": 1, "message_imprint": imprint, "nonce": 7, "cert_req": True})
    token = tsp.TimeStampResp.load(tsa.respond(request.dump()))["time_stamp_token"].dump()
    (directory / "cades_bes.der").write_bytes(signed)
    (directory / "cades_t.der").write_bytes(add_signature_timestamp(signed, token))
    (directory / "root.pem").write_bytes(authority.root_cert.public_bytes(serialization.Encoding.PEM))


def cases(inputs: Path) -> dict[str, tuple[bytes, object]]:
    """Each case's CMS and the verification of it, with the importable code."""
    from cryptography import x509

    from eds_toolkit.signatures import verify_cms, verify_cms_signers

    root = x509.load_pem_x509_certificate((inputs / "root.pem").read_bytes())
    nca_roots = [
        x509.load_pem_x509_certificate((NCA / "nca_rsa_test.crt").read_bytes()),
        x509.load_der_x509_certificate((NCA / "nca_gost2015_test.cer").read_bytes()),
    ]
    ncanode = (NCA / "ncanode" / "cms" / "CmsServiceTest.SIGNED_CMS.der").read_bytes()
    cades_t = (inputs / "cades_t.der").read_bytes()
    cades_bes = (inputs / "cades_bes.der").read_bytes()
    return {
        f"CAdES-T, test CA and TSA ({len(cades_t)} bytes)": (
            cades_t,
            lambda: verify_cms(cades_t, trust_roots=[root], revocation="none"),
        ),
        f"the same CMS without its time-stamp ({len(cades_bes)} bytes)": (
            cades_bes,
            lambda: verify_cms(cades_bes, trust_roots=[root], revocation="none"),
        ),
        f"NCANode RSA + GOST, 2 signers ({len(ncanode)} bytes)": (
            ncanode,
            lambda: verify_cms_signers(ncanode, trust_roots=nca_roots, at=AFTER_SIGNING, revocation="none"),
        ),
    }


def verdict_summary(verdict) -> list:
    """What a verdict says (not when it was checked): ok, reasons, and each time-stamp's outcome."""
    signers = getattr(verdict, "signers", None) or [verdict]
    return [
        [
            signer.ok,
            [str(reason) for reason in signer.reasons],
            None if signer.timestamp is None else [signer.timestamp.verified, str(signer.timestamp.gen_time)],
        ]
        for signer in signers
    ]


def median_seconds(function, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def measure(inputs: Path, repeat: int) -> dict[str, dict[str, object]]:
    from eds_toolkit.signatures.cms_reader import load_cms

    results = {}
    for case, (data, verify) in cases(inputs).items():
        load_seconds, _ = median_seconds(lambda data=data: load_cms(data), repeat)
        verify_seconds, verdict = median_seconds(verify, repeat)
        results[case] = {
            "load_cms": load_seconds,
            "verify": verify_seconds,
            "verdict": verdict_summary(verdict),
        }
    return results


def main() -> None:
    warnings.simplefilter("ignore", UserWarning)  # the national CA's 69-character names
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per case (the median is reported)")
    parser.add_argument("--before", type=Path, help="a checkout of the code to compare with, run first")
    parser.add_argument("--code", type=Path, help="the checkout whose code is measured (default: this one)")
    parser.add_argument("--inputs", type=Path, help="a directory make_inputs wrote (default: made now)")
    parser.add_argument("--json", action="store_true", help="print the measurements as JSON only")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as scratch:
        inputs = args.inputs or Path(scratch)
        if args.inputs is None:
            make_inputs(inputs)
        if args.json:
            print(json.dumps(measure(inputs, args.repeat)))
            return
        before = None
        if args.before:
            command = [sys.executable, __file__, "--json", "--code", str(args.before.resolve())]
            command += ["--inputs", str(inputs), "--repeat", str(args.repeat)]
            output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
            before = json.loads(output.strip().splitlines()[-1])
        after = measure(inputs, args.repeat)
    print(f"seconds, median of {args.repeat}; verification without revocation checks")
    for case, now in after.items():
        print(f"\n{case}\n  {'':8s}{'load_cms':>10s}{'verify':>10s}")
        old = before.get(case) if before else None
        if old is not None:
            print(f"  {'before':8s}{old['load_cms']:10.4f}{old['verify']:10.4f}")
        print(f"  {'this':8s}{now['load_cms']:10.4f}{now['verify']:10.4f}  verdict {now['verdict']}")
        if old is not None:
            same = old["verdict"] == now["verdict"]
            print(
                f"  before/this: load_cms {old['load_cms'] / now['load_cms']:.1f}x, "
                f"verify {old['verify'] / now['verify']:.1f}x; same verdict: {same}"
            )


if __name__ == "__main__":
    main()
