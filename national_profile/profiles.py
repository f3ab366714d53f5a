"""The AUTH and SIGN certificate profiles of an individual, as data, with the national CA's OIDs
(read off the national CA's test certificates), and which profile a certificate has.

``ca.authority`` turns a profile into extensions; nothing here signs.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID, ObjectIdentifier

# Kazakhstan's arc 1.2.398: the national CA's profile OIDs, reused so real-profile verifiers work.
INDIVIDUAL = ObjectIdentifier("1.2.398.3.3.4.1.1")  # extendedKeyUsage: the holder is an individual
REMOTE_IDENTIFICATION = ObjectIdentifier("1.2.398.3.3.4.3.2")  # extendedKeyUsage: identified remotely
REMOTE_VIA_DIGITAL_ID = ObjectIdentifier("1.2.398.3.3.4.3.2.1")  # ... remotely, through Digital ID
POLICY_INDIVIDUAL_SIGNATURE = ObjectIdentifier("1.2.398.3.3.2.3")
POLICY_INDIVIDUAL_AUTHENTICATION = ObjectIdentifier("1.2.398.3.3.2.4")
POLICY_CA = ObjectIdentifier("1.2.398.3.3.1.1")

# How the national CA marks a certificate issued remotely through Digital ID (next to INDIVIDUAL).
REMOTE_DIGITAL_ID_MARKS = (REMOTE_IDENTIFICATION, REMOTE_VIA_DIGITAL_ID)


class Profile(StrEnum):
    """A certificate profile for individuals."""

    AUTH = "auth"
    SIGN = "sign"


@dataclass(frozen=True)
class ProfileSpec:
    """What a certificate of one profile contains. Key usage is critical, as in the national profile."""

    key_usage: frozenset[str]  # names of x509.KeyUsage arguments that are True
    extended_key_usage: tuple[ObjectIdentifier, ...]
    policy: ObjectIdentifier
    validity_years: int = 1


SPECS: dict[Profile, ProfileSpec] = {
    Profile.SIGN: ProfileSpec(
        key_usage=frozenset(
            {"digital_signature", "content_commitment"}
        ),  # content_commitment = nonRepudiation
        extended_key_usage=(ExtendedKeyUsageOID.EMAIL_PROTECTION, INDIVIDUAL),
        policy=POLICY_INDIVIDUAL_SIGNATURE,
    ),
    Profile.AUTH: ProfileSpec(
        key_usage=frozenset({"digital_signature", "key_encipherment"}),
        extended_key_usage=(ExtendedKeyUsageOID.CLIENT_AUTH, INDIVIDUAL),
        policy=POLICY_INDIVIDUAL_AUTHENTICATION,
    ),
}


# RFC 8813 section 3: an EC key MUST NOT assert keyEncipherment; its encryption role is keyAgreement.
EC_KEY_USAGE_SUBSTITUTES = {"key_encipherment": "key_agreement"}


def key_usage_for(profile: Profile, is_ec: bool) -> frozenset[str]:
    """The profile's key usage; for EC keys with keyEncipherment swapped for keyAgreement (RFC 8813)."""
    usage = SPECS[profile].key_usage
    if not is_ec:
        return usage
    return frozenset(EC_KEY_USAGE_SUBSTITUTES.get(name, name) for name in usage)


def profile_of(certificate: x509.Certificate) -> Profile | None:
    """SIGN or AUTH, read as the national CA's filters read it; None for a certificate of neither.

    The certificate policy decides (1.2.398.3.3.2.3 / .4), else the extended key usage
    (emailProtection / clientAuth), else the key usage (nonRepudiation / keyEncipherment), as older
    certificates carry no more. A policy or usage naming both profiles decides nothing.
    """
    policies = _extension(certificate, x509.CertificatePolicies)
    policy_oids = {info.policy_identifier for info in policies} if policies is not None else set()
    decided = _one_of(
        POLICY_INDIVIDUAL_SIGNATURE in policy_oids, POLICY_INDIVIDUAL_AUTHENTICATION in policy_oids
    )
    if decided is None:
        usages = _extension(certificate, x509.ExtendedKeyUsage)
        eku = set(usages) if usages is not None else set()
        decided = _one_of(ExtendedKeyUsageOID.EMAIL_PROTECTION in eku, ExtendedKeyUsageOID.CLIENT_AUTH in eku)
    if decided is None:
        key_usage = _extension(certificate, x509.KeyUsage)
        if key_usage is not None and key_usage.content_commitment:
            decided = Profile.SIGN
        elif key_usage is not None and key_usage.key_encipherment:
            decided = Profile.AUTH
    return decided


def _one_of(is_sign: bool, is_auth: bool) -> Profile | None:
    if is_sign == is_auth:
        return None
    return Profile.SIGN if is_sign else Profile.AUTH


def _extension(certificate: x509.Certificate, kind: type) -> object | None:
    try:
        return certificate.extensions.get_extension_for_class(kind).value
    except x509.ExtensionNotFound:
        return None
