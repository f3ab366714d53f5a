"""The time-stamping authority (ca.tsa): its certificate, its answers, its refusals; OpenSSL checks them."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import shutil
import subprocess

import pytest
from asn1crypto import algos, tsp
from ca_test_support import PASSPHRASE
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import ExtendedKeyUsageOID

from ca.errors import CAAlreadyExists, WrongCAPassphrase
from ca.tsa import (
    DEFAULT_POLICY,
    TimeStampAuthority,
    TsaSettings,
    create_tsa,
    open_tsa,
    reply_outcome,
    tsa_files,
)

DATA = b"residence registration application no. 17"


class Clock:
    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture(scope="module")
def tsa_dir(tmp_path_factory, ca_dir, loaded_ca):
    """A copy of the session CA's files with a TSA created in it."""
    directory = tmp_path_factory.mktemp("tsa") / "ca"
    shutil.copytree(ca_dir, directory)
    create_tsa(loaded_ca, directory, PASSPHRASE)
    return directory


@pytest.fixture
def clock() -> Clock:
    return Clock(dt.datetime(2026, 11, 2, 9, 30, 15, 123456, tzinfo=dt.UTC))


@pytest.fixture
def tsa(tsa_dir, loaded_ca, clock) -> TimeStampAuthority:
    return TimeStampAuthority.load(tsa_dir, PASSPHRASE, loaded_ca.chain, clock=clock)


def request(
    data: bytes = DATA,
    *,
    algorithm: str = "sha256",
    nonce: int | None = 0x5EED,
    cert_req: bool = True,
    version: int = 1,
    policy: str | None = None,
    hashed: bytes | None = None,
) -> bytes:
    fields = {
        "version": version,
        "message_imprint": {
            "hash_algorithm": algos.DigestAlgorithm({"algorithm": algorithm}),
            "hashed_message": hashed if hashed is not None else hashlib.new(algorithm, data).digest(),
        },
        "cert_req": cert_req,
    }
    if nonce is not None:
        fields["nonce"] = nonce
    if policy is not None:
        fields["req_policy"] = policy
    return tsp.TimeStampReq(fields).dump()


def tst_info(reply: bytes) -> tsp.TSTInfo:
    token = tsp.TimeStampResp.load(reply)["time_stamp_token"]
    return token["content"]["encap_content_info"]["content"].parsed


def test_the_tsa_certificate_is_for_time_stamping_only_and_chains_to_the_issuing_ca(tsa, loaded_ca):
    certificate = tsa.certificate
    eku = certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    assert eku.critical and list(eku.value) == [ExtendedKeyUsageOID.TIME_STAMPING]
    usage = certificate.extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical and usage.value.digital_signature and not usage.value.key_cert_sign
    assert certificate.issuer == loaded_ca.issuing_cert.subject
    certificate.verify_directly_issued_by(loaded_ca.issuing_cert)
    assert certificate.not_valid_after_utc <= loaded_ca.issuing_cert.not_valid_after_utc


def test_the_tsa_key_is_encrypted_with_the_ca_passphrase_and_private_to_its_owner(tsa_dir, loaded_ca):
    key_path, _, _ = tsa_files(tsa_dir)
    assert oct(os.stat(key_path).st_mode & 0o777) == "0o600"
    assert b"ENCRYPTED PRIVATE KEY" in key_path.read_bytes()
    with pytest.raises(WrongCAPassphrase):
        TimeStampAuthority.load(tsa_dir, b"not the passphrase", loaded_ca.chain)


def test_a_second_tsa_is_never_made_over_the_first(tsa_dir, loaded_ca):
    before = tsa_files(tsa_dir)[1].read_bytes()
    with pytest.raises(CAAlreadyExists):
        create_tsa(loaded_ca, tsa_dir, PASSPHRASE)
    assert (
        open_tsa(loaded_ca, tsa_dir, PASSPHRASE).certificate.public_bytes(serialization.Encoding.PEM)
        == before
    )


@pytest.mark.parametrize("algorithm", ["sha256", "sha384", "sha512"])
def test_a_granted_reply_stamps_the_imprint_at_the_service_clocks_time(tsa, clock, algorithm):
    reply = tsa.respond(request(algorithm=algorithm))
    assert reply_outcome(reply) == (True, "granted")
    info = tst_info(reply)
    assert info["message_imprint"]["hash_algorithm"]["algorithm"].native == algorithm
    assert info["message_imprint"]["hashed_message"].native == hashlib.new(algorithm, DATA).digest()
    assert info["gen_time"].native == clock.now.replace(microsecond=0)
    assert info["accuracy"].native["seconds"] == 1
    assert info["policy"].dotted == DEFAULT_POLICY
    assert info["nonce"].native == 0x5EED


