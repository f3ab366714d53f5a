"""Renewal through the library: a real pair from the enrolment API renews into a new pair, once."""

from __future__ import annotations

import datetime as dt
import subprocess

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import ExtendedKeyUsageOID
from flow_helpers import GOOD_PASSWORD, KNOWN_IIN, race
from renewal_helpers import certificate_count, key_for, new_csrs, status_of

from eds_agent.cms import sign_cms
from eds_toolkit.core.audit_models import AuditEvent
from eds_toolkit.flow.renewal_models import RenewalChallenge
from eds_toolkit.renewal import complete_renewal, start_renewal
from keystore.pkcs12 import build_keystore, open_keystore
from national_profile.profiles import REMOTE_IDENTIFICATION, REMOTE_VIA_DIGITAL_ID


def test_a_real_auth_keystore_renews_into_a_new_pair_and_the_old_pair_is_superseded(ctx, holder, tmp_path):
    # the citizen's AUTH keystore as issued, opened again: its key signs the challenge
    keystore = open_keystore(
        build_keystore(holder.auth_key, holder.auth, holder.chain, GOOD_PASSWORD), GOOD_PASSWORD
    )
    challenge = start_renewal(ctx)
    cms = sign_cms(challenge.data, keystore.key, keystore.certificate, keystore.chain, attached=False)
    auth_csr, sign_csr = new_csrs()

    pair = complete_renewal(ctx, challenge.id, cms, auth_csr, sign_csr)

    new_auth = x509.load_pem_x509_certificate(pair.auth_pem)
    new_sign = x509.load_pem_x509_certificate(pair.sign_pem)
    issuing = holder.chain[0]
    for new, old, key in ((new_auth, holder.auth, "second-auth"), (new_sign, holder.sign, "second-sign")):
        new.verify_directly_issued_by(issuing)
        assert new.subject == old.subject  # the person comes from the AUTH certificate
        assert new.public_key().public_numbers() == key_for(key).public_key().public_numbers()
        assert new.not_valid_after_utc == new.not_valid_before_utc.replace(
            year=new.not_valid_before_utc.year + 1
        )
        usages = new.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
        assert REMOTE_IDENTIFICATION not in usages and REMOTE_VIA_DIGITAL_ID not in usages  # not remote now
    assert (
        ExtendedKeyUsageOID.CLIENT_AUTH
        in new_auth.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    )
    assert x509.load_pem_x509_certificates(pair.chain_pem) == holder.chain
    assert set(pair.superseded_serials) == {holder.auth_serial, holder.sign_serial}
    assert status_of(ctx, holder.auth_serial) == ("revoked", "superseded")
    assert status_of(ctx, holder.sign_serial) == ("revoked", "superseded")
    store = ctx.ca().store
    for serial in (pair.auth_serial, pair.sign_serial):
        record = store.get(serial)
        assert (record.status, record.iin, record.identification) == ("valid", KNOWN_IIN, "renewal")
    with ctx.session() as session:
        row = session.get(RenewalChallenge, challenge.id)
        assert (row.outcome, row.old_auth_serial, row.new_auth_serial) == (
            "renewed",
            holder.auth_serial,
            pair.auth_serial,
        )
        events = session.query(AuditEvent).filter_by(action="renewal").all()
        assert [(event.outcome, event.reason) for event in events] == [("ok", "renewed")]

    # cross-check with OpenSSL: the CMS verifies over exactly the challenge bytes, chaining to our root
    (tmp_path / "challenge.txt").write_bytes(challenge.data)
    (tmp_path / "challenge.p7s").write_bytes(cms)
    (tmp_path / "root.pem").write_bytes(holder.chain[1].public_bytes(serialization.Encoding.PEM))
    verify = [
        "openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", str(tmp_path / "challenge.p7s"),
        "-content", str(tmp_path / "challenge.txt"), "-CAfile", str(tmp_path / "root.pem"),
        "-purpose", "any", "-out", "/dev/null",
    ]  # fmt: skip
    assert subprocess.run(verify, capture_output=True).returncode == 0
    (tmp_path / "challenge.txt").write_bytes(challenge.data + b" ")
    assert subprocess.run(verify, capture_output=True).returncode != 0


def test_an_attached_signature_renews_too(ctx, holder):
    challenge = start_renewal(ctx)
    pair = complete_renewal(ctx, challenge.id, holder.cms(challenge.data, attached=True), *new_csrs())
    assert ctx.ca().store.get(pair.auth_serial).status == "valid"


def test_the_renewed_auth_certificate_renews_next_year_and_supersedes_the_renewed_pair(ctx, holder, clock):
    first = start_renewal(ctx)
    renewed = complete_renewal(ctx, first.id, holder.cms(first.data), *new_csrs("second"))
    renewed_auth = x509.load_pem_x509_certificate(renewed.auth_pem)

    clock.advance(dt.timedelta(days=340).total_seconds())  # a year later, before expiry
    second = start_renewal(ctx)
    cms = sign_cms(second.data, key_for("second-auth"), renewed_auth, holder.chain, attached=False)
    # a real CA clock would say "a year later" too; the proof reads the service clock
    third = complete_renewal(ctx, second.id, cms, *new_csrs("third"))

    assert set(third.superseded_serials) == {renewed.auth_serial, renewed.sign_serial}
    assert status_of(ctx, renewed.sign_serial) == ("revoked", "superseded")
    assert status_of(ctx, third.auth_serial) == ("valid", None)


def test_the_challenge_text_is_random_and_expires_in_five_minutes(ctx, clock):
    one, two = start_renewal(ctx), start_renewal(ctx)
    assert one.id != two.id and one.text != two.text
    assert one.id in one.text
    assert one.expires_at == clock.now() + dt.timedelta(minutes=5)


def test_racing_renewals_with_one_certificate_renew_once(ctx, holder):
    racers = 4
    challenges = [start_renewal(ctx) for _ in range(racers)]
    signed = [(c.id, holder.cms(c.data)) for c in challenges]
    csrs = new_csrs()
    before = certificate_count(ctx)
    queue = list(signed)

    def renew():
        challenge_id, cms = queue.pop()
        complete_renewal(ctx, challenge_id, cms, *csrs)

    outcomes = race(racers, renew)
    assert sorted(outcomes) == sorted(["ok"] + ["certificate_revoked"] * (racers - 1)), outcomes
    assert certificate_count(ctx) == before + 2


def test_the_crl_lists_the_superseded_pair(ctx, holder):
    from ca.crl import build_crl

    challenge = start_renewal(ctx)
    pair = complete_renewal(ctx, challenge.id, holder.cms(challenge.data), *new_csrs())
    crl = build_crl(ctx.ca())
    for serial in (holder.auth_serial, holder.sign_serial):
        entry = crl.get_revoked_certificate_by_serial_number(int(serial, 16))
        assert (
            entry.extensions.get_extension_for_class(x509.CRLReason).value.reason
            == x509.ReasonFlags.superseded
        )
    assert crl.get_revoked_certificate_by_serial_number(int(pair.auth_serial, 16)) is None


def test_unused_challenges_are_purged_a_day_after_expiry_and_used_ones_kept(ctx, holder, clock):
    unused = start_renewal(ctx)
    used = start_renewal(ctx)
    complete_renewal(ctx, used.id, holder.cms(used.data), *new_csrs())
    clock.advance(dt.timedelta(days=1, minutes=6).total_seconds())
    start_renewal(ctx)
    with ctx.session() as session:
        assert session.get(RenewalChallenge, unused.id) is None
        assert session.get(RenewalChallenge, used.id).outcome == "renewed"
