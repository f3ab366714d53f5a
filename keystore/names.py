"""The subject of a citizen's certificate, in the national CA's order and string types."""

from __future__ import annotations

import unicodedata
import warnings

from cryptography import x509
from cryptography.x509.oid import NameOID

from keystore.errors import InvalidPersonData

UB_NAME = 64  # RFC 5280 ub-common-name (characters), applied to every name part


def clean_name(value: str | None, field: str) -> str:
    """NFC, single spaces, upper case (as the national CA writes names); refuse empty or odd characters."""
    text = " ".join(unicodedata.normalize("NFC", (value or "")).split()).upper()
    if not text:
        raise InvalidPersonData(f"The {field} is empty.")
    if any(unicodedata.category(c)[0] not in "LZ" and c not in "-'." for c in text):
        raise InvalidPersonData(f"The {field} may contain letters, spaces, hyphens and apostrophes only.")
    if len(text) > UB_NAME:
        raise InvalidPersonData(f"The {field} is longer than {UB_NAME} characters.")
    return text


def _utf8_name(oid: x509.ObjectIdentifier, value: str) -> x509.NameAttribute:
    # cryptography warns on a commonName over 64 UTF-8 *bytes*; RFC 5280 counts characters, checked above.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return x509.NameAttribute(oid, value, _validate=False)


def person_subject(iin: str, surname: str, given_name: str, patronymic: str | None) -> x509.Name:
    """CN="SURNAME GIVEN", SURNAME, SERIALNUMBER="IIN<iin>", C=KZ, GIVENNAME=<patronymic> (if any)."""
    surname = clean_name(surname, "surname")
    given = clean_name(given_name, "given name")
    full_name = f"{surname} {given}"
    if len(full_name) > UB_NAME:
        raise InvalidPersonData(f"Surname and given name together are longer than {UB_NAME} characters.")
    attributes = [
        _utf8_name(NameOID.COMMON_NAME, full_name),
        _utf8_name(NameOID.SURNAME, surname),
        x509.NameAttribute(NameOID.SERIAL_NUMBER, f"IIN{iin}"),
        x509.NameAttribute(NameOID.COUNTRY_NAME, "KZ"),
    ]
    if patronymic and patronymic.strip():
        attributes.append(_utf8_name(NameOID.GIVEN_NAME, clean_name(patronymic, "patronymic")))
    return x509.Name(attributes)
