"""The subject of an individual's certificate, in the national CA's order and string types.

One builder for the CA (which builds the subject from the verified person) and for the keystore's
requests: were they two, the CA could refuse requests the toolkit's own keystore made.
"""

from __future__ import annotations

import unicodedata
import warnings

from cryptography import x509
from cryptography.x509.oid import NameOID

UB_NAME = 64  # RFC 5280 ub-common-name (characters), applied to every name part

# The labels of a name's attributes as the national CA's own software (NCALayer) prints them; the
# CA's records, the verifier's verdicts and the agent's answers all use these.
SUBJECT_LABELS = {
    NameOID.COMMON_NAME: "CN",
    NameOID.SURNAME: "SURNAME",
    NameOID.SERIAL_NUMBER: "SERIALNUMBER",
    NameOID.COUNTRY_NAME: "C",
    NameOID.GIVEN_NAME: "G",
    NameOID.ORGANIZATION_NAME: "O",
    NameOID.ORGANIZATIONAL_UNIT_NAME: "OU",
    NameOID.EMAIL_ADDRESS: "E",
}


class InvalidName(ValueError):
    """A name part is empty, too long or holds characters a name does not; the message says which."""


def clean_name(value: str | None, field: str) -> str:
    """NFC, single spaces, upper case (as the national CA writes names); refuse empty or odd characters."""
    text = " ".join(unicodedata.normalize("NFC", value or "").split()).upper()
    if not text:
        raise InvalidName(f"The {field} is empty.")
    if any(unicodedata.category(c)[0] not in "LZ" and c not in "-'." for c in text):
        raise InvalidName(f"The {field} may contain letters, spaces, hyphens and apostrophes only.")
    if len(text) > UB_NAME:
        raise InvalidName(f"The {field} is longer than {UB_NAME} characters.")
    return text


def common_name(value: str) -> x509.NameAttribute:
    """A commonName of 1 to 64 characters (RFC 5280 ub-common-name counts characters).

    cryptography counts UTF-8 bytes, which would cap Cyrillic names at 32 letters; past that we
    build the attribute unvalidated, after checking the character count ourselves.
    """
    if len(value) > UB_NAME or not value:
        raise InvalidName(f"A common name must be 1 to {UB_NAME} characters.")
    if len(value.encode("utf-8")) <= UB_NAME:
        return x509.NameAttribute(NameOID.COMMON_NAME, value)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return x509.NameAttribute(NameOID.COMMON_NAME, value, _validate=False)


def subject_text(subject: x509.Name) -> str:
    """The name as RFC 4514 text (last attribute first) with the labels of ``SUBJECT_LABELS``."""
    return subject.rfc4514_string(SUBJECT_LABELS)


def national_subject_and_text(
    iin: str, surname: str, given_name: str, patronymic: str | None
) -> tuple[x509.Name, str]:
    """CN="SURNAME GIVEN", SURNAME, SERIALNUMBER="IIN<iin>", C=KZ, G(IVENNAME)=<patronymic> (if any).

    Names are cleaned (``clean_name``); ``InvalidName`` says what is wrong with one. Order and string
    types follow the national CA: names UTF8String; serialNumber and C PrintableString (cryptography's
    default for those two attributes). The text is what ``subject_text`` gives, joined directly
    (cleaned names hold no character RFC 4514 escapes), so issuing many needs no second pass.
    """
    surname = clean_name(surname, "surname")
    given = clean_name(given_name, "given name")
    full_name = f"{surname} {given}"
    if len(full_name) > UB_NAME:
        raise InvalidName(f"Surname and given name together are longer than {UB_NAME} characters.")
    attributes = [
        common_name(full_name),
        x509.NameAttribute(NameOID.SURNAME, surname),
        x509.NameAttribute(NameOID.SERIAL_NUMBER, f"IIN{iin}"),
        x509.NameAttribute(NameOID.COUNTRY_NAME, "KZ"),
    ]
    labels = SUBJECT_LABELS
    parts = [
        f"{labels[NameOID.COUNTRY_NAME]}=KZ",
        f"{labels[NameOID.SERIAL_NUMBER]}=IIN{iin}",
        f"{labels[NameOID.SURNAME]}={surname}",
        f"{labels[NameOID.COMMON_NAME]}={full_name}",
    ]
    if patronymic and patronymic.strip():
        cleaned_patronymic = clean_name(patronymic, "patronymic")
        attributes.append(x509.NameAttribute(NameOID.GIVEN_NAME, cleaned_patronymic))
        parts.insert(0, f"{labels[NameOID.GIVEN_NAME]}={cleaned_patronymic}")
    return x509.Name(attributes), ",".join(parts)


def national_subject(iin: str, surname: str, given_name: str, patronymic: str | None) -> x509.Name:
    """The subject alone (see ``national_subject_and_text``)."""
    return national_subject_and_text(iin, surname, given_name, patronymic)[0]
