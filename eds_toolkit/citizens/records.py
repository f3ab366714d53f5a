"""Checking a person's data before it enters the base: IIN checksum, birth date against the IIN, phone."""

from __future__ import annotations

import datetime as dt

from eds_toolkit.citizens.model import CitizenRecord
from eds_toolkit.citizens.phone import InvalidPhone, normalise_phone
from national_profile.iin import InvalidIIN, parse_iin

MAX_NAME_LENGTH = 100


class InvalidCitizen(ValueError):
    """A person's data is unusable; the message says which field and why."""


def make_record(
    *,
    iin: str,
    surname: str,
    given_name: str,
    birth_date: str | dt.date,
    patronymic: str | None = None,
    phone: str | None = None,
    photo: bytes | None = None,
) -> CitizenRecord:
    """A validated CitizenRecord (names trimmed, phone normalised) or InvalidCitizen."""
    try:
        parsed = parse_iin(iin)
    except InvalidIIN as exc:
        raise InvalidCitizen(f"iin: {exc}") from None
    if isinstance(birth_date, str):
        try:
            birth_date = dt.date.fromisoformat(birth_date.strip())
        except ValueError:
            raise InvalidCitizen(f"birth_date: {birth_date!r} is not a date like 1985-03-14") from None
    if birth_date != parsed.birth_date:
        raise InvalidCitizen(
            f"birth_date: {birth_date.isoformat()} does not match the IIN, which says "
            f"{parsed.birth_date.isoformat()}"
        )
    number = None
    if phone and phone.strip():
        try:
            number = normalise_phone(phone)
        except InvalidPhone as exc:
            raise InvalidCitizen(f"phone: {exc}") from None
    return CitizenRecord(
        iin=parsed.value,
        surname=_name("surname", surname, required=True),
        given_name=_name("given_name", given_name, required=True),
        patronymic=_name("patronymic", patronymic, required=False),
        birth_date=birth_date,
        phone=number,
        photo=photo,
    )


def _name(field: str, value: str | None, *, required: bool) -> str | None:
    value = " ".join((value or "").split())
    if not value:
        if required:
            raise InvalidCitizen(f"{field}: must not be empty")
        return None
    if len(value) > MAX_NAME_LENGTH:
        raise InvalidCitizen(f"{field}: longer than {MAX_NAME_LENGTH} characters")
    if any(ch.isdigit() for ch in value):
        raise InvalidCitizen(f"{field}: a name has no digits")
    return value
