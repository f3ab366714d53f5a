"""The verified person an identity proof hands to the CA."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from cryptography.x509 import ObjectIdentifier

from national_profile.profiles import REMOTE_DIGITAL_ID_MARKS


class Identification(StrEnum):
    """How the person was identified: decides the identification OIDs in the certificate."""

    REMOTE_DIGITAL_ID = "remote_digital_id"  # SMS code + liveness + face match (Digital ID)
    SERVICE_CENTRE = "service_centre"  # an operator saw the identity card
    RENEWAL = "renewal"  # signed with a still-valid AUTH certificate


# The identification OIDs each way adds to the profile's extendedKeyUsage.
IDENTIFICATION_OIDS: dict[Identification, tuple[ObjectIdentifier, ...]] = {
    Identification.REMOTE_DIGITAL_ID: REMOTE_DIGITAL_ID_MARKS,
    Identification.SERVICE_CENTRE: (),
    Identification.RENEWAL: (),
}


@dataclass(frozen=True)
class VerifiedPerson:
    """A person whose identity an identity proof has verified. The CA builds subjects from this only."""

    iin: str
    surname: str
    given_name: str
    patronymic: str | None
    identification: Identification
