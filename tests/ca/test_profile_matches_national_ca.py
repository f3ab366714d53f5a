"""Our AUTH and SIGN certificates carry what the national CA's own test certificates carry, field by field."""

from __future__ import annotations

import pytest
from asn1crypto import x509 as asn1_x509
from ca_test_support import NCA, make_csr, person
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import ExtensionOID, NameOID, SignatureAlgorithmOID

from ca.person import Identification

NATIONAL = {
    "sign": NCA / "individual_valid_sign_2004_rsa.cer",
    "auth": NCA / "individual_valid_sign_2004_rsa_auth.cer",
}
REMOTE_OIDS = ["1.2.398.3.3.4.3.2", "1.2.398.3.3.4.3.2.1"]


def national(profile: str) -> x509.Certificate:
    return x509.load_pem_x509_certificate(NATIONAL[profile].read_bytes())


def issue(authority, profile: str, identification=Identification.SERVICE_CENTRE) -> x509.Certificate:
    return authority.issue(make_csr(), person(identification=identification), profile).certificate


def string_types(certificate: x509.Certificate) -> list[tuple[str, str]]:
    """(attribute type, ASN.1 string type) of each subject attribute, in order."""
    der = certificate.public_bytes(serialization.Encoding.DER)
    subject = asn1_x509.Certificate.load(der)["tbs_certificate"]["subject"]
    return [
        (attribute["type"].dotted, attribute["value"].chosen.__class__.__name__)
        for rdn in subject.chosen
        for attribute in rdn
    ]


@pytest.mark.parametrize("profile", ["sign", "auth"])
def test_extensions_are_the_national_ones_in_the_same_order_and_criticality(authority, profile):
    theirs = [(e.oid, e.critical) for e in national(profile).extensions]
    ours = [(e.oid, e.critical) for e in issue(authority, profile).extensions]
    assert ours == theirs


@pytest.mark.parametrize("profile", ["sign", "auth"])
def test_key_usage_matches(authority, profile):
    theirs = national(profile).extensions.get_extension_for_class(x509.KeyUsage).value
    ours = issue(authority, profile).extensions.get_extension_for_class(x509.KeyUsage).value
    assert ours == theirs


@pytest.mark.parametrize("profile", ["sign", "auth"])
def test_extended_key_usage_matches_for_an_in_person_identification(authority, profile):
    theirs = national(profile).extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    ours = issue(authority, profile).extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(ours) == list(theirs)


@pytest.mark.parametrize("profile", ["sign", "auth"])
def test_remote_identification_adds_the_two_remote_oids_after_the_individual_oid(authority, profile):
    theirs = [
        o.dotted_string
        for o in national(profile).extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    ]
    certificate = issue(authority, profile, Identification.REMOTE_DIGITAL_ID)
    ours = [
        o.dotted_string for o in certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    ]
    assert ours == theirs + REMOTE_OIDS


@pytest.mark.parametrize("profile, policy", [("sign", "1.2.398.3.3.2.3"), ("auth", "1.2.398.3.3.2.4")])
def test_certificate_policy_and_qualifiers_have_the_national_shape(authority, profile, policy):
    (theirs,) = national(profile).extensions.get_extension_for_class(x509.CertificatePolicies).value
    (ours,) = issue(authority, profile).extensions.get_extension_for_class(x509.CertificatePolicies).value
    assert ours.policy_identifier.dotted_string == theirs.policy_identifier.dotted_string == policy
    assert (
        [type(q) for q in ours.policy_qualifiers]
        == [type(q) for q in theirs.policy_qualifiers]
        == [
            str,
            x509.UserNotice,
        ]
    )
    assert ours.policy_qualifiers[0] == authority.config.cps_url
    assert ours.policy_qualifiers[1].explicit_text == authority.config.cps_url


@pytest.mark.parametrize("profile", ["sign", "auth"])
def test_subject_attributes_order_and_string_types_match(authority, profile):
    assert string_types(issue(authority, profile)) == string_types(national(profile))


