"""Which profile a certificate has, read the one way the CA, the keystore, the agent and the verifier use."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from national_profile.profiles import (
    INDIVIDUAL,
    POLICY_INDIVIDUAL_AUTHENTICATION,
    POLICY_INDIVIDUAL_SIGNATURE,
    SPECS,
    Profile,
    key_usage_for,
    profile_of,
)

KEY = ec.generate_private_key(ec.SECP256R1())
USAGES = ("digital_signature", "content_commitment", "key_encipherment", "data_encipherment", "key_agreement")


def certificate(*, policies=(), eku=(), key_usage=()) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ТЕСТОВ ТЕСТ")])
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(KEY.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=1))
    )
    if policies:
        builder = builder.add_extension(
            x509.CertificatePolicies([x509.PolicyInformation(oid, None) for oid in policies]), critical=False
        )
    if eku:
        builder = builder.add_extension(x509.ExtendedKeyUsage(list(eku)), critical=False)
    if key_usage:
        flags = {usage: usage in key_usage for usage in USAGES}
        builder = builder.add_extension(
            x509.KeyUsage(
                **flags, key_cert_sign=False, crl_sign=False, encipher_only=False, decipher_only=False
            ),
            critical=True,
        )
    return builder.sign(KEY, hashes.SHA256())


@pytest.mark.parametrize("profile", list(Profile))
def test_a_certificate_made_to_a_profile_reads_as_that_profile(profile):
    spec = SPECS[profile]
    made = certificate(
        policies=[spec.policy], eku=spec.extended_key_usage, key_usage=key_usage_for(profile, is_ec=False)
    )
    assert profile_of(made) is profile


def test_the_policy_decides_before_the_extended_key_usage():
    made = certificate(policies=[POLICY_INDIVIDUAL_SIGNATURE], eku=[ExtendedKeyUsageOID.CLIENT_AUTH])
    assert profile_of(made) is Profile.SIGN


def test_without_a_policy_the_extended_key_usage_decides():
    assert profile_of(certificate(eku=[ExtendedKeyUsageOID.CLIENT_AUTH, INDIVIDUAL])) is Profile.AUTH
    assert profile_of(certificate(eku=[ExtendedKeyUsageOID.EMAIL_PROTECTION])) is Profile.SIGN


def test_a_certificate_with_key_usage_only_reads_as_its_key_usage_says():
    assert profile_of(certificate(key_usage={"digital_signature", "content_commitment"})) is Profile.SIGN
    assert profile_of(certificate(key_usage={"digital_signature", "key_encipherment"})) is Profile.AUTH


def test_a_certificate_naming_both_profiles_or_neither_has_no_profile():
    both = [POLICY_INDIVIDUAL_SIGNATURE, POLICY_INDIVIDUAL_AUTHENTICATION]
    assert profile_of(certificate(policies=both)) is None
    assert profile_of(certificate(eku=[ExtendedKeyUsageOID.SERVER_AUTH])) is None
    assert profile_of(certificate()) is None


def test_an_ec_auth_key_agrees_instead_of_enciphering():
    assert key_usage_for(Profile.AUTH, is_ec=True) == {"digital_signature", "key_agreement"}
