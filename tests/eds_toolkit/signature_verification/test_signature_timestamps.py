"""Time-stamps as the verifier sees them: replies and tokens read, the TSA checked, the time-stamp as the
proof of time, a claimed signing time the certificate does not cover refused; NCANode's TSP resources."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from asn1crypto import algos, cms, tsp
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from signature_helpers import NCA, load_pem_or_der

from ca.tsa import TimeStampAuthority
from eds_agent.timestamping import add_signature_timestamp, signature_value
from eds_toolkit.signatures import (
    Reason,
    SignatureInputError,
    check_timestamp_token,
    read_timestamp_reply,
    read_timestamp_token,
    verify_cms,
)
from eds_toolkit.signatures.cms_reader import load_cms, read_signed_cms

APPLICATION = "Өтініш: тұрғылықты жерді тіркеу".encode()
NCANODE_TSP = NCA / "ncanode" / "tsp"


@pytest.fixture(scope="module")
def tsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def tsa(authority, tsa_key, ca_clock) -> TimeStampAuthority:
    certificate = authority.certify_timestamping_key(tsa_key.public_key())
    return TimeStampAuthority(tsa_key, certificate, authority.chain, clock=ca_clock)


def time_stamp_request(data: bytes, *, cert_req: bool = True) -> bytes:
    imprint = {
        "hash_algorithm": algos.DigestAlgorithm({"algorithm": "sha256"}),
        "hashed_message": hashlib.sha256(data).digest(),
    }
    return tsp.TimeStampReq(
        {"version": 1, "message_imprint": imprint, "nonce": 7, "cert_req": cert_req}
    ).dump()


def token_over(tsa: TimeStampAuthority, data: bytes, *, cert_req: bool = True) -> bytes:
    return tsp.TimeStampResp.load(tsa.respond(time_stamp_request(data, cert_req=cert_req)))[
        "time_stamp_token"
    ].dump()


def cades_t(citizen, tsa: TimeStampAuthority) -> bytes:
    signed = citizen.sign_cms(APPLICATION)
    return add_signature_timestamp(signed, token_over(tsa, signature_value(signed)))


def test_a_token_of_our_tsa_verifies_against_the_root(tsa, authority):
    token = token_over(tsa, b"stamped bytes")
    info = check_timestamp_token(token, trust_roots=[authority.root_cert], stamped=b"stamped bytes")
    assert info.verified is True and info.matches_signature is True, info.problem
    assert info.accuracy_seconds == 1 and info.policy == "1.2.398.3.3.2.6.1"


def test_a_token_made_without_cert_req_verifies_with_the_tsa_certificate_given(tsa, authority):
    token = token_over(tsa, b"x", cert_req=False)
    bare = check_timestamp_token(token, trust_roots=[authority.root_cert])
    assert bare.verified is False
    given = check_timestamp_token(
        token, trust_roots=[authority.root_cert], intermediates=[tsa.certificate, authority.issuing_cert]
    )
    assert given.verified is True, given.problem


def test_a_reply_and_its_bare_token_read_the_same(tsa):
    reply = tsa.respond(time_stamp_request(b"x"))
    token = tsp.TimeStampResp.load(reply)["time_stamp_token"].dump()
    assert read_timestamp_token(reply) == read_timestamp_token(token)
    assert read_timestamp_reply(reply).granted


def test_a_rejection_is_read_and_is_no_token(tsa):
    rejection = tsa.respond(b"\x30\x00")
    reply = read_timestamp_reply(rejection)
    assert (reply.status, reply.failure, reply.token) == ("rejection", ("bad_data_format",), None)
    with pytest.raises(SignatureInputError, match="refused"):
        read_timestamp_token(rejection)


def test_a_tsa_outside_the_trust_roots_is_not_verified(tsa):
    stranger = load_pem_or_der(NCA / "nca_rsa_test.crt")
    info = check_timestamp_token(token_over(tsa, b"x"), trust_roots=[stranger], stamped=b"x")
    assert info.verified is False and "unable to get local issuer certificate" in info.problem


def test_a_token_signed_with_a_key_not_certified_for_time_stamping_is_not_verified(
    authority, citizen, ca_clock
):
    """The citizen's SIGN certificate (emailProtection, not timeStamping) posing as a TSA."""
    impostor = TimeStampAuthority(citizen.key, citizen.sign, authority.chain, clock=ca_clock)
    info = check_timestamp_token(token_over(impostor, b"x"), trust_roots=[authority.root_cert], stamped=b"x")
    assert info.verified is False and "unsuitable certificate purpose" in info.problem, info.problem