def test_subject_values_follow_the_national_convention(authority):
    certificate = issue(authority, "sign")
    theirs = national("sign").subject
    ours = certificate.subject
    assert theirs.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "ТЕСТОВ ТЕСТ"  # SURNAME GIVEN
    assert ours.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "ТЕСТОВ ТЕСТ"
    assert ours.get_attributes_for_oid(NameOID.SURNAME)[0].value == "ТЕСТОВ"
    assert ours.get_attributes_for_oid(NameOID.GIVEN_NAME)[0].value == "ТЕСТОВИЧ"
    assert ours.get_attributes_for_oid(NameOID.SERIAL_NUMBER)[0].value == f"IIN{person().iin}"
    assert ours.get_attributes_for_oid(NameOID.COUNTRY_NAME)[0].value == "KZ"


@pytest.mark.parametrize("profile", ["sign", "auth"])
def test_crl_and_aia_urls_come_from_configuration(authority, profile):
    certificate = issue(authority, profile)
    (point,) = certificate.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    assert [n.value for n in point.full_name] == [authority.config.crl_url]
    access = certificate.extensions.get_extension_for_class(x509.AuthorityInformationAccess).value
    assert [(a.access_method._name, a.access_location.value) for a in access] == [
        ("caIssuers", authority.config.issuing_cert_url),
        ("OCSP", authority.config.ocsp_url),
    ]
    their_access = national(profile).extensions.get_extension_for_class(x509.AuthorityInformationAccess).value
    assert [a.access_method for a in access] == [a.access_method for a in their_access]


@pytest.mark.parametrize("profile", ["sign", "auth"])
def test_signature_serial_and_validity_have_the_national_shape(authority, profile):
    theirs, ours = national(profile), issue(authority, profile)
    assert (
        ours.signature_algorithm_oid
        == theirs.signature_algorithm_oid
        == SignatureAlgorithmOID.RSA_WITH_SHA256
    )
    assert ours.version == theirs.version == x509.Version.v3
    assert len(ours.serial_number.to_bytes(20, "big")) == 20 and ours.serial_number.bit_length() > 152
    their_days = (theirs.not_valid_after_utc - theirs.not_valid_before_utc).days
    before, after = ours.not_valid_before_utc, ours.not_valid_after_utc
    assert after == before.replace(year=before.year + 1)
    assert their_days in (365, 366)


def raw_extensions(certificate: x509.Certificate) -> dict[str, bytes]:
    """Each extension's DER value exactly as it is in the certificate (not re-encoded)."""
    der = certificate.public_bytes(serialization.Encoding.DER)
    extensions = asn1_x509.Certificate.load(der)["tbs_certificate"]["extensions"]
    return {ext["extn_id"].dotted: ext["extn_value"].contents for ext in extensions}


@pytest.mark.parametrize("profile", ["sign", "auth"])
def test_key_usage_and_eku_are_byte_for_byte_the_national_encoding(authority, profile):
    theirs, ours = raw_extensions(national(profile)), raw_extensions(issue(authority, profile))
    for oid in (ExtensionOID.KEY_USAGE, ExtensionOID.EXTENDED_KEY_USAGE):
        assert ours[oid.dotted_string] == theirs[oid.dotted_string]


@pytest.mark.parametrize("profile", ["sign", "auth"])
def test_policies_and_crl_point_encode_byte_for_byte_as_the_nationals_given_their_urls(profile):
    from ca.authority import _crl_distribution_point, _policies
    from national_profile.profiles import SPECS, Profile

    certificate = national(profile)
    theirs = raw_extensions(certificate)
    (point,) = certificate.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    ours_policies = _policies(SPECS[Profile(profile)].policy, "http://pki.gov.kz/cps").public_bytes()
    assert ours_policies == theirs[ExtensionOID.CERTIFICATE_POLICIES.dotted_string]
    ours_crl = _crl_distribution_point(point.full_name[0].value).public_bytes()
    assert ours_crl == theirs[ExtensionOID.CRL_DISTRIBUTION_POINTS.dotted_string]
