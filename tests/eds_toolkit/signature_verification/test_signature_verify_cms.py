"""verify_cms on CMS signatures made by our own code with certificates from our own test CA."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from cryptography.hazmat.primitives import serialization
from signature_helpers import ocsp_request_for

from ca.crl import build_crl
from ca.ocsp import respond
from eds_toolkit.signatures import Reason, SignatureInputError, verify_cms

APPLICATION = json.dumps(
    {"iin": "910412450214", "address": "Астана, ул. Кенесары 40, кв. 12"}, ensure_ascii=False
).encode()


def _crl_der(authority, at=None) -> bytes:
    return build_crl(authority, now=at).public_bytes(serialization.Encoding.DER)


def test_our_attached_cms_verifies_with_signer_data(citizen, authority):
    cms = citizen.sign_cms(APPLICATION)
    verdict = verify_cms(cms, trust_roots=[authority.root_cert], revocation="crl", crls=[_crl_der(authority)])
    assert verdict.ok, verdict.messages
    assert verdict.reasons == ()
    assert verdict.signer.iin == citizen.iin
    assert verdict.signer.profile == "sign"
    assert verdict.signer.surname == "СЕЙТКАЛИ" and verdict.signer.given_name == "АЙГЕРИМ"
    assert verdict.signer.patronymic == "НУРЛАНОВНА"
    assert verdict.signing_time is not None
    assert abs(verdict.signing_time - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=5)
    assert len(verdict.chain) == 3 and f"IIN{citizen.iin}" in verdict.chain[0]
    assert verdict.revocation.source == "crl" and verdict.revocation.status == "good"
    assert verdict.to_dict()["signer"]["profile"] == "sign"
    json.dumps(verdict.to_dict())  # the CLI prints exactly this


def test_detached_cms_needs_the_content_and_verifies_with_it(citizen, authority):
    cms = citizen.sign_cms(APPLICATION, attached=False)
    with pytest.raises(SignatureInputError, match="detached"):
        verify_cms(cms, trust_roots=[authority.root_cert], revocation="none")
    verdict = verify_cms(cms, content=APPLICATION, trust_roots=[authority.root_cert], revocation="none")
    assert verdict.ok and verdict.detached
    assert verdict.revocation.status == "not_checked"


def test_tampered_content_fails(citizen, authority):
    cms = citizen.sign_cms(APPLICATION, attached=False)
    tampered = APPLICATION.replace("кв. 12".encode(), "кв. 13".encode())
    verdict = verify_cms(cms, content=tampered, trust_roots=[authority.root_cert], revocation="none")
    assert not verdict.ok
    assert Reason.CONTENT_MODIFIED in verdict.reasons


def test_tampered_attached_content_inside_the_cms_fails(citizen, authority):
    cms = citizen.sign_cms(APPLICATION)
    tampered = cms.replace("кв. 12".encode(), "кв. 13".encode())
    assert tampered != cms
    verdict = verify_cms(tampered, trust_roots=[authority.root_cert], revocation="none")
    assert Reason.CONTENT_MODIFIED in verdict.reasons and not verdict.ok


def test_a_broken_signature_value_fails(citizen, authority):
    cms = bytearray(citizen.sign_cms(APPLICATION))
    cms[-5] ^= 0x01  # the signature value is the last field of the SignerInfo
    verdict = verify_cms(bytes(cms), trust_roots=[authority.root_cert], revocation="none")
    assert verdict.reasons == (Reason.SIGNATURE_INVALID,)


def test_revoked_signer_fails_with_the_crl(citizen, authority, ca_clock):
    cms = citizen.sign_cms(APPLICATION)
    ca_clock.now += dt.timedelta(minutes=1)
    authority.store.revoke(f"{citizen.sign.serial_number:x}", "key_compromise", now=ca_clock.now)
    ca_clock.now += dt.timedelta(minutes=1)
    verdict = verify_cms(
        cms, trust_roots=[authority.root_cert], revocation="crl", crls=[_crl_der(authority)], at=ca_clock.now
    )
    assert not verdict.ok
    assert verdict.reasons == (Reason.CERTIFICATE_REVOKED,)
    assert verdict.revocation.source == "crl"
    assert verdict.revocation.reason == "key_compromise"
    # as of a moment before the revocation the same CRL says the certificate was still good
    before = verify_cms(
        cms,
        trust_roots=[authority.root_cert],
        revocation="crl",
        crls=[_crl_der(authority)],
        at=ca_clock.now - dt.timedelta(minutes=1, seconds=30),
    )
    assert before.ok, before.messages


def test_revoked_signer_fails_with_our_ocsp_responder(citizen, authority, ca_clock):
    cms = citizen.sign_cms(APPLICATION)
    issuer = authority.issuing_cert
    good = respond(ocsp_request_for(citizen.sign, issuer), authority)
    verdict = verify_cms(cms, trust_roots=[authority.root_cert], revocation="ocsp", ocsp_responses=[good])
    assert verdict.ok, verdict.messages
    assert (verdict.revocation.source, verdict.revocation.status) == ("ocsp", "good")

    ca_clock.now += dt.timedelta(minutes=1)
    authority.store.revoke(f"{citizen.sign.serial_number:x}", "superseded", now=ca_clock.now)
    revoked = respond(ocsp_request_for(citizen.sign, issuer), authority)
    verdict = verify_cms(
        cms, trust_roots=[authority.root_cert], revocation="ocsp", ocsp_responses=[revoked], at=ca_clock.now
    )
    assert verdict.reasons == (Reason.CERTIFICATE_REVOKED,)
    assert (verdict.revocation.source, verdict.revocation.reason) == ("ocsp", "superseded")


def test_ocsp_fetcher_is_called_when_nothing_was_given(citizen, authority):
    asked = []

    def fetch(certificate, issuer):
        asked.append(certificate.serial_number)
        return [respond(ocsp_request_for(certificate, issuer), authority)]

    cms = citizen.sign_cms(APPLICATION)
    verdict = verify_cms(cms, trust_roots=[authority.root_cert], revocation="auto", fetch_ocsp=fetch)
    assert verdict.ok and verdict.revocation.source == "ocsp"
    assert asked == [citizen.sign.serial_number]


def test_an_ocsp_response_about_another_certificate_decides_nothing(citizen, authority):
    cms = citizen.sign_cms(APPLICATION)
    about_auth = respond(ocsp_request_for(citizen.auth, authority.issuing_cert), authority)
    verdict = verify_cms(
        cms, trust_roots=[authority.root_cert], revocation="ocsp", ocsp_responses=[about_auth]
    )
    assert verdict.reasons == (Reason.REVOCATION_UNAVAILABLE,)
    assert f"{citizen.auth.serial_number:x}" in verdict.revocation.detail


def test_crl_mode_without_any_crl_fails_instead_of_passing(citizen, authority):
    verdict = verify_cms(citizen.sign_cms(APPLICATION), trust_roots=[authority.root_cert], revocation="crl")
    assert verdict.reasons == (Reason.REVOCATION_UNAVAILABLE,)


def test_an_expired_crl_is_not_used(citizen, authority, ca_clock):
    old_crl = _crl_der(authority, at=ca_clock.now - dt.timedelta(days=8))  # next update: yesterday
    verdict = verify_cms(
        citizen.sign_cms(APPLICATION), trust_roots=[authority.root_cert], revocation="crl", crls=[old_crl]
    )
    assert verdict.reasons == (Reason.REVOCATION_UNAVAILABLE,)
    assert "expired" in verdict.revocation.detail


def test_sign_required_refuses_an_auth_signed_cms(citizen, authority):
    cms = citizen.sign_cms(APPLICATION, profile="auth")
    plain = verify_cms(cms, trust_roots=[authority.root_cert], revocation="none")
    assert plain.ok and plain.signer.profile == "auth"
    verdict = verify_cms(cms, trust_roots=[authority.root_cert], revocation="none", required_profile="sign")
    assert verdict.reasons == (Reason.WRONG_PROFILE,)
    assert "SIGN certificate is required" in verdict.messages[0]


def test_untrusted_root_fails_the_path(citizen, authority):
    other_root = _foreign_root()
    verdict = verify_cms(citizen.sign_cms(APPLICATION), trust_roots=[other_root], revocation="none")
    assert verdict.reasons == (Reason.PATH_INVALID,)
    assert verdict.chain == ()


def test_certificate_not_yet_valid_or_expired_at_the_time_checked(citizen, authority):
    cms = citizen.sign_cms(APPLICATION)
    later = citizen.sign.not_valid_after_utc + dt.timedelta(days=1)
    verdict = verify_cms(cms, trust_roots=[authority.root_cert], revocation="none", at=later)
    assert verdict.reasons == (Reason.CERTIFICATE_EXPIRED,)


@pytest.mark.parametrize("junk", [b"", b"not a signature", b"\x30\x03\x02\x01\x01"])
def test_unreadable_input_is_a_clear_input_error(junk, authority):
    with pytest.raises(SignatureInputError):
        verify_cms(junk, trust_roots=[authority.root_cert])


def test_pem_armoured_cms_is_read(citizen, authority):
    from eds_agent.cms import cms_pem

    verdict = verify_cms(
        cms_pem(citizen.sign_cms(APPLICATION)).encode(), trust_roots=[authority.root_cert], revocation="none"
    )
    assert verdict.ok


def _foreign_root():
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.x509.oid import NameOID
    from signature_helpers import citizen_key

    key = citizen_key(9)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Somebody else's root")])
    now = dt.datetime.now(dt.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )


def test_verification_works_inside_a_running_event_loop(citizen, authority):
    """The agent is asyncio code: verify_cms must not trip over the running loop."""
    import asyncio

    async def verify_in_loop():
        return verify_cms(citizen.sign_cms(APPLICATION), trust_roots=[authority.root_cert], revocation="none")

    assert asyncio.run(verify_in_loop()).ok


def test_crl_fetcher_is_asked_for_the_signer_certificate_when_auto_finds_no_ocsp(citizen, authority):
    asked = []

    def fetch(certificate):
        asked.append(certificate.serial_number)
        return [_crl_der(authority)]

    verdict = verify_cms(
        citizen.sign_cms(APPLICATION), trust_roots=[authority.root_cert], revocation="auto", fetch_crls=fetch
    )
    assert verdict.ok and verdict.revocation.source == "crl"
    assert asked == [citizen.sign.serial_number]


def test_a_timestamp_token_over_another_signature_is_refused(citizen, authority):
    """The national TSA's token, added as an unsigned attribute: read and reported; its imprint is
    not over this signature value, so it proves nothing about it and the CAdES-T is refused."""
    from asn1crypto import cms as asn1_cms
    from signature_helpers import NCA

    info = asn1_cms.ContentInfo.load(citizen.sign_cms(APPLICATION))
    token = asn1_cms.ContentInfo.load((NCA / "tsp_token.bin").read_bytes())
    signer_info = info["content"]["signer_infos"][0]
    signer_info["unsigned_attrs"] = [{"type": "signature_time_stamp_token", "values": [token]}]
    verdict = verify_cms(info.dump(force=True), trust_roots=[authority.root_cert], revocation="none")
    assert verdict.reasons == (Reason.TIMESTAMP_INVALID,), verdict.messages
    assert verdict.timestamp.gen_time == dt.datetime(2022, 9, 18, 13, 20, 14, tzinfo=dt.UTC)
    assert verdict.timestamp.matches_signature is False and verdict.timestamp.verified is False


def test_an_ec_key_signature_verifies(authority):
    from cryptography.hazmat.primitives.asymmetric import ec
    from signature_helpers import csr_for

    from ca.proofs.service_centre import ServiceCentreProof
    from eds_agent.cms import sign_cms

    key = ec.generate_private_key(ec.SECP256R1())
    person = ServiceCentreProof("op-17", "N1234567", "910412400214", "Сейткали", "Айгерим")
    certificate = authority.issue(csr_for(key, person.iin), person, "sign").certificate
    cms = sign_cms(APPLICATION, key, certificate, authority.chain[:1], attached=True)
    verdict = verify_cms(cms, trust_roots=[authority.root_cert], revocation="none", required_profile="sign")
    assert verdict.ok, verdict.messages
    tampered = verify_cms(
        sign_cms(APPLICATION, key, certificate, authority.chain[:1], attached=False),
        content=APPLICATION + b"!",
        trust_roots=[authority.root_cert],
        revocation="none",
    )
    assert tampered.reasons == (Reason.CONTENT_MODIFIED,)


def test_a_failing_fetcher_leaves_revocation_undecided_not_a_crash(citizen, authority):
    def unreachable(certificate, issuer=None):
        raise ConnectionError("ocsp.example: connection refused")

    verdict = verify_cms(
        citizen.sign_cms(APPLICATION),
        trust_roots=[authority.root_cert],
        revocation="auto",
        fetch_ocsp=unreachable,
        fetch_crls=unreachable,
    )
    assert verdict.reasons == (Reason.REVOCATION_UNAVAILABLE,)
    assert "connection refused" in verdict.revocation.detail
    garbage = verify_cms(
        citizen.sign_cms(APPLICATION),
        trust_roots=[authority.root_cert],
        revocation="crl",
        fetch_crls=lambda certificate: [b"<html>not a CRL</html>"],
    )
    assert garbage.reasons == (Reason.REVOCATION_UNAVAILABLE,) and "unusable" in garbage.revocation.detail
