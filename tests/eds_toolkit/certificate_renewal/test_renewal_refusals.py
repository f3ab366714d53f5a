"""Every refusal of a renewal says why and leaves nothing issued and nothing revoked."""

from __future__ import annotations

import datetime as dt

import pytest
from asn1crypto import cms as asn1_cms
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from flow_helpers import KNOWN_IIN
from renewal_helpers import OTHER_IIN, certificate_count, key_for, new_csrs, status_of

from ca.errors import CAError
from eds_agent.cms import sign_cms
from eds_toolkit.core.audit_models import AuditEvent
from eds_toolkit.core.refusals import InvalidInput, NotFound, Refusal, ServiceUnavailable
from eds_toolkit.flow.renewal_models import RenewalChallenge
from eds_toolkit.renewal import ChallengeRefused, RenewalRefused, complete_renewal, start_renewal


def refused(ctx, holder, challenge_id: str, cms, csrs=None, *, revoked_before: bool = False) -> Refusal:
    """Attempt the renewal; assert it is refused with nothing issued and the old pair untouched."""
    before = certificate_count(ctx)
    with pytest.raises(Refusal) as caught:
        complete_renewal(ctx, challenge_id, cms, *(csrs or new_csrs()))
    assert certificate_count(ctx) == before
    if not revoked_before:
        assert status_of(ctx, holder.auth_serial) == ("valid", None)
    assert status_of(ctx, holder.sign_serial) == ("valid", None)
    return caught.value


def outcome_of(ctx, challenge_id: str) -> tuple[bool, str | None]:
    with ctx.session() as session:
        row = session.get(RenewalChallenge, challenge_id)
        return row.used_at is not None, row.outcome


def test_an_expired_auth_certificate_is_refused(ctx, holder, clock):
    clock.set(holder.auth.not_valid_after_utc + dt.timedelta(days=1))
    challenge = start_renewal(ctx)
    error = refused(ctx, holder, challenge.id, holder.cms(challenge.data))
    assert (type(error), error.code) == (RenewalRefused, "certificate_expired")
    assert "service centre" in error.message
    assert outcome_of(ctx, challenge.id) == (True, "certificate_expired")


def test_a_revoked_auth_certificate_is_refused(ctx, holder):
    ctx.ca().store.revoke(holder.auth_serial, "key_compromise")
    challenge = start_renewal(ctx)
    error = refused(ctx, holder, challenge.id, holder.cms(challenge.data), revoked_before=True)
    assert (type(error), error.code) == (RenewalRefused, "certificate_revoked")
    assert status_of(ctx, holder.auth_serial) == ("revoked", "key_compromise")  # not overwritten


def test_a_certificate_from_another_ca_with_our_issuer_name_is_refused(ctx, holder):
    forger = key_for("forged-ca")
    now = dt.datetime.now(dt.UTC)
    forged_ca = (
        x509.CertificateBuilder()
        .subject_name(holder.chain[0].subject)
        .issuer_name(holder.chain[0].subject)
        .public_key(forger.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=400))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), True)
        .sign(forger, hashes.SHA256())
    )
    forged_auth = (
        x509.CertificateBuilder()
        .subject_name(holder.auth.subject)
        .issuer_name(forged_ca.subject)
        .public_key(holder.auth_key.public_key())
        .serial_number(holder.auth.serial_number)  # even the serial of a real certificate
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=300))
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), False)
        .sign(forger, hashes.SHA256())
    )
    challenge = start_renewal(ctx)
    cms = sign_cms(challenge.data, holder.auth_key, forged_auth, [forged_ca], attached=False)
    error = refused(ctx, holder, challenge.id, cms)
    assert (type(error), error.code) == (RenewalRefused, "foreign_certificate")


def test_the_sign_certificate_instead_of_the_auth_one_is_refused(ctx, holder):
    challenge = start_renewal(ctx)
    error = refused(ctx, holder, challenge.id, holder.cms(challenge.data, profile="sign"))
    assert (type(error), error.code) == (RenewalRefused, "not_auth_certificate")
    assert "AUTH certificate, not the SIGN" in error.message


def test_a_signature_over_another_challenge_is_refused(ctx, holder):
    challenge, other = start_renewal(ctx), start_renewal(ctx)
    error = refused(ctx, holder, challenge.id, holder.cms(other.data))
    assert (type(error), error.code) == (InvalidInput, "wrong_challenge")


def test_an_attached_signature_over_other_bytes_is_refused(ctx, holder):
    challenge = start_renewal(ctx)
    error = refused(ctx, holder, challenge.id, holder.cms(challenge.data + b"\n", attached=True))
    assert (type(error), error.code) == (InvalidInput, "wrong_challenge")


def test_a_replayed_challenge_is_refused(ctx, holder):
    challenge = start_renewal(ctx)
    cms = holder.cms(challenge.data)
    complete_renewal(ctx, challenge.id, cms, *new_csrs())
    before = certificate_count(ctx)
    with pytest.raises(ChallengeRefused) as caught:
        complete_renewal(ctx, challenge.id, cms, *new_csrs("third"))
    assert caught.value.code == "challenge_used"
    assert certificate_count(ctx) == before


