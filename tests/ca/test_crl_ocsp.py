"""Revocation publishing: the CRL and the OCSP responder, checked with the openssl command line."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import pytest
from ca_test_support import make_csr, person, rsa_key
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509 import ocsp as x509_ocsp

from ca.crl import build_crl
from ca.ocsp import respond


def run(*command: str) -> subprocess.CompletedProcess:
    return subprocess.run(list(command), capture_output=True, text=True)


@pytest.fixture
def ca_files(authority, tmp_path):
    chain = tmp_path / "chain.pem"
    chain.write_bytes(authority.chain_pem())
    issuing = tmp_path / "issuing.pem"
    issuing.write_bytes(authority.issuing_cert.public_bytes(serialization.Encoding.PEM))
    return chain, issuing


def test_crl_lists_revoked_certificates_and_openssl_verifies_its_signature(
    authority, store, ca_files, tmp_path
):
    revoked = authority.issue(make_csr(), person(), "sign")
    kept = authority.issue(make_csr(rsa_key(index=1)), person(), "auth")
    store.revoke(revoked.record.serial, "key_compromise")
    crl = build_crl(authority)
    path = tmp_path / "ca.crl"
    path.write_bytes(crl.public_bytes(serialization.Encoding.DER))
    result = run("openssl", "crl", "-inform", "DER", "-in", str(path), "-CAfile", str(ca_files[0]), "-noout")
    assert result.returncode == 0 and "verify OK" in result.stderr + result.stdout
    assert crl.get_revoked_certificate_by_serial_number(revoked.certificate.serial_number) is not None
    assert crl.get_revoked_certificate_by_serial_number(kept.certificate.serial_number) is None
    entry = crl.get_revoked_certificate_by_serial_number(revoked.certificate.serial_number)
    assert (
        entry.extensions.get_extension_for_class(x509.CRLReason).value.reason
        == x509.ReasonFlags.key_compromise
    )
    assert crl.next_update_utc - crl.last_update_utc == dt.timedelta(days=7)


def test_openssl_verify_with_the_crl_rejects_the_revoked_and_accepts_the_other(
    authority, store, ca_files, tmp_path
):
    revoked = authority.issue(make_csr(), person(), "sign")
    kept = authority.issue(make_csr(), person(), "sign")
    store.revoke(revoked.record.serial, "superseded")
    crl = tmp_path / "ca.crl.pem"
    crl.write_bytes(build_crl(authority).public_bytes(serialization.Encoding.PEM))
    chain, issuing = ca_files
    outcomes = {}
    for name, issued in (("revoked", revoked), ("kept", kept)):
        leaf = tmp_path / f"{name}.pem"
        leaf.write_bytes(issued.pem())
        outcomes[name] = run(
            "openssl", "verify", "-crl_check", "-CAfile", str(chain), "-CRLfile", str(crl), str(leaf)
        )
    assert outcomes["kept"].returncode == 0, outcomes["kept"].stderr
    assert outcomes["revoked"].returncode != 0
    assert "certificate revoked" in outcomes["revoked"].stdout + outcomes["revoked"].stderr


def test_crl_numbers_increase(authority, store):
    first = build_crl(authority, now=dt.datetime(2026, 11, 1, 12, 0, 0, 1, tzinfo=dt.UTC))
    second = build_crl(authority, now=dt.datetime(2026, 11, 1, 12, 0, 0, 2, tzinfo=dt.UTC))
    number = lambda crl: crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number  # noqa: E731
    assert number(second) > number(first)


def ocsp_status(authority, ca_files, tmp_path, leaf_pem: bytes) -> subprocess.CompletedProcess:
    """Request with `openssl ocsp -reqout`, answer with respond(), check with `openssl ocsp -reqin -respin`.

    With -reqin openssl verifies the response's signature against the chain and the echoed nonce.
    """
    chain, issuing = ca_files
    leaf = tmp_path / "leaf.pem"
    leaf.write_bytes(leaf_pem)
    request, response = tmp_path / "request.der", tmp_path / "response.der"
    made = run("openssl", "ocsp", "-issuer", str(issuing), "-cert", str(leaf), "-reqout", str(request))
    assert made.returncode == 0, made.stderr
    response.write_bytes(respond(request.read_bytes(), authority))
    return run(
        "openssl",
        "ocsp",
        "-reqin",
        str(request),
        "-respin",
        str(response),
        "-CAfile",
        str(chain),
        "-resp_text",
    )


def test_openssl_ocsp_gets_good_for_a_valid_certificate(authority, ca_files, tmp_path):
    issued = authority.issue(make_csr(), person(), "auth")
    result = ocsp_status(authority, ca_files, tmp_path, issued.pem())
    assert result.returncode == 0, result.stderr
    assert "Response verify OK" in result.stderr + result.stdout
    assert "Cert Status: good" in result.stdout


def test_openssl_ocsp_gets_revoked_with_reason(authority, store, ca_files, tmp_path):
    issued = authority.issue(make_csr(), person(), "auth")
    store.revoke(issued.record.serial, "key_compromise")
    result = ocsp_status(authority, ca_files, tmp_path, issued.pem())
    assert "Response verify OK" in result.stderr + result.stdout
    assert "Cert Status: revoked" in result.stdout and "keyCompromise" in result.stdout


def test_ocsp_answers_unknown_for_a_serial_we_never_issued(authority, store, ca_files, tmp_path):
    issued = authority.issue(make_csr(), person(), "auth")
    with store.session() as session, session.begin():
        session.delete(session.merge(issued.record))
    result = ocsp_status(authority, ca_files, tmp_path, issued.pem())
    assert "Cert Status: unknown" in result.stdout


def test_ocsp_refuses_malformed_requests_and_other_cas(authority):
    malformed = x509_ocsp.load_der_ocsp_response(respond(b"\x30\x03\x02\x01\x00", authority))
    assert malformed.response_status == x509_ocsp.OCSPResponseStatus.MALFORMED_REQUEST
    national = x509.load_pem_x509_certificate(
        (__import__("ca_test_support").NCA / "individual_valid_sign_2004_rsa.cer").read_bytes()
    )
    national_ca = x509.load_pem_x509_certificate(
        (__import__("ca_test_support").NCA / "nca_rsa_test.crt").read_bytes()
    )
    from cryptography.hazmat.primitives import hashes

    request = x509_ocsp.OCSPRequestBuilder().add_certificate(national, national_ca, hashes.SHA1()).build()
    answer = x509_ocsp.load_der_ocsp_response(
        respond(request.public_bytes(serialization.Encoding.DER), authority)
    )
    assert answer.response_status == x509_ocsp.OCSPResponseStatus.UNAUTHORIZED


def nonce_request(issued, authority, tmp_path, *options: str) -> tuple[str, str]:
    """An `openssl ocsp` request (with ``options``: -nonce / -no_nonce) and our response, as files."""
    issuing, leaf = tmp_path / "issuing.pem", tmp_path / "leaf.pem"
    issuing.write_bytes(authority.issuing_cert.public_bytes(serialization.Encoding.PEM))
    leaf.write_bytes(issued.pem())
    request, response = tmp_path / "request.der", tmp_path / "response.der"
    made = run(
        "openssl", "ocsp", "-issuer", str(issuing), "-cert", str(leaf), *options, "-reqout", str(request)
    )
    assert made.returncode == 0, made.stderr
    response.write_bytes(respond(request.read_bytes(), authority))
    return str(request), str(response)


def test_openssl_ocsp_nonce_is_echoed_and_checked(authority, ca_files, tmp_path):
    issued = authority.issue(make_csr(), person(), "auth")
    request, response = nonce_request(issued, authority, tmp_path, "-nonce")
    checked = run("openssl", "ocsp", "-reqin", request, "-respin", response, "-CAfile", str(ca_files[0]))
    assert "Response verify OK" in checked.stdout + checked.stderr
    assert "WARNING: no nonce in response" not in checked.stdout + checked.stderr
    answer = x509_ocsp.load_der_ocsp_response(Path(response).read_bytes())
    asked = x509_ocsp.load_der_ocsp_request(Path(request).read_bytes())
    assert (
        answer.extensions.get_extension_for_class(x509.OCSPNonce).value
        == asked.extensions.get_extension_for_class(x509.OCSPNonce).value
    )


def test_a_request_without_a_nonce_is_answered_without_one(authority, ca_files, tmp_path):
    issued = authority.issue(make_csr(), person(), "auth")
    request, response = nonce_request(issued, authority, tmp_path, "-no_nonce")
    checked = run(
        "openssl", "ocsp", "-reqin", request, "-respin", response, "-CAfile", str(ca_files[0]), "-resp_text"
    )
    assert "Response verify OK" in checked.stdout + checked.stderr
    assert "Cert Status: good" in checked.stdout
    answer = x509_ocsp.load_der_ocsp_response(Path(response).read_bytes())
    with pytest.raises(x509.ExtensionNotFound):
        answer.extensions.get_extension_for_class(x509.OCSPNonce)


@pytest.mark.parametrize("length, answered", [(0, False), (1, True), (32, True), (33, False)])
def test_nonces_of_1_to_32_octets_are_echoed_others_are_malformed_rfc_8954(authority, length, answered):
    from cryptography.hazmat.primitives import hashes

    issued = authority.issue(make_csr(), person(), "auth")
    builder = x509_ocsp.OCSPRequestBuilder().add_certificate(
        issued.certificate, authority.issuing_cert, hashes.SHA1()
    )
    request = builder.add_extension(x509.OCSPNonce(b"\x01" * length), False).build()
    answer = x509_ocsp.load_der_ocsp_response(
        respond(request.public_bytes(serialization.Encoding.DER), authority)
    )
    if answered:
        assert answer.response_status == x509_ocsp.OCSPResponseStatus.SUCCESSFUL
        assert answer.extensions.get_extension_for_class(x509.OCSPNonce).value.nonce == b"\x01" * length
    else:
        assert answer.response_status == x509_ocsp.OCSPResponseStatus.MALFORMED_REQUEST


def test_ocsp_follows_the_live_store(authority, store, ca_files, tmp_path):
    issued = authority.issue(make_csr(), person(), "auth")
    assert "Cert Status: good" in ocsp_status(authority, ca_files, tmp_path, issued.pem()).stdout
    store.revoke(issued.record.serial, "privilege_withdrawn")
    assert "Cert Status: revoked" in ocsp_status(authority, ca_files, tmp_path, issued.pem()).stdout
