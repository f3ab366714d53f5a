"""The verifier cannot be tied up or crashed: hostile chains and CMS get a verdict within a bound.

The cases x509-limbo's RFC 5280 and pathological suites exercise, built here (its vectors are not on
the package registries): 100-intermediate chains, a cross-certified mesh with 2**30 paths, a CMS
stuffed with certificates, duplicate extensions, deep nesting, trust anchors that are expired, not
CAs, or limit the path length, CRLs from an issuer without cRLSign or of the wrong profile.
"""

from __future__ import annotations

import datetime as dt
import time

import adversarial as adv
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from signature_helpers import issue_pair

from ca.crl import build_crl
from eds_toolkit.signatures import (
    MalformedInput,
    Reason,
    SignatureInputError,
    verify_certificate,
    verify_cms,
    verify_cms_signers,
)
from eds_toolkit.signatures.revocation import check_with_crls

BOUND_SECONDS = 5.0  # any single verification; the search itself stops at 2 s


def _timed(check):
    started = time.monotonic()
    result = check()
    elapsed = time.monotonic() - started
    assert elapsed < BOUND_SECONDS, f"took {elapsed:.1f} s"
    return result


def _certificate_verdict(pki: adv.Pki, **options):
    options.setdefault("intermediates", pki.intermediates)
    return _timed(
        lambda: verify_certificate(
            pki.signer, trust_roots=[pki.root], at=adv.NOW, revocation="none", **options
        )
    )


def test_a_short_chain_of_our_own_making_is_valid():
    """The positive control: the builder's certificates verify when nothing is wrong with them."""
    pki = adv.chain(2)
    verdict = _certificate_verdict(pki)
    assert verdict.ok, verdict.messages
    assert len(verdict.chain) == 4
    cms_verdict = _timed(
        lambda: verify_cms_signers(pki.cms(b"doc"), trust_roots=[pki.root], revocation="none")
    )
    assert cms_verdict.ok, cms_verdict.describe()


def test_a_chain_of_100_intermediates_is_refused_at_once():
    pki = adv.chain(100)
    verdict = _certificate_verdict(pki)
    assert verdict.reasons == (Reason.PATH_INVALID,)
    assert "within 6 intermediates" in verdict.messages[0]


def test_unrelated_certificates_in_a_cms_are_ignored_but_many_issuers_of_one_name_are_refused():
    pki = adv.chain(1)
    strangers = [adv.root(1000 + index) for index in range(100)]
    stuffed = _timed(
        lambda: verify_cms_signers(
            pki.cms(b"doc", extra=strangers), trust_roots=[pki.root], revocation="none"
        )
    )
    assert stuffed.ok, stuffed.describe()
    issuer = pki.intermediates[0]
    namesakes = [
        adv.certificate(issuer.subject, adv.key(3000 + index), pki.root.subject, adv.key(0), ca=True)
        for index in range(70)
    ]
    verdict = _certificate_verdict(pki, intermediates=[*namesakes, issuer])
    assert verdict.reasons == (Reason.PATH_INVALID,)
    assert "More than 64 certificates" in verdict.messages[0]


def test_a_chain_longer_than_the_depth_bound_does_not_chain():
    pki = adv.chain(8)
    verdict = _certificate_verdict(pki)
    assert verdict.reasons == (Reason.PATH_INVALID,)
    assert "within 6 intermediates" in verdict.messages[0]
    assert _certificate_verdict(adv.chain(6)).ok


def test_a_cms_stuffed_with_a_cross_certified_mesh_gets_its_verdict_within_the_bound():
    """30 levels x 2 cross-certified CAs under a stranger: 2**30 paths for a naive depth-first builder
    (certvalidator alone ran for minutes on such a CMS)."""
    pki = adv.mesh(30, 2, anchored=False)
    verdict = _timed(lambda: verify_cms_signers(pki.cms(b"doc"), trust_roots=[pki.root], revocation="none"))
    (signer,) = verdict.signers
    assert signer.reasons == (Reason.PATH_INVALID,)


def test_a_small_mesh_that_fails_everywhere_stops_after_the_path_bound():
    pki = adv.mesh(5, 2, anchored=True)  # 32 paths, each refused for the signer's missing key usage
    pki.signer = adv.certificate(
        adv.name("Signer", adv.SIGNER_IIN),
        pki.signer_key,
        pki.intermediates[-1].subject,
        adv.key(204),
        ca=False,
        key_usage=x509.KeyUsage(False, False, True, False, False, False, False, False, False),
    )
    verdict = _certificate_verdict(pki)
    assert verdict.reasons == (Reason.PATH_INVALID,)
    assert "first 8 candidate paths" in verdict.messages[0]