def test_a_token_changed_after_signing_is_not_verified(tsa, authority):
    token = cms.ContentInfo.load(token_over(tsa, b"x"))
    content = token["content"]["encap_content_info"]
    tst = content["content"].parsed
    tst["serial_number"] = tst["serial_number"].native + 1
    content["content"] = tst
    info = check_timestamp_token(token.dump(), trust_roots=[authority.root_cert], stamped=b"x")
    assert info.verified is False and "Unable to verify pkcs7 signature" in info.problem


def test_the_time_stamp_is_the_proof_of_time_after_the_certificate_expired(citizen, tsa, authority):
    after_expiry = citizen.sign.not_valid_after_utc + dt.timedelta(days=30)
    plain = verify_cms(
        citizen.sign_cms(APPLICATION), trust_roots=[authority.root_cert], at=after_expiry, revocation="none"
    )
    assert Reason.CERTIFICATE_EXPIRED in plain.reasons
    stamped = verify_cms(
        cades_t(citizen, tsa), trust_roots=[authority.root_cert], at=after_expiry, revocation="none"
    )
    assert stamped.ok, stamped.messages
    assert stamped.timestamp.verified and stamped.timestamp.gen_time <= citizen.sign.not_valid_after_utc


def test_a_time_stamp_that_does_not_verify_proves_nothing(citizen, tsa, authority):
    """A token made without its TSA's certificate, which the CMS does not carry either: unverifiable."""
    after_expiry = citizen.sign.not_valid_after_utc + dt.timedelta(days=30)
    signed = citizen.sign_cms(APPLICATION)
    token = token_over(tsa, signature_value(signed), cert_req=False)
    verdict = verify_cms(
        add_signature_timestamp(signed, token),
        trust_roots=[authority.root_cert],
        at=after_expiry,
        revocation="none",
    )
    assert verdict.timestamp.verified is False and verdict.timestamp.matches_signature is True
    assert Reason.CERTIFICATE_EXPIRED in verdict.reasons


def test_a_cades_t_whose_token_cannot_be_parsed_is_refused_when_the_cms_is_read(citizen, tsa):
    """The token inside the unsigned attributes is parsed with the rest of the CMS (load_cms parses
    it part by part), not left to fail halfway through the checks or to pass a check that skips it."""
    stamped = cades_t(citizen, tsa)
    token = cms.ContentInfo.load(stamped)["content"]["signer_infos"][0]["unsigned_attrs"][0]["values"][0]
    gen_time = token["content"]["encap_content_info"]["content"].parsed["gen_time"].dump()
    damaged = stamped.replace(gen_time, gen_time[:2] + b"2026-3" + gen_time[8:])
    with pytest.raises(SignatureInputError, match="GeneralizedTime"):
        load_cms(damaged)
    with pytest.raises(SignatureInputError, match="GeneralizedTime"):
        read_signed_cms(damaged, None)  # the renewal proof, which never reads the token itself


