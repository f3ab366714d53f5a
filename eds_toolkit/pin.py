"""The Digital ID PIN: a policy refusing guessable PINs, and argon2id hashes (never the PIN itself)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

PIN_LENGTH = 6

# Among the most frequent 6-digit PINs in leaked-PIN studies (the ones no other rule below catches).
COMMON_PINS = frozenset(
    {
        "112233", "123123", "123321", "121212", "159753", "147258", "102030", "100200", "111222",
        "696969", "159357", "789456", "520520", "131313", "252525", "007007", "112211", "654123",
        "147852", "258369", "123654", "000123", "999000", "110011",
    }
)  # fmt: skip

# the IIN's 7th digit (century and sex) -> the century of the birth year
_CENTURY = {"1": 1800, "2": 1800, "3": 1900, "4": 1900, "5": 2000, "6": 2000}

_HASHER = PasswordHasher()  # argon2id, RFC 9106 "low memory" parameters (64 MiB, t=3, p=4)


class WeakPin(ValueError):
    """The PIN breaks a rule; ``.rule`` names it (one of ``RULES``)."""

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(message)
        self.rule = rule


@dataclass(frozen=True)
class PinRule:
    """One rule of the policy: its name, the one message a citizen sees, and the test a PIN must pass."""

    name: str
    message: str
    breaks: Callable[[str, BirthDate | None], bool]


@dataclass(frozen=True)
class BirthDate:
    """The birth date read from the IIN, as the digit groups people type: YYYY, YY, MM, DD."""

    yy: str
    mm: str
    dd: str
    yyyy: str | None  # None when the IIN's century digit is unknown

    def day_forms(self) -> set[str]:
        """The full date with a two-digit year, in the orders people write it."""
        return {self.yy + self.mm + self.dd, self.dd + self.mm + self.yy, self.mm + self.dd + self.yy}

    def year_forms(self) -> set[str]:
        """A four-digit year beside the month or the day: 198503, 031985, 141985."""
        if self.yyyy is None:
            return set()
        return {self.yyyy + self.mm, self.mm + self.yyyy, self.dd + self.yyyy, self.yyyy + self.dd}


def _straight_run(pin: str) -> bool:
    steps = {(int(b) - int(a)) % 10 for a, b in zip(pin, pin[1:], strict=False)}
    return steps in ({1}, {9})


# Checked in this order; the first rule a PIN breaks is the one reported.
RULES: tuple[PinRule, ...] = (
    PinRule(
        "length",
        f"The PIN must be exactly {PIN_LENGTH} digits.",
        lambda pin, born: len(pin) != PIN_LENGTH or not pin.isascii() or not pin.isdigit(),
    ),
    PinRule("same_digits", "The PIN must not be one digit repeated.", lambda pin, born: len(set(pin)) == 1),
    PinRule(
        "straight_run",
        "The PIN must not be a run of digits like 123456 or 654321.",
        lambda pin, born: _straight_run(pin),
    ),
    PinRule(
        "birth_date",
        "The PIN must not be your birth date.",
        lambda pin, born: born is not None and pin in born.day_forms(),
    ),
    PinRule(
        "birth_year",
        "The PIN must not contain your birth year with the month or day of your birth.",
        lambda pin, born: born is not None and pin in born.year_forms(),
    ),
    PinRule(
        "common",
        "This PIN is too common: choose one that is harder to guess.",
        lambda pin, born: pin in COMMON_PINS or pin[:2] * 3 == pin or pin[:3] * 2 == pin,
    ),
)


def check_pin_policy(pin: str, *, iin: str) -> None:
    """Raise WeakPin for the first rule in ``RULES`` that ``pin`` breaks (birth date read from ``iin``)."""
    born = birth_date_of(iin)
    for rule in RULES:
        if rule.breaks(pin, born):
            raise WeakPin(rule.name, rule.message)


def birth_date_of(iin: str) -> BirthDate | None:
    """The birth date in the IIN's first six digits (YYMMDD), the century from its 7th digit.

    None when the IIN is not 12 digits. Without a known century (7th digit not 1-6) or a real calendar
    date, only the two-digit-year forms are checked.
    """
    digits = (iin or "").strip()
    if len(digits) != 12 or not digits.isascii() or not digits.isdigit():
        return None
    yy, mm, dd = digits[0:2], digits[2:4], digits[4:6]
    century = _CENTURY.get(digits[6])
    if century is not None:
        try:
            dt.date(century + int(yy), int(mm), int(dd))
        except ValueError:
            century = None
    return BirthDate(yy=yy, mm=mm, dd=dd, yyyy=f"{century + int(yy)}" if century is not None else None)


def hash_pin(pin: str) -> str:
    """An argon2id hash of ``pin`` (salted, PHC string)."""
    return _HASHER.hash(pin)


def verify_pin(pin: str, pin_hash: str) -> bool:
    """True when ``pin`` matches ``pin_hash``; a malformed stored hash raises ValueError (data is broken)."""
    try:
        return _HASHER.verify(pin_hash, pin)
    except VerifyMismatchError:
        return False
    except InvalidHashError:
        raise ValueError("the stored PIN hash is not an argon2 hash") from None
    except VerificationError:
        return False


def pin_needs_rehash(pin_hash: str) -> bool:
    """True when ``pin_hash`` was made with weaker parameters than today's (rehash on next sign-in)."""
    return _HASHER.check_needs_rehash(pin_hash)
