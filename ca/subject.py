"""The certificate subject, built from the verified person only (never from the CSR)."""

from __future__ import annotations

from cryptography import x509

from ca.errors import IssuanceRefused
from ca.person import VerifiedPerson
from national_profile import names


def subject_and_text(person: VerifiedPerson) -> tuple[x509.Name, str]:
    """The national subject of ``person`` and its RFC 4514 text; an unusable name is ``invalid_name``."""
    try:
        return names.national_subject_and_text(
            person.iin, person.surname, person.given_name, person.patronymic
        )
    except names.InvalidName as error:
        raise IssuanceRefused("invalid_name", str(error)) from None


def common_name(value: str) -> x509.NameAttribute:
    """A CA's commonName (1 to 64 characters); anything else is ``invalid_name``."""
    try:
        return names.common_name(value)
    except names.InvalidName as error:
        raise IssuanceRefused("invalid_name", str(error)) from None
