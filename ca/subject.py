"""The certificate subject, built from the verified person only (never from the CSR)."""

from __future__ import annotations

import unicodedata
import warnings

from cryptography import x509
from cryptography.x509.oid import NameOID

from ca.errors import IssuanceRefused
from ca.person import VerifiedPerson

UB_NAME = 64  # RFC 5280 upper bound for commonName (ub-common-name); applied to every name part


def _clean_name(value: str | None, field: str) -> str:
    text = unicodedata.normalize("NFC", (value or "").strip()).upper()
    text = " ".join(text.split())
    if not text:
        raise IssuanceRefused("invalid_name", f"The {field} is empty.")
    if any(unicodedata.category(c)[0] not in "LZ" and c not in "-'." for c in text):
        raise IssuanceRefused(
            "invalid_name", f"The {field} may contain letters, spaces, hyphens and apostrophes only."
        )
    return text


SUBJECT_LABELS = {
    NameOID.SURNAME: "SURNAME",
    NameOID.SERIAL_NUMBER: "SERIALNUMBER",
    NameOID.GIVEN_NAME: "GIVENNAME",
}


def subject_text(subject: x509.Name) -> str:
    """The subject as RFC 4514 text with readable labels (SURNAME, SERIALNUMBER, GIVENNAME)."""
    return subject.rfc4514_string(SUBJECT_LABELS)


def common_name(value: str) -> x509.NameAttribute:
    """A commonName of at most 64 characters (RFC 5280 ub-common-name counts characters).

    cryptography counts UTF-8 bytes, which would cap Cyrillic names at 32 letters; past that we
    build the attribute unvalidated, after checking the character count ourselves.
    """
    if len(value) > UB_NAME or not value:
        raise IssuanceRefused("invalid_name", f"A common name must be 1 to {UB_NAME} characters.")
    if len(value.encode("utf-8")) <= UB_NAME:
        return x509.NameAttribute(NameOID.COMMON_NAME, value)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return x509.NameAttribute(NameOID.COMMON_NAME, value, _validate=False)


def subject_and_text(person: VerifiedPerson) -> tuple[x509.Name, str]:
    """CN="SURNAME GIVEN", SURNAME, SERIALNUMBER="IIN"+IIN, C=KZ, GIVENNAME=patronymic (when present).

    Order and string types follow the national CA: names UTF8String; serialNumber and C PrintableString
    (cryptography's default for those two attributes). The text is the RFC 4514 form ``subject_text``
    gives (cleaned names hold no character RFC 4514 escapes, so it is joined directly).
    """
    surname = _clean_name(person.surname, "surname")
    given = _clean_name(person.given_name, "given name")
    full_name = f"{surname} {given}"
    if len(full_name) > UB_NAME:
        raise IssuanceRefused("invalid_name", f"Surname and given name together exceed {UB_NAME} characters.")
    attributes = [
        common_name(full_name),
        x509.NameAttribute(NameOID.SURNAME, surname),
        x509.NameAttribute(NameOID.SERIAL_NUMBER, f"IIN{person.iin}"),
        x509.NameAttribute(NameOID.COUNTRY_NAME, "KZ"),
    ]
    text = f"C=KZ,SERIALNUMBER=IIN{person.iin},SURNAME={surname},CN={full_name}"
    if person.patronymic and person.patronymic.strip():
        patronymic = _clean_name(person.patronymic, "patronymic")
        if len(patronymic) > UB_NAME:
            raise IssuanceRefused("invalid_name", f"The patronymic exceeds {UB_NAME} characters.")
        attributes.append(x509.NameAttribute(NameOID.GIVEN_NAME, patronymic))
        text = f"GIVENNAME={patronymic}," + text
    return x509.Name(attributes), text


def subject_for(person: VerifiedPerson) -> x509.Name:
    """The certificate subject for ``person`` (see ``subject_and_text``)."""
    return subject_and_text(person)[0]