def test_a_cms_with_too_many_certificates_is_refused_as_input():
    pki = adv.chain(1)
    filler = [adv.root(1000 + index) for index in range(130)]
    with pytest.raises(SignatureInputError, match="130|131|132|133"):
        _timed(lambda: verify_cms(pki.cms(b"doc", extra=filler), trust_roots=[pki.root], revocation="none"))


def test_a_signer_certificate_with_a_duplicate_extension_is_malformed_input():
    pki = adv.chain(1)
    duplicate = x509.load_der_x509_certificate(adv.with_duplicate_extension(pki.signer, adv.key(100)))
    with pytest.raises(MalformedInput, match="Duplicate"):
        verify_certificate(duplicate, trust_roots=[pki.root], intermediates=pki.intermediates, at=adv.NOW)


def test_an_intermediate_with_a_duplicate_extension_is_not_on_a_valid_path():
    pki = adv.chain(1)
    duplicate = x509.load_der_x509_certificate(adv.with_duplicate_extension(pki.intermediates[0], adv.key(0)))
    verdict = _certificate_verdict(pki, intermediates=[duplicate])
    assert verdict.reasons == (Reason.PATH_INVALID,)
    assert "twice" in verdict.messages[0]


def test_deeply_nested_structures_get_a_verdict():
    pki = adv.chain(1)
    nested = x509.load_der_x509_certificate(adv.with_nested_extension(pki.signer, adv.key(100), 5000))
    verdict = _timed(
        lambda: verify_certificate(
            nested, trust_roots=[pki.root], intermediates=pki.intermediates, at=adv.NOW, revocation="none"
        )
    )
    assert verdict.ok  # a non-critical private extension is ignored, however deep
    deep_cms = b"\x30\x80" * 20000  # indefinite-length SEQUENCEs nested 20000 deep
    with pytest.raises(SignatureInputError):
        verify_cms(deep_cms, trust_roots=[pki.root])


@pytest.mark.parametrize(
    ("root_options", "expected"),
    [
        ({"not_after": adv.NOW - dt.timedelta(days=1)}, "is not valid at the time checked"),
        ({"not_before": adv.NOW + dt.timedelta(days=1)}, "is not valid at the time checked"),
        (
            {"key_usage": x509.KeyUsage(True, False, False, False, False, False, True, False, False)},
            "may not sign certificates",
        ),
        ({"path_length": 0}, "path"),
    ],
)
def test_the_trust_anchor_is_checked_too(root_options, expected):
    pki = adv.chain(2, root_index=3, root_options=root_options)
    verdict = _certificate_verdict(pki)
    assert verdict.reasons == (Reason.PATH_INVALID,), verdict.messages
    assert expected in verdict.messages[0]


def test_an_end_entity_certificate_is_no_trust_anchor_for_others():
    pki = adv.chain(0)
    not_a_ca = adv.certificate(adv.name("Root 0"), adv.key(0), adv.name("Root 0"), adv.key(0), ca=False)
    verdict = verify_certificate(pki.signer, trust_roots=[not_a_ca], at=adv.NOW, revocation="none")
    assert verdict.reasons == (Reason.PATH_INVALID,)
    assert "not a CA certificate" in verdict.messages[0]
    trusted_itself = verify_certificate(pki.signer, trust_roots=[pki.signer], at=adv.NOW, revocation="none")
    assert trusted_itself.ok and len(trusted_itself.chain) == 1


def test_a_claimed_signing_time_after_the_time_checked_or_after_expiry_is_refused(citizen, authority):
    cms = citizen.sign_cms(b"doc")
    earlier = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    verdict = verify_cms(cms, trust_roots=[authority.root_cert], at=earlier, revocation="none")
    assert Reason.SIGNING_TIME_AFTER_CHECK in verdict.reasons
    short = adv.chain(0)
    short.signer = adv.certificate(
        adv.name("Signer", adv.SIGNER_IIN),
        short.signer_key,
        short.root.subject,
        adv.key(0),
        ca=False,
        not_before=adv.NOW - dt.timedelta(days=30),
        not_after=adv.NOW - dt.timedelta(days=1),
    )
    expired_when_signed = verify_cms_signers(
        short.cms(b"doc"), trust_roots=[short.root], at=adv.NOW - dt.timedelta(days=2), revocation="none"
    )
    (signer,) = expired_when_signed.signers
    assert signer.reasons == (Reason.SIGNING_TIME_AFTER_CHECK, Reason.SIGNING_TIME_OUTSIDE_VALIDITY)


