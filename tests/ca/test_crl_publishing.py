"""CRLs as the CA publishes them: stored numbers, base and delta CRLs, the root's CRL, when each is due;
checked by openssl (crl -text, verify -crl_check -use_deltas) and pkilint."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import subprocess

import pytest
from ca_test_support import PASSPHRASE, make_csr, person, rsa_key
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from test_pkilint import errors, findings, tool

from ca.authority import load_root_key
from ca.crl import current_crl, issuer_key, publish_due, publish_root_crl
from ca.store import CertificateStore, next_crl_number
from eds_toolkit.db import make_engine

T0 = dt.datetime.now(dt.UTC).replace(microsecond=0)  # certificates issued in a test are valid from now


def number(crl: x509.CertificateRevocationList) -> int:
    return crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number


def run(*command: str) -> subprocess.CompletedProcess:
    return subprocess.run(list(command), capture_output=True, text=True)


def write(path, crl: x509.CertificateRevocationList):
    path.write_bytes(crl.public_bytes(serialization.Encoding.PEM))
    return str(path)


def test_numbers_come_from_one_counter_shared_by_base_and_delta(authority):
    published = publish_due(authority, now=T0)
    base, delta = published.base, published.delta
    assert number(delta) == number(base) + 1
    assert delta.extensions.get_extension_for_class(x509.DeltaCRLIndicator).value.crl_number == number(base)
    again = publish_due(authority, now=T0, force=True)
    assert number(again.base) == number(delta) + 1 and number(again.delta) == number(delta) + 2
    # The first number continues above the time-based numbers CRLs had before the counter existed.
    assert number(base) >= int(T0.timestamp()) * 1_000_000


def test_nothing_is_published_before_it_is_due_and_no_number_is_used(authority):
    first = publish_due(authority, now=T0)
    assert list(publish_due(authority, now=T0 + dt.timedelta(minutes=59))) == []
    hourly = publish_due(authority, now=T0 + dt.timedelta(minutes=61))
    assert hourly.base is None and number(hourly.delta) == number(first.delta) + 1
    daily = publish_due(authority, now=T0 + dt.timedelta(days=1))
    assert number(daily.base) == number(hourly.delta) + 1 and daily.delta is not None
    assert daily.base.next_update_utc - daily.base.last_update_utc == dt.timedelta(days=7)
    assert hourly.delta.next_update_utc - hourly.delta.last_update_utc == dt.timedelta(days=1)


def _publish_forced(url: str, ca_dir, times: int, queue) -> None:
    from ca.authority import CertificateAuthority

    authority = CertificateAuthority.load(ca_dir, PASSPHRASE, CertificateStore(make_engine(url)))
    numbers = []
    for _ in range(times):
        numbers.extend(number(crl) for crl in publish_due(authority, force=True))
    queue.put(numbers)


def test_two_processes_publishing_at_once_never_share_a_number(authority, store, ca_dir):
    url = store.engine.url.render_as_string(hide_password=False)
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    workers = [context.Process(target=_publish_forced, args=(url, ca_dir, 15, queue)) for _ in range(2)]
    for worker in workers:
        worker.start()
    numbers = [n for _ in workers for n in queue.get(timeout=120)]
    for worker in workers:
        worker.join(timeout=30)
    assert len(numbers) == 60 and len(set(numbers)) == 60
    with store.session() as session:  # the counter ends at the highest number given
        last = next_crl_number(session, issuer_key(authority.issuing_cert), first=1)
        session.rollback()
    assert last == max(numbers) + 1


def test_the_delta_lists_only_what_was_revoked_since_its_base(authority, store):
    early = authority.issue(make_csr(rsa_key(index=1)), person(), "sign")
    late = authority.issue(make_csr(rsa_key(index=2)), person(), "auth")
    store.revoke(early.record.serial, "key_compromise", now=T0)
    base = publish_due(authority, now=T0).base
    store.revoke(late.record.serial, "superseded", now=T0 + dt.timedelta(minutes=5))
    delta = publish_due(authority, now=T0 + dt.timedelta(hours=2)).delta
    assert [entry.serial_number for entry in base] == [early.certificate.serial_number]
    assert [entry.serial_number for entry in delta] == [late.certificate.serial_number]
    freshest = base.extensions.get_extension_for_class(x509.FreshestCRL).value
    assert freshest[0].full_name[0].value == authority.config.delta_crl_url
    with pytest.raises(x509.ExtensionNotFound):  # RFC 5280 5.2.6: never in a delta CRL
        delta.extensions.get_extension_for_class(x509.FreshestCRL)
    assert delta.extensions.get_extension_for_class(x509.DeltaCRLIndicator).critical


def test_certificates_name_the_delta_crl_in_freshest_crl(authority):
    certificate = authority.issue(make_csr(), person(), "sign").certificate
    (point,) = certificate.extensions.get_extension_for_class(x509.FreshestCRL).value
    assert [name.value for name in point.full_name] == [authority.config.delta_crl_url]
    assert authority.config.delta_crl_url.endswith("/pki/delta.crl")


def test_openssl_reads_the_delta_and_rejects_a_certificate_revoked_after_the_base(authority, store, tmp_path):
    kept = authority.issue(make_csr(rsa_key(index=1)), person(), "sign")
    late = authority.issue(make_csr(rsa_key(index=2)), person(), "auth")
    base = publish_due(authority, now=T0).base
    store.revoke(late.record.serial, "key_compromise", now=T0 + dt.timedelta(minutes=5))
    delta = publish_due(authority, now=T0 + dt.timedelta(hours=2)).delta
    chain = tmp_path / "chain.pem"
    chain.write_bytes(authority.chain_pem())
    base_file, delta_file = write(tmp_path / "base.pem", base), write(tmp_path / "delta.pem", delta)

    text = run("openssl", "crl", "-in", delta_file, "-noout", "-text")
    assert "X509v3 Delta CRL Indicator: critical" in text.stdout
    assert f"{number(base)}" in text.stdout.split("Delta CRL Indicator")[1].splitlines()[1].replace(":", "")
    base_text = run("openssl", "crl", "-in", base_file, "-noout", "-text").stdout
    assert "X509v3 Freshest CRL" in base_text and authority.config.delta_crl_url in base_text

    def verify(leaf, *crls: str, deltas: bool) -> subprocess.CompletedProcess:
        path = tmp_path / "leaf.pem"
        path.write_bytes(leaf.pem())
        crl_files = [arg for crl in crls for arg in ("-CRLfile", crl)]
        options = ["-crl_check", "-use_deltas"] if deltas else ["-crl_check"]
        # -attime: the delta is dated T0 + 2 hours
        at = str(int((T0 + dt.timedelta(hours=2)).timestamp()))
        return run("openssl", "verify", *options, "-attime", at, "-CAfile", str(chain), *crl_files, str(path))

    only_base = verify(late, base_file, deltas=False)
    with_delta = verify(late, base_file, delta_file, deltas=True)
    assert only_base.returncode == 0, only_base.stdout + only_base.stderr
    assert with_delta.returncode != 0 and "certificate revoked" in with_delta.stdout + with_delta.stderr
    assert verify(kept, base_file, delta_file, deltas=True).returncode == 0


def test_the_root_crl_is_signed_by_the_root_and_openssl_checks_the_whole_chain(
    authority, store, ca_dir, tmp_path
):
    root_key = load_root_key(ca_dir, PASSPHRASE)
    root_crl = publish_root_crl(store, authority.root_cert, root_key, now=T0)
    assert root_crl.is_signature_valid(authority.root_cert.public_key())
    assert root_crl.issuer == authority.root_cert.subject and number(root_crl) == 1
    assert root_crl.next_update_utc - root_crl.last_update_utc == dt.timedelta(days=365)
    assert publish_root_crl(store, authority.root_cert, root_key, now=T0 + dt.timedelta(days=30)) is None
    assert current_crl(authority, "root") == root_crl.public_bytes(serialization.Encoding.DER)

    leaf = authority.issue(make_csr(), person(), "sign")
    base = publish_due(authority).base
    chain = tmp_path / "chain.pem"
    chain.write_bytes(authority.chain_pem())
    leaf_file = tmp_path / "leaf.pem"
    leaf_file.write_bytes(leaf.pem())
    crls = [
        "-CRLfile",
        write(tmp_path / "root.pem", root_crl),
        "-CRLfile",
        write(tmp_path / "base.pem", base),
    ]
    at = str(int((T0 + dt.timedelta(days=1)).timestamp()))
    checked = run(
        "openssl", "verify", "-crl_check_all", "-attime", at, "-CAfile", str(chain), *crls, str(leaf_file)
    )
    without_root_crl = run(
        "openssl", "verify", "-crl_check_all", "-attime", at, "-CAfile", str(chain), *crls[2:], str(leaf_file)
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert without_root_crl.returncode != 0 and "unable to get certificate CRL" in without_root_crl.stderr


def test_a_revoked_issuing_ca_stays_on_every_later_root_crl(authority, store, ca_dir):
    root_key = load_root_key(ca_dir, PASSPHRASE)
    serial = authority.issuing_cert.serial_number
    publish_root_crl(store, authority.root_cert, root_key, revoked=[(serial, T0, "ca_compromise")], now=T0)
    later = publish_root_crl(store, authority.root_cert, root_key, now=T0 + dt.timedelta(days=340))
    entry = later.get_revoked_certificate_by_serial_number(serial)
    assert entry is not None and number(later) == 2
    assert (
        entry.extensions.get_extension_for_class(x509.CRLReason).value.reason
        == x509.ReasonFlags.ca_compromise
    )


@pytest.mark.parametrize("which", ["base", "delta", "root"])
def test_pkilint_finds_no_errors_in_base_delta_and_root_crls(authority, store, ca_dir, tmp_path, which):
    early = authority.issue(make_csr(rsa_key(index=1)), person(), "sign")
    store.revoke(early.record.serial, "key_compromise")
    publish_due(authority)
    late = authority.issue(make_csr(rsa_key(index=2)), person(), "auth")
    store.revoke(late.record.serial, "unspecified")
    published = publish_due(authority, now=authority.clock() + dt.timedelta(hours=2))
    root = publish_root_crl(store, authority.root_cert, load_root_key(ca_dir, PASSPHRASE))
    crl = {
        "base": x509.load_der_x509_crl(current_crl(authority, "base")),
        "delta": published.delta,
        "root": root,
    }[which]
    assert which != "delta" or len(list(crl)) == 1
    path = write(tmp_path / f"{which}.pem", crl)
    found = findings(
        [tool("lint_crl"), "lint", "-t", "ARL" if which == "root" else "CRL", "-p", "PKIX", path]
    )
    assert errors(found) == [], found
