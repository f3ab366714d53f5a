"""The Kazakh individual identification number (IIN): format, birth date, check digit, and where a
certificate or request names it (``SERIALNUMBER=IIN<12 digits>``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from cryptography import x509
from cryptography.x509.oid import NameOID

_CENTURY = {"1": 1800, "2": 1800, "3": 1900, "4": 1900, "5": 2000, "6": 2000}
_FIRST_WEIGHTS = tuple(range(1, 12))
_SECOND_WEIGHTS = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)


class InvalidIIN(ValueError):
    """The IIN is not 12 digits, has no valid birth date, or fails its check digit."""


@dataclass(frozen=True)
class IIN:
    """A parsed IIN."""

    value: str
    birth_date: dt.date
    sex: str  # "M" or "F"

    def __str__(self) -> str:
        return self.value


def check_digit(first_eleven: str) -> int | None:
    """The check digit for 11 digits, or None when no check digit exists (the IIN is invalid)."""
    digits = [int(c) for c in first_eleven]
    for weights in (_FIRST_WEIGHTS, _SECOND_WEIGHTS):
        digit = sum(d * w for d, w in zip(digits, weights, strict=True)) % 11
        if digit != 10:
            return digit
    return None


def parse_iin(value: str, *, enforce_check_digit: bool = True, today: dt.date | None = None) -> IIN:
    """Parse and validate an IIN; raise InvalidIIN with a reason a person can act on.

    Spaces and line breaks around the digits are removed (``IIN.value`` is the canonical form).
    A birth date after ``today`` (default: the UTC date now) is invalid. Verifiers of foreign
    certificates pass ``enforce_check_digit=False``: the national CA's own test IIN 123456789011
    fails the check digit.
    """
    if not isinstance(value, str):
        raise InvalidIIN("An IIN is exactly 12 digits.")
    value = value.strip()
    if len(value) != 12 or not value.isascii() or not value.isdigit():
        raise InvalidIIN("An IIN is exactly 12 digits.")
    century = _CENTURY.get(value[6])
    if enforce_check_digit and century is None:
        raise InvalidIIN("The 7th digit of an IIN (century and sex) must be 1 to 6.")
    try:
        birth_date = dt.date((century or 1900) + int(value[0:2]), int(value[2:4]), int(value[4:6]))
    except ValueError:
        if enforce_check_digit:
            raise InvalidIIN("The first six digits of an IIN must be a birth date (YYMMDD).") from None
        birth_date = dt.date(1900, 1, 1)
    if enforce_check_digit and birth_date > (today or dt.datetime.now(dt.UTC).date()):
        raise InvalidIIN("The first six digits of an IIN are a birth date, and this one is in the future.")
    if enforce_check_digit and check_digit(value[:11]) != int(value[11]):
        raise InvalidIIN("The IIN check digit is wrong: please check the number.")
    sex = "M" if value[6] in "135" else "F"
    return IIN(value=value, birth_date=birth_date, sex=sex)


def age_on(birth_date: dt.date, day: dt.date) -> int:
    """Full years of age on ``day``: a birthday counts from its own date (the person is 14 on their 14th
    birthday). Someone born on 29 February has their birthday on 28 February in a common year (a period
    of years ends on the last day of the month when the month has no such day)."""
    birthday = _birthday_in(birth_date, day.year)
    return day.year - birth_date.year - (day < birthday)


def _birthday_in(birth_date: dt.date, year: int) -> dt.date:
    try:
        return birth_date.replace(year=year)
    except ValueError:  # 29 February in a common year
        return dt.date(year, 2, 28)


def is_valid_iin(value: str) -> bool:
    """True when ``value`` is a valid IIN with a correct check digit."""
    try:
        parse_iin(value)
    except InvalidIIN:
        return False
    return True


def make_iin(birth_date: dt.date, sex: str, serial: int) -> str:
    """Build a valid IIN (for demo citizens and tests): birth date, sex, a 4-digit serial.

    Tries successive serials until one has a check digit.
    """
    century_digit = {1800: 1, 1900: 3, 2000: 5}[birth_date.year // 100 * 100] + (sex == "F")
    for n in range(serial, serial + 10_000):
        head = f"{birth_date:%y%m%d}{century_digit}{n % 10_000:04d}"
        digit = check_digit(head)
        if digit is not None:
            return head + str(digit)
    raise InvalidIIN("no IIN exists for these inputs")  # unreachable in practice


def iin_of(name: x509.Name) -> str | None:
    """The holder's IIN as the national profile writes it: the first serialNumber ``IIN<digits>``.

    None for a name of no individual (no serialNumber starting with ``IIN``). Not validated: callers
    parse it with the check-digit rule they need.
    """
    for attribute in name.get_attributes_for_oid(NameOID.SERIAL_NUMBER):
        value = str(attribute.value)
        if value.startswith("IIN"):
            return value[3:]
    return None


def iins_named_in(name: x509.Name) -> list[str]:
    """Every IIN a name claims: each serialNumber value, its ``IIN`` prefix (any case) removed.

    For checking a request against the verified person: an unprefixed or second serialNumber counts
    too, so a request naming anyone else cannot slip past.
    """
    values = [str(a.value) for a in name.get_attributes_for_oid(NameOID.SERIAL_NUMBER)]
    return [v[3:] if v.upper().startswith("IIN") else v for v in values]