def test_a_refused_attempt_spends_the_challenge(ctx, holder):
    challenge = start_renewal(ctx)
    refused(ctx, holder, challenge.id, holder.cms(challenge.data, profile="sign"))
    error = refused(ctx, holder, challenge.id, holder.cms(challenge.data))
    assert (type(error), error.code) == (ChallengeRefused, "challenge_used")


def test_a_challenge_older_than_five_minutes_is_refused(ctx, holder, clock):
    challenge = start_renewal(ctx)
    clock.advance(301)
    error = refused(ctx, holder, challenge.id, holder.cms(challenge.data))
    assert (type(error), error.code) == (ChallengeRefused, "challenge_expired")


def test_an_unknown_challenge_is_not_found(ctx, holder):
    error = refused(ctx, holder, "no-such-challenge", holder.cms(b"anything"))
    assert (type(error), error.code) == (NotFound, "challenge_not_found")


def test_a_tampered_signature_is_refused(ctx, holder):
    challenge = start_renewal(ctx)
    info = asn1_cms.ContentInfo.load(holder.cms(challenge.data))
    signer = info["content"]["signer_infos"][0]
    value = bytearray(signer["signature"].native)
    value[10] ^= 0x01
    signer["signature"] = bytes(value)
    error = refused(ctx, holder, challenge.id, info.dump(force=True))
    assert (type(error), error.code) == (RenewalRefused, "bad_signature")


def test_tampered_signed_attributes_are_refused(ctx, holder):
    challenge = start_renewal(ctx)
    info = asn1_cms.ContentInfo.load(holder.cms(challenge.data))
    signer = info["content"]["signer_infos"][0]
    for attribute in signer["signed_attrs"]:
        if attribute["type"].native == "signing_time":
            attribute["values"] = [asn1_cms.Time({"utc_time": dt.datetime(2020, 1, 1, tzinfo=dt.UTC)})]
    error = refused(ctx, holder, challenge.id, info.dump(force=True))
    assert (type(error), error.code) == (RenewalRefused, "bad_signature")


def test_a_garbled_cms_is_refused(ctx, holder):
    challenge = start_renewal(ctx)
    error = refused(ctx, holder, challenge.id, b"this is not a signature")
    assert (type(error), error.code) == (InvalidInput, "malformed_cms")


def test_csrs_for_another_iin_are_refused(ctx, holder):
    challenge = start_renewal(ctx)
    auth_csr, _ = new_csrs()
    _, other_sign_csr = new_csrs(iin=OTHER_IIN)
    error = refused(ctx, holder, challenge.id, holder.cms(challenge.data), (auth_csr, other_sign_csr))
    assert (type(error), error.code) == (InvalidInput, "iin_mismatch")
    assert OTHER_IIN in error.message


def test_a_csr_without_an_iin_is_refused(ctx, holder):
    key = key_for("second-auth")
    anonymous = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ANYONE")]))
        .sign(key, hashes.SHA256())
        .public_bytes(serialization.Encoding.PEM)
    )
    challenge = start_renewal(ctx)
    _, sign_csr = new_csrs()
    error = refused(ctx, holder, challenge.id, holder.cms(challenge.data), (anonymous, sign_csr))
    assert (type(error), error.code) == (InvalidInput, "csr_without_iin")


def test_a_missing_csr_does_not_spend_the_challenge(ctx, holder):
    challenge = start_renewal(ctx)
    with pytest.raises(InvalidInput) as caught:
        complete_renewal(ctx, challenge.id, holder.cms(challenge.data), "", new_csrs()[1])
    assert caught.value.code == "csr_missing"
    assert outcome_of(ctx, challenge.id) == (False, None)


def test_refusals_are_audited_by_code(ctx, holder):
    challenge = start_renewal(ctx)
    refused(ctx, holder, challenge.id, holder.cms(challenge.data, profile="sign"))
    with ctx.session() as session:
        events = session.query(AuditEvent).filter_by(action="renewal").all()
    assert [(event.outcome, event.reason) for event in events] == [("refused", "not_auth_certificate")]
    assert events[0].iin_hash == ctx.iin_hash(KNOWN_IIN)  # found by the signer's IIN, which is not stored


def test_an_unavailable_ca_refuses_without_spending_the_challenge(ctx, holder):
    challenge = start_renewal(ctx)
    working = ctx.ca

    def unavailable():
        raise CAError("The CA passphrase is wrong.")

    ctx.ca = unavailable
    try:
        with pytest.raises(ServiceUnavailable):
            complete_renewal(ctx, challenge.id, holder.cms(challenge.data), *new_csrs())
    finally:
        ctx.ca = working
    assert outcome_of(ctx, challenge.id) == (False, None)
    complete_renewal(ctx, challenge.id, holder.cms(challenge.data), *new_csrs())