def test_a_crl_from_an_issuer_without_crl_sign_does_not_decide(citizen, authority):
    crl = build_crl(authority).public_bytes(serialization.Encoding.DER)
    issuer = authority.chain[0]
    assert check_with_crls(citizen.sign, issuer, [crl], dt.datetime.now(dt.UTC)).status == "good"
    pki = adv.chain(0)
    no_crl_sign = adv.root(
        0, key_usage=x509.KeyUsage(False, False, False, False, False, True, False, False, False)
    )
    own_crl = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(pki.root.subject)
        .last_update(adv.NOW - dt.timedelta(hours=1))
        .next_update(adv.NOW + dt.timedelta(days=1))
        .sign(adv.key(0), hashes.SHA256())
        .public_bytes(serialization.Encoding.DER)
    )
    assert check_with_crls(pki.signer, pki.root, [own_crl], adv.NOW).status == "good"
    refused = check_with_crls(pki.signer, no_crl_sign, [own_crl], adv.NOW)
    assert refused.status == "unknown" and "cRLSign" in refused.detail


def test_a_delta_crl_or_one_for_ca_certificates_only_does_not_decide():
    pki = adv.chain(0)
    base = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(pki.root.subject)
        .last_update(adv.NOW - dt.timedelta(hours=1))
        .next_update(adv.NOW + dt.timedelta(days=1))
    )
    delta = base.add_extension(x509.DeltaCRLIndicator(1), critical=True).sign(adv.key(0), hashes.SHA256())
    ca_only = base.add_extension(
        x509.IssuingDistributionPoint(None, None, False, True, None, False, False), critical=True
    ).sign(adv.key(0), hashes.SHA256())
    for crl, expected in ((delta, "delta CRL"), (ca_only, "only CA")):
        check = check_with_crls(pki.signer, pki.root, [crl.public_bytes(serialization.Encoding.DER)], adv.NOW)
        assert check.status == "unknown" and expected in check.detail


def test_two_signers_each_get_their_own_verdict(authority):
    from eds_agent.signed_data import add_signer, signed_data_of

    first, second = issue_pair(authority, key_index=10), issue_pair(authority, key_index=20)
    cms = add_signer(signed_data_of(first.sign_cms(b"doc")), second.key, second.sign, second.chain[:1])
    verdict = verify_cms_signers(cms, trust_roots=[authority.root_cert], revocation="none")
    assert verdict.ok and [s.signer.serial for s in verdict.signers] == [
        f"{first.sign.serial_number:x}",
        f"{second.sign.serial_number:x}",
    ]
    with pytest.raises(SignatureInputError, match="2 signers"):
        verify_cms(cms, trust_roots=[authority.root_cert])
    stranger = adv.chain(0)
    neither_trusted = verify_cms_signers(cms, trust_roots=[stranger.root], revocation="none")
    assert not neither_trusted.ok
    assert [s.reasons for s in neither_trusted.signers] == [(Reason.PATH_INVALID,)] * 2


def test_a_certificate_of_an_unknown_version_is_bad_input_for_the_cli(tmp_path):
    """cryptography raises InvalidVersion (not a ValueError) for it: found by fuzzing."""
    from click.testing import CliRunner

    from eds_toolkit.cli import main

    pki = adv.chain(0)
    der = pki.signer.public_bytes(serialization.Encoding.DER)
    version = der.index(b"\xa0\x03\x02\x01\x02")
    (tmp_path / "v6.der").write_bytes(der[: version + 4] + b"\x05" + der[version + 5 :])
    (tmp_path / "root.pem").write_bytes(adv.pem(pki.root))
    args = [
        "--home",
        str(tmp_path),
        "verify-cert",
        str(tmp_path / "v6.der"),
        "--trust",
        str(tmp_path / "root.pem"),
    ]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2 and "is not a certificate" in result.output, result.output


def sixteen_gost_signers() -> bytes:
    """NCANode's GOST 34.10-2015 signer of S1, 16 times: each takes some 0.3 s to check."""
    from asn1crypto import cms

    from tests.testdata import shared_file

    info = cms.ContentInfo.load(shared_file("nca/ncanode/cms/CmsServiceTest.SIGNED_CMS.der").read_bytes())
    gost = [
        s
        for s in info["content"]["signer_infos"]
        if s["signature_algorithm"]["algorithm"].dotted.startswith("1.2.398")
    ]
    info["content"]["signer_infos"] = cms.SignerInfos(gost * 16)
    return info.dump(force=True)


def test_a_cms_of_many_slow_signers_is_checked_within_its_time_budget():
    from tests.testdata import shared_file

    root = x509.load_der_x509_certificate(shared_file("nca/ncanode/ca/nca_gost2015_test.cer").read_bytes())
    verdict = _timed(
        lambda: verify_cms_signers(
            sixteen_gost_signers(),
            trust_roots=[root],
            at=dt.datetime(2022, 10, 2, tzinfo=dt.UTC),
            revocation="none",
        )
    )
    assert len(verdict.signers) == 16 and not verdict.ok
    assert verdict.signers[0].ok, verdict.signers[0].messages
    assert verdict.signers[-1].reasons == (Reason.TIME_BUDGET_EXCEEDED,)
