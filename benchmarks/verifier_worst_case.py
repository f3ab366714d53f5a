"""Verifier worst case: the slowest single verification over hostile and real inputs.

Run:  .venv/bin/python benchmarks/verifier_worst_case.py           (about half a minute)
      .venv/bin/python benchmarks/verifier_worst_case.py --fuzz N  (N mutated inputs; default 2000)

Prints the time of each case (best of 3 runs) and, last, the worst single verification: the bound
an endpoint that verifies uploads can count on. Cases: chains of 6, 8 and 100 intermediates, a CMS
with a cross-certified mesh of 2**30 paths (unanchored) and one of 32 paths that all fail, a CMS
stuffed with 60 unrelated certificates, deeply nested extensions, NCANode's two-signer CMS, a CMS of
16 GOST signers (slow curve arithmetic: the CMS's 3 s budget), and mutated DER of real CMS (the fuzz
test's mutations, random, many examples).
"""

from __future__ import annotations

import argparse
import datetime
import random
import sys
import time
import warnings
from pathlib import Path

from cryptography import x509

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "eds_toolkit" / "signature_verification"))

import adversarial as adv  # noqa: E402
from test_verifier_robustness import sixteen_gost_signers  # noqa: E402

from eds_toolkit.signatures import SignatureInputError, verify_certificate, verify_cms_signers  # noqa: E402
from tests.testdata import shared_file  # noqa: E402


def timed(check) -> tuple[float, str]:
    started = time.perf_counter()
    try:
        verdict = check()
        outcome = "valid" if verdict.ok else "not valid"
    except SignatureInputError as error:
        outcome = f"input error ({error.kind})"
    return time.perf_counter() - started, outcome


def cases() -> dict[str, object]:
    def certificate_case(pki):
        return lambda: verify_certificate(
            pki.signer, trust_roots=[pki.root], intermediates=pki.intermediates, at=adv.NOW, revocation="none"
        )

    def cms_case(pki, **extra):
        data = pki.cms(b"document", **extra)
        return lambda: verify_cms_signers(data, trust_roots=[pki.root], revocation="none")

    failing = adv.mesh(5, 2, anchored=True)
    failing.signer = adv.certificate(
        adv.name("Signer", adv.SIGNER_IIN),
        failing.signer_key,
        failing.intermediates[-1].subject,
        adv.key(204),
        ca=False,
        key_usage=x509.KeyUsage(False, False, True, False, False, False, False, False, False),
    )
    simple = adv.chain(1)
    nested = x509.load_der_x509_certificate(adv.with_nested_extension(simple.signer, adv.key(100), 5000))
    ncanode = shared_file("nca/ncanode/cms/CmsServiceTest.SIGNED_CMS.der").read_bytes()
    nca_root = x509.load_pem_x509_certificate(shared_file("nca/ncanode/ca/nca_rsa_test.crt").read_bytes())
    gost_root = x509.load_der_x509_certificate(
        shared_file("nca/ncanode/ca/nca_gost2015_test.cer").read_bytes()
    )
    sixteen_gost, in_2022 = sixteen_gost_signers(), datetime.datetime(2022, 10, 2, tzinfo=datetime.UTC)
    return {
        "chain of 6 intermediates (valid)": certificate_case(adv.chain(6)),
        "chain of 8 intermediates (too deep)": certificate_case(adv.chain(8)),
        "chain of 100 intermediates": certificate_case(adv.chain(100)),
        "CMS with a 2**30-path mesh, unanchored": cms_case(adv.mesh(30, 2, anchored=False)),
        "32-path mesh, every path refused": certificate_case(failing),
        "CMS stuffed with 60 unrelated certificates": cms_case(
            simple, extra=[adv.root(500 + index) for index in range(60)]
        ),
        "extension nested 5000 deep": lambda: verify_certificate(
            nested,
            trust_roots=[simple.root],
            intermediates=simple.intermediates,
            at=adv.NOW,
            revocation="none",
        ),
        "NCANode's two-signer CMS": lambda: verify_cms_signers(ncanode, trust_roots=[nca_root]),
        "16 GOST 34.10-2015 signers (time budget)": lambda: verify_cms_signers(
            sixteen_gost, trust_roots=[gost_root], at=in_2022, revocation="none"
        ),
    }


def fuzz(count: int) -> tuple[float, dict[str, int]]:
    seeds = [
        shared_file("nca/ncanode/cms/CmsServiceTest.SIGNED_CMS.der").read_bytes(),
        adv.chain(2).cms(b"document"),
        adv.mesh(3, 2, anchored=True).cms(b"document"),
    ]
    roots = [adv.root(0), adv.root(7)]
    generator = random.Random(13)  # noqa: S311 - reproducible mutations, not secrets
    worst, outcomes = 0.0, {}
    for _ in range(count):
        data = bytearray(generator.choice(seeds))
        for _ in range(generator.randint(1, 4)):
            data[generator.randrange(len(data))] = generator.randrange(256)
        elapsed, outcome = timed(
            lambda d=bytes(data): verify_cms_signers(d, trust_roots=roots, revocation="none")
        )
        worst = max(worst, elapsed)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return worst, outcomes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fuzz", type=int, default=2000, help="mutated inputs to verify")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    worst = 0.0
    for label, check in cases().items():
        runs = [timed(check) for _ in range(3)]
        elapsed = min(run[0] for run in runs)
        worst = max(worst, max(run[0] for run in runs))
        print(f"{label:45s} {elapsed * 1000:8.1f} ms  {runs[0][1]}")
    fuzz_worst, outcomes = fuzz(args.fuzz)
    summary = ", ".join(f"{count} {outcome}" for outcome, count in sorted(outcomes.items()))
    print(f"{f'{args.fuzz} mutated CMS (worst)':45s} {fuzz_worst * 1000:8.1f} ms  {summary}")
    worst = max(worst, fuzz_worst)
    print(f"worst single verification: {worst * 1000:.1f} ms")


if __name__ == "__main__":
    main()
