"""Fuzzing `eds verify` / `eds verify-cert` and the functions behind them with mutated real DER.

Seeds: the national CA's CMS and certificates (NCANode's resources) and CMS of our own making. Each
example flips, deletes, inserts or truncates bytes; whatever comes out, the answer is a verdict or
a SignatureInputError (the CLI: exit 0, 1 or 2), never another exception, and within the bound.
Deterministic by default (CI); EDS_FUZZ_RANDOM=1 explores new examples on each run.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import adversarial as adv
import pytest
from click.testing import CliRunner
from cryptography import x509
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eds_toolkit.cli import main
from eds_toolkit.signatures import (
    CertificateVerdict,
    CmsVerdict,
    SignatureInputError,
    verify_certificate,
    verify_cms_signers,
)
from tests.testdata import shared_file

BOUND_SECONDS = 5.0
FUZZ = settings(
    max_examples=300,
    deadline=None,
    derandomize=os.environ.get("EDS_FUZZ_RANDOM") is None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
NCANODE = "nca/ncanode"
_CHAIN = adv.chain(1)


def _seeds_cms() -> list[bytes]:
    own = adv.chain(2)
    return [
        shared_file(f"{NCANODE}/cms/CmsServiceTest.SIGNED_CMS.der").read_bytes(),
        shared_file(f"{NCANODE}/cms/CmsServiceTest.SIGNED_CMS_ONE_SIGNER.der").read_bytes(),
        own.cms(b"document"),
    ]


def _seeds_certificates() -> list[bytes]:
    from cryptography.hazmat.primitives import serialization
    from signature_helpers import load_pem_or_der

    national = [
        load_pem_or_der(shared_file(f"{NCANODE}/certs/{name}"))
        for name in ("individual_valid_sign_2004_rsa.cer", "ceo_valid_sign_2004_gost.cer")
    ]
    return [cert.public_bytes(serialization.Encoding.DER) for cert in (*national, _CHAIN.signer)]


CMS_SEEDS = _seeds_cms()
CERTIFICATE_SEEDS = _seeds_certificates()
ROOTS = [
    x509.load_pem_x509_certificate(shared_file(f"{NCANODE}/ca/nca_rsa_test.crt").read_bytes()),
    _CHAIN.root,
]


@st.composite
def mutated(draw, seeds: list[bytes]) -> bytes:
    data = bytearray(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(1, 6))):
        if not data:
            break
        position = draw(st.integers(0, len(data) - 1))
        action = draw(st.sampled_from(["flip", "set", "delete", "insert", "truncate", "length"]))
        if action == "flip":
            data[position] ^= 1 << draw(st.integers(0, 7))
        elif action == "set":
            data[position] = draw(st.integers(0, 255))
        elif action == "delete":
            del data[position : position + draw(st.integers(1, 16))]
        elif action == "insert":
            data[position:position] = draw(st.binary(min_size=1, max_size=16))
        elif action == "truncate":
            del data[position:]
        else:  # a length octet made long or indefinite
            data[position] = draw(st.sampled_from([0x80, 0x81, 0x84, 0xFF]))
    return bytes(data)


def _bounded(check):
    started = time.monotonic()
    try:
        return check()
    finally:
        assert time.monotonic() - started < BOUND_SECONDS


@FUZZ
@given(data=mutated(CMS_SEEDS))
def test_mutated_cms_gets_a_verdict_or_an_input_error(data):
    try:
        verdict = _bounded(lambda: verify_cms_signers(data, trust_roots=ROOTS, revocation="none"))
    except SignatureInputError as error:
        assert error.kind in {"malformed", "unsupported", "unusable"} and str(error)
        return
    assert isinstance(verdict, CmsVerdict) and verdict.signers
    assert verdict.ok == all(signer.ok for signer in verdict.signers)


@FUZZ
@given(data=mutated(CERTIFICATE_SEEDS))
def test_mutated_certificate_gets_a_verdict_or_an_input_error(data):
    try:
        certificate = x509.load_der_x509_certificate(data)
    except (ValueError, x509.InvalidVersion):
        return  # refused as unreadable before any check (the CLI: exit 2)
    try:
        verdict = _bounded(
            lambda: verify_certificate(
                certificate, trust_roots=ROOTS, intermediates=[_CHAIN.intermediates[0]], revocation="none"
            )
        )
    except SignatureInputError as error:
        assert str(error)
        return
    assert isinstance(verdict, CertificateVerdict)
    assert verdict.ok == (not verdict.reasons)


@pytest.fixture(scope="module")
def root_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("fuzz-root") / "root.pem"
    path.write_bytes(adv.pem(*ROOTS))
    return path


@settings(FUZZ, max_examples=40)
@given(data=mutated(CMS_SEEDS + CERTIFICATE_SEEDS), command=st.sampled_from(["verify", "verify-cert"]))
def test_the_cli_exits_0_1_or_2_on_mutated_input(tmp_path_factory, root_file, data, command):
    folder = tmp_path_factory.mktemp("fuzz-cli")
    (folder / "input.der").write_bytes(data)
    result = CliRunner().invoke(
        main, ["--home", str(folder), command, str(folder / "input.der"), "--trust", str(root_file)]
    )
    assert result.exit_code in (0, 1, 2), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)


def _revocation_seeds() -> list[bytes]:
    return [
        shared_file("nca/nca_rsa_test.crl").read_bytes(),
        shared_file("nca/ocsp_response_individual_sign_2004.bin").read_bytes(),
    ]


REVOCATION_SEEDS = _revocation_seeds()
NCA_SIGNER = x509.load_der_x509_certificate(CERTIFICATE_SEEDS[0])
AS_OF_2022 = adv.dt.datetime(2022, 6, 1, tzinfo=adv.dt.UTC)


@FUZZ
@given(data=mutated(REVOCATION_SEEDS), as_crl=st.booleans())
def test_mutated_crls_and_ocsp_responses_get_a_verdict_or_an_input_error(data, as_crl):
    sources = {"crls": [data]} if as_crl else {"ocsp_responses": [data]}
    try:
        verdict = _bounded(
            lambda: verify_certificate(
                NCA_SIGNER, trust_roots=ROOTS, at=AS_OF_2022, revocation="auto", **sources
            )
        )
    except SignatureInputError as error:
        assert str(error)
        return
    assert verdict.revocation.status in {"good", "revoked", "unknown"}
