"""invalidityDate (RFC 5280 5.3.2): since when a key may be compromised. Stored with the revocation, put
on the CRL entry (non-critical, GeneralizedTime) of the base and the delta CRL; OCSP keeps the
revocation time. Checked by openssl and pkilint."""

from __future__ import annotations

import datetime as dt
import subprocess

import pytest
from ca_test_support import make_csr, person
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp
from test_pkilint import errors, findings, tool

from ca.crl import publish_due
from ca.errors import CAError
from ca.ocsp import respond
from ca.store import revoke_valid

T0 = dt.datetime.now(dt.UTC).replace(microsecond=0)  # certificates issued here are valid from about now


def _issue(authority):
    return authority.issue(make_csr(), person(), "auth")


def _revoke(authority, serials, now, reason="key_compromise", invalid_since=None):
    with authority.store.session() as session:
        revoked = revoke_valid(session, serials, now, reason, invalid_since=invalid_since)
        session.commit()
    return revoked


def _invalidity(entry: x509.RevokedCertificate) -> x509.Extension | None:
    try:
        return entry.extensions.get_extension_for_class(x509.InvalidityDate)
    except x509.ExtensionNotFound:
        return None


def test_the_crl_entry_carries_the_invalidity_date_and_ocsp_the_revocation_time(authority, tmp_path):
    compromised, plain = _issue(authority), _issue(authority)
    since = compromised.record.not_before + dt.timedelta(hours=1)
    now = since + dt.timedelta(hours=5)
    _revoke(authority, [compromised.record.serial], now, invalid_since=since)
    _revoke(authority, [plain.record.serial], now)
    assert authority.store.get(compromised.record.serial).invalidity_date == since
    assert authority.store.get(plain.record.serial).invalidity_date is None

    base = publish_due(authority, now=now, force=True).base
    entry = base.get_revoked_certificate_by_serial_number(compromised.certificate.serial_number)
    extension = _invalidity(entry)
    assert extension is not None and extension.critical is False
    assert extension.value.invalidity_date_utc == since
    assert entry.revocation_date_utc == now  # the revocation keeps its own time
    assert _invalidity(base.get_revoked_certificate_by_serial_number(plain.certificate.serial_number)) is None

    path = tmp_path / "base.crl"
    path.write_bytes(base.public_bytes(serialization.Encoding.DER))
    text = subprocess.run(
        ["openssl", "crl", "-inform", "DER", "-in", str(path), "-noout", "-text"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "Invalidity Date" in text
    assert since.strftime("%b %e %H:%M:%S %Y GMT").replace("  ", " ") in " ".join(text.split())
    command = [tool("lint_crl"), "lint", "-t", "CRL", "-p", "PKIX", str(path)]
    assert errors(findings(command)) == []

    request = ocsp.OCSPRequestBuilder().add_certificate(
        compromised.certificate, authority.issuing_cert, hashes.SHA256()
    )
    answer = ocsp.load_der_ocsp_response(
        respond(request.build().public_bytes(serialization.Encoding.DER), authority, now=now)
    )
    assert answer.certificate_status is ocsp.OCSPCertStatus.REVOKED
    assert answer.revocation_time_utc == now
    assert answer.revocation_reason is x509.ReasonFlags.key_compromise


def test_the_delta_crl_carries_it_too_and_lints_clean(authority, tmp_path):
    publish_due(authority, now=T0, force=True)  # a base without the revocation below
    issued = _issue(authority)
    now = T0 + dt.timedelta(minutes=30)
    since = issued.record.not_before + dt.timedelta(minutes=10)
    _revoke(authority, [issued.record.serial], now, invalid_since=since)
    delta = publish_due(authority, now=now + dt.timedelta(hours=1)).delta
    assert delta is not None
    entry = delta.get_revoked_certificate_by_serial_number(issued.certificate.serial_number)
    assert _invalidity(entry).value.invalidity_date_utc == since
    path = tmp_path / "delta.crl"
    path.write_bytes(delta.public_bytes(serialization.Encoding.DER))
    command = [tool("lint_crl"), "lint", "-t", "CRL", "-p", "PKIX", str(path)]
    assert errors(findings(command)) == []


def test_an_invalidity_date_before_the_certificate_starts_is_its_notbefore(authority):
    """A whole day given for a certificate issued that day: the date is never before notBefore."""
    issued = _issue(authority)
    now = issued.record.not_before + dt.timedelta(hours=2)
    _revoke(
        authority, [issued.record.serial], now, invalid_since=issued.record.not_before - dt.timedelta(hours=9)
    )
    assert authority.store.get(issued.record.serial).invalidity_date == issued.record.not_before


def test_an_invalidity_date_after_the_revocation_is_refused(authority):
    issued = _issue(authority)
    now = issued.record.not_before + dt.timedelta(hours=2)
    with pytest.raises(CAError, match="cannot be after the revocation"):
        _revoke(authority, [issued.record.serial], now, invalid_since=now + dt.timedelta(seconds=1))
    assert authority.store.get(issued.record.serial).status == "valid"


def test_the_store_revoke_takes_it_too(authority):
    issued = _issue(authority)
    since = issued.record.not_before + dt.timedelta(minutes=1)
    now = since + dt.timedelta(hours=1)
    record = authority.store.revoke(issued.record.serial, "key_compromise", now=now, invalid_since=since)
    assert record.invalidity_date == since
