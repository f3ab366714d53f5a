"""What a signer certificate says about its holder: IIN, names and profile (SIGN or AUTH)."""

from __future__ import annotations

from cryptography import x509
from cryptography.x509.oid import NameOID

from eds_toolkit.signatures.verdict import Signer
from national_profile.iin import InvalidIIN, iin_of, parse_iin
from national_profile.names import subject_text
from national_profile.profiles import profile_of


def check_iin(iin: str | None, *, enforce_check_digit: bool) -> str | None:
    """None when the IIN is acceptable, else a message saying why not."""
    if iin is None:
        return "The signer certificate names no IIN (subject serialNumber IIN...)."
    try:
        parse_iin(iin, enforce_check_digit=enforce_check_digit)
    except InvalidIIN as error:
        return f"The signer's IIN {iin} is not valid: {error}"
    return None


def signer_of(certificate: x509.Certificate) -> Signer:
    """The signer as data, read from the certificate."""
    common_name = _name(certificate, NameOID.COMMON_NAME)
    surname = _name(certificate, NameOID.SURNAME)
    given_name = None  # the national profile: CN = "SURNAME GIVEN", GIVENNAME holds the patronymic
    if common_name and surname and common_name.startswith(surname + " "):
        given_name = common_name[len(surname) + 1 :]
    return Signer(
        iin=iin_of(certificate.subject),
        common_name=common_name,
        surname=surname,
        given_name=given_name,
        patronymic=_name(certificate, NameOID.GIVEN_NAME),
        profile=profile_of(certificate),
        serial=f"{certificate.serial_number:x}",
        subject=subject_text(certificate.subject),
        issuer=subject_text(certificate.issuer),
        not_before=certificate.not_valid_before_utc,
        not_after=certificate.not_valid_after_utc,
    )


def _name(certificate: x509.Certificate, oid: x509.ObjectIdentifier) -> str | None:
    values = certificate.subject.get_attributes_for_oid(oid)
    return str(values[0].value) if values else None
