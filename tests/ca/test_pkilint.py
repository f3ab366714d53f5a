"""pkilint (RFC 5280 linter) finds no ERROR or FATAL in our certificates, chain links and CRL."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from ca_test_support import ec_key, make_csr, person
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from ca.crl import build_crl

BIN = Path(sys.executable).parent


def tool(name: str) -> str:
    path = BIN / name
    assert path.exists() or shutil.which(name), f"pkilint's {name} is not installed (pip install pkilint)"
    return str(path) if path.exists() else name


def findings(command: list[str]) -> list[tuple[str, str]]:
    """(severity, code) of every finding at WARNING or above."""
    result = subprocess.run(
        [*command[:2], "-s", "WARNING", "-f", "JSON", *command[2:]], capture_output=True, text=True
    )
    assert result.stdout, result.stderr
    return [
        (finding["severity"], finding["code"])
        for entry in json.loads(result.stdout)["results"]
        for finding in entry["finding_descriptions"]
    ]


def errors(found: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [f for f in found if f[0] in ("ERROR", "FATAL")]


def write(tmp_path: Path, name: str, certificate: x509.Certificate) -> str:
    path = tmp_path / name
    path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return str(path)


@pytest.mark.parametrize("profile", ["auth", "sign"])
@pytest.mark.parametrize("key", ["rsa", "p256"])
def test_end_entity_certificates_have_no_errors(authority, tmp_path, profile, key):
    csr = make_csr() if key == "rsa" else make_csr(ec_key(ec.SECP256R1()))
    certificate = authority.issue(csr, person(), profile).certificate
    found = findings([tool("lint_pkix_cert"), "lint", write(tmp_path, "leaf.pem", certificate)])
    assert errors(found) == []


@pytest.mark.parametrize("which", ["root_cert", "issuing_cert"])
def test_ca_certificates_have_no_errors(authority, tmp_path, which):
    found = findings([tool("lint_pkix_cert"), "lint", write(tmp_path, "ca.pem", getattr(authority, which))])
    assert errors(found) == []


def test_each_link_of_the_chain_has_no_errors(authority, tmp_path):
    leaf = authority.issue(make_csr(), person(), "sign").certificate
    root = write(tmp_path, "root.pem", authority.root_cert)
    issuing = write(tmp_path, "issuing.pem", authority.issuing_cert)
    for issuer, subject in ((root, issuing), (issuing, write(tmp_path, "leaf.pem", leaf))):
        assert errors(findings([tool("lint_pkix_signer_signee_cert_chain"), "lint", issuer, subject])) == []


def test_crl_has_no_errors(authority, store, tmp_path):
    issued = authority.issue(make_csr(), person(), "sign")
    store.revoke(issued.record.serial, "key_compromise")
    crl = tmp_path / "ca.crl"
    crl.write_bytes(build_crl(authority).public_bytes(serialization.Encoding.DER))
    command = [tool("lint_crl"), "lint", "-t", "CRL", "-p", "PKIX", str(crl)]
    assert errors(findings(command)) == []


def test_the_linter_does_report_errors_when_there_are_some(tmp_path):
    """Guards the tests above against a linter that passes everything: a CA certificate without key usage."""
    key = ec_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "bad CA")])
    now = dt.datetime.now(dt.UTC)
    bad = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    found = findings([tool("lint_pkix_cert"), "lint", write(tmp_path, "bad.pem", bad)])
    assert ("ERROR", "pkix.ca_certificate_no_ku_extension") in found


def test_ocsp_response_has_no_errors(authority, tmp_path):
    from cryptography.x509 import ocsp

    from ca.ocsp import respond

    issued = authority.issue(make_csr(), person(), "auth")
    request = ocsp.OCSPRequestBuilder().add_certificate(
        issued.certificate, authority.issuing_cert, hashes.SHA1()
    )
    response = tmp_path / "response.der"
    response.write_bytes(respond(request.build().public_bytes(serialization.Encoding.DER), authority))
    assert errors(findings([tool("lint_ocsp_response"), "lint", str(response)])) == []


def test_a_long_cyrillic_name_within_64_characters_is_issued_and_lints_clean(authority, tmp_path):
    """RFC 5280 ub-common-name is 64 characters; these 45 take 89 bytes in UTF-8 (cryptography warns)."""
    long_name = person(surname="Абдрахмановаконстантиновская", given_name="Александрагүлжан")
    certificate = authority.issue(make_csr(), long_name, "sign").certificate
    with pytest.warns(UserWarning, match="length must be >= 1 and <= 64, but it was 89"):  # counts bytes
        common_name = certificate.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value
    assert len(common_name) == 45 and len(common_name.encode()) > 64
    found = findings([tool("lint_pkix_cert"), "lint", write(tmp_path, "leaf.pem", certificate)])
    assert errors(found) == []


def test_ocsp_response_with_a_nonce_has_no_errors(authority, tmp_path):
    from cryptography.x509 import ocsp

    from ca.ocsp import respond

    issued = authority.issue(make_csr(), person(), "sign")
    request = (
        ocsp.OCSPRequestBuilder()
        .add_certificate(issued.certificate, authority.issuing_cert, hashes.SHA256())
        .add_extension(x509.OCSPNonce(bytes(range(32))), False)
    )
    response = tmp_path / "response.der"
    response.write_bytes(respond(request.build().public_bytes(serialization.Encoding.DER), authority))
    assert ocsp.load_der_ocsp_response(response.read_bytes()).extensions  # the nonce is in it
    assert errors(findings([tool("lint_ocsp_response"), "lint", str(response)])) == []