def test_a_signing_time_after_the_certificate_expired_is_refused(citizen, authority):
    """The signer claims a time when the certificate no longer held: checked as of a moment it did."""
    info = cms.ContentInfo.load(citizen.sign_cms(APPLICATION))
    signer_info = info["content"]["signer_infos"][0]
    claimed = citizen.sign.not_valid_after_utc + dt.timedelta(days=1)
    attributes = [
        cms.CMSAttribute({"type": "signing_time", "values": [cms.Time({"utc_time": claimed})]})
        if attribute["type"].native == "signing_time"
        else attribute
        for attribute in signer_info["signed_attrs"]
    ]
    signed_attrs = cms.CMSAttributes(sorted(attributes, key=lambda attribute: attribute.dump()))
    signer_info["signed_attrs"] = signed_attrs
    signer_info["signature"] = citizen.key.sign(signed_attrs.dump(), padding.PKCS1v15(), hashes.SHA256())
    inside = citizen.sign.not_valid_after_utc - dt.timedelta(days=1)
    verdict = verify_cms(info.dump(), trust_roots=[authority.root_cert], at=inside, revocation="none")
    # claimed after the certificate's life, and after the moment checked (inside it)
    assert set(verdict.reasons) == {Reason.SIGNING_TIME_OUTSIDE_VALIDITY, Reason.SIGNING_TIME_AFTER_CHECK}
    assert verdict.signing_time == claimed


def test_ncanode_time_stamp_reply_is_read_as_their_tests_expect():
    """NCANode's TspServiceTest resources: the national TSA's TimeStampResp (granted) and its token."""
    reply = read_timestamp_reply((NCANODE_TSP / "tsp_response.bin").read_bytes())
    assert reply.granted and reply.token is not None
    from_reply = read_timestamp_token((NCANODE_TSP / "tsp_response.bin").read_bytes())
    from_token = read_timestamp_token((NCANODE_TSP / "tsp_token.bin").read_bytes())
    assert from_reply == from_token
    assert from_reply.gen_time == dt.datetime(2022, 9, 18, 13, 20, 14, tzinfo=dt.UTC)
    assert from_reply.policy == "1.2.398.3.3.2.6.1"
    assert from_reply.serial_number == 0x5E846DD75D861154DB10F13C54DC1F8D33FE6ADC
    assert "СЕРВИС МЕТКИ ВРЕМЕНИ" in from_reply.signer


def test_ncanode_token_signed_with_gost_is_reported_not_verifiable_not_a_crash():
    roots = [load_pem_or_der(NCA / name) for name in ("nca_rsa_test.crt",)]
    info = check_timestamp_token((NCANODE_TSP / "tsp_response.bin").read_bytes(), trust_roots=roots)
    assert info.verified is False and info.problem


def test_eds_verify_takes_the_time_stamp_as_proof_of_time_after_expiry(tmp_path, citizen, tsa, authority):
    from click.testing import CliRunner
    from cryptography.hazmat.primitives import serialization

    from eds_toolkit.cli import main

    root, signature = tmp_path / "root.pem", tmp_path / "application.cms"
    root.write_bytes(authority.root_cert.public_bytes(serialization.Encoding.PEM))
    signature.write_bytes(cades_t(citizen, tsa))
    after_expiry = (citizen.sign.not_valid_after_utc + dt.timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    args = ["--home", str(tmp_path), "verify", str(signature), "--trust", str(root), "--revocation", "none"]
    result = CliRunner().invoke(main, [*args, "--at", after_expiry])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("VALID") and "verified: the proof of time" in result.output


def test_mangled_tokens_and_replies_get_a_verdict_or_an_input_error_quickly(tsa, authority):
    """Random byte changes (seeded): never another exception, never a long wait (asn1crypto re-encodes some
    malformed structures in exponential time; the checker never re-encodes what it was given)."""
    import random
    import time

    reply = tsa.respond(time_stamp_request(b"x"))
    token = tsp.TimeStampResp.load(reply)["time_stamp_token"].dump()
    rng = random.Random(20261203)
    slowest = 0.0
    for _ in range(150):
        mangled = bytearray(rng.choice([token, reply]))
        for _ in range(rng.randint(1, 4)):
            mangled[rng.randrange(len(mangled))] = rng.randrange(256)
        if rng.random() < 0.2:
            mangled = mangled[: rng.randrange(len(mangled))]
        began = time.perf_counter()
        try:
            info = check_timestamp_token(bytes(mangled), trust_roots=[authority.root_cert])
            assert info.verified in (True, False)
        except SignatureInputError:
            pass
        slowest = max(slowest, time.perf_counter() - began)
    assert slowest < 2.0