def test_no_nonce_asked_none_echoed(tsa):
    assert tst_info(tsa.respond(request(nonce=None)))["nonce"].native is None


def test_cert_req_decides_whether_the_tsa_certificate_travels_with_the_token(tsa):
    with_certs = tsp.TimeStampResp.load(tsa.respond(request(cert_req=True)))["time_stamp_token"]
    without = tsp.TimeStampResp.load(tsa.respond(request(cert_req=False)))["time_stamp_token"]
    carried = [choice.chosen.dump() for choice in with_certs["content"]["certificates"]]
    assert tsa.certificate.public_bytes(serialization.Encoding.DER) in carried
    assert not without["content"]["certificates"]


def test_serial_numbers_are_unique(tsa):
    serials = {tst_info(tsa.respond(request()))["serial_number"].native for _ in range(300)}
    assert len(serials) == 300


def test_the_policy_is_configurable_and_another_policy_asked_for_is_refused(tsa_dir, loaded_ca, tsa):
    own = TimeStampAuthority(
        tsa._key,
        tsa.certificate,
        loaded_ca.chain,
        TsaSettings(policy="1.3.6.1.4.1.99999.1", accuracy_seconds=2),
    )
    info = tst_info(own.respond(request(policy="1.3.6.1.4.1.99999.1")))
    assert info["policy"].dotted == "1.3.6.1.4.1.99999.1" and info["accuracy"].native["seconds"] == 2
    granted, outcome = reply_outcome(tsa.respond(request(policy="1.3.6.1.4.1.99999.1")))
    assert not granted and "unaccepted_policy" in outcome


@pytest.mark.parametrize(
    ("bad_request", "failure"),
    [
        (request(algorithm="sha1"), "bad_alg"),
        (request(algorithm="md5"), "bad_alg"),
        (request(version=2), "bad_request"),
        (request(hashed=b"\x01" * 20), "bad_data_format"),
        (b"", "bad_data_format"),
        (b"\x30\x03\x02\x01", "bad_data_format"),
        (b"not DER at all", "bad_data_format"),
        (b"\x30" + b"\x84\xff\xff\xff\xff", "bad_data_format"),
        (b"\x30\x82\x10\x00" + b"\x00" * 5000, "bad_data_format"),
    ],
)
def test_bad_requests_get_a_rejection_with_the_reason_never_an_exception(tsa, bad_request, failure):
    granted, outcome = reply_outcome(tsa.respond(bad_request))
    assert not granted and outcome.startswith(f"rejection ({failure})"), outcome


def test_openssl_accepts_the_reply_with_only_the_root_trusted(tsa, loaded_ca, tmp_path, clock):
    clock.now = dt.datetime.now(dt.UTC)  # openssl checks the chain as of now
    root = tmp_path / "root.pem"
    root.write_bytes(loaded_ca.root_cert.public_bytes(serialization.Encoding.PEM))
    data = tmp_path / "data"
    data.write_bytes(DATA)
    query = tmp_path / "query.tsq"
    subprocess.run(["openssl", "ts", "-query", "-data", data, "-sha512", "-cert", "-out", query], check=True)
    reply = tmp_path / "reply.tsr"
    reply.write_bytes(tsa.respond(query.read_bytes()))
    for check in (["-queryfile", query], ["-data", data]):
        verified = subprocess.run(
            ["openssl", "ts", "-verify", *check, "-in", reply, "-CAfile", root],
            capture_output=True,
            text=True,
        )
        assert verified.returncode == 0 and "Verification: OK" in verified.stdout, verified.stderr
    other = tmp_path / "other"
    other.write_bytes(DATA + b".")
    refused = subprocess.run(
        ["openssl", "ts", "-verify", "-data", other, "-in", reply, "-CAfile", root],
        capture_output=True,
        text=True,
    )
    assert refused.returncode != 0


def _open_tsa_in_a_process(ca_directory: str) -> bytes:
    from pathlib import Path

    from ca.authority import CertificateAuthority

    authority = CertificateAuthority.load(Path(ca_directory), PASSPHRASE)
    return open_tsa(authority, Path(ca_directory), PASSPHRASE).certificate.public_bytes(
        serialization.Encoding.DER
    )


def test_workers_starting_together_make_one_tsa(tmp_path, ca_dir):
    """Four processes (as gunicorn workers) answer their first /pki/tsp at once: one TSA, the same for all."""
    import multiprocessing

    directory = tmp_path / "ca"
    shutil.copytree(ca_dir, directory)
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        certificates = pool.map(_open_tsa_in_a_process, [str(directory)] * 4)
    assert len(set(certificates)) == 1
    assert x509.load_der_x509_certificate(certificates[0]) == x509.load_pem_x509_certificate(
        tsa_files(directory)[1].read_bytes()
    )
