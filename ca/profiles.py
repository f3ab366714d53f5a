"""The AUTH and SIGN certificate profiles, as data (read off the national CA's test certificates).

``ca.authority`` turns a profile into extensions; nothing here signs.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from cryptography.x509.oid import ExtendedKeyUsageOID, ObjectIdentifier

from ca.person import Identification

# Kazakhstan's arc 1.2.398: the national CA's profile OIDs, reused so real-profile verifiers work.
INDIVIDUAL = ObjectIdentifier("1.2.398.3.3.4.1.1")
REMOTE_IDENTIFICATION = ObjectIdentifier("1.2.398.3.3.4.3.2")
REMOTE_VIA_DIGITAL_ID = ObjectIdentifier("1.2.398.3.3.4.3.2.1")
POLICY_INDIVIDUAL_SIGNATURE = ObjectIdentifier("1.2.398.3.3.2.3")
POLICY_INDIVIDUAL_AUTHENTICATION = ObjectIdentifier("1.2.398.3.3.2.4")
POLICY_CA = ObjectIdentifier("1.2.398.3.3.1.1")

IDENTIFICATION_OIDS: dict[Identification, tuple[ObjectIdentifier, ...]] = {
    Identification.REMOTE_DIGITAL_ID: (REMOTE_IDENTIFICATION, REMOTE_VIA_DIGITAL_ID),
    Identification.SERVICE_CENTRE: (),
    Identification.RENEWAL: (),
}


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


def extended_key_usage_for(profile: Profile, identification: Identification) -> tuple[ObjectIdentifier, ...]:
    """The profile's EKU OIDs followed by the identification OIDs of how the person was identified."""
    return SPECS[profile].extended_key_usage + IDENTIFICATION_OIDS[identification]
