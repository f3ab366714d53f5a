"""The Digital ID PIN: a policy refusing guessable PINs, and argon2id hashes (never the PIN itself)."""

from __future__ import annotations

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

_HASHER = PasswordHasher()  # argon2id, RFC 9106 "low memory" parameters (64 MiB, t=3, p=4)


class WeakPin(ValueError):
    """The PIN breaks a rule; ``.rule`` names it (length, same_digits, straight_run, birth_date, common)."""

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(message)
        self.rule = rule


def check_pin_policy(pin: str, *, iin: str) -> None:
    """Raise WeakPin unless ``pin`` is 6 digits that are not trivial or the birth date in ``iin``."""
    if len(pin) != PIN_LENGTH or not pin.isascii() or not pin.isdigit():
        raise WeakPin("length", f"The PIN must be exactly {PIN_LENGTH} digits.")
    if len(set(pin)) == 1:
        raise WeakPin("same_digits", "The PIN must not be one digit repeated.")
    steps = {(int(b) - int(a)) % 10 for a, b in zip(pin, pin[1:], strict=False)}
    if steps in ({1}, {9}):
        raise WeakPin("straight_run", "The PIN must not be a run of digits like 123456 or 654321.")
    if pin in _birth_date_forms(iin):
        raise WeakPin("birth_date", "The PIN must not be your birth date.")
    if pin in COMMON_PINS or pin[:2] * 3 == pin or pin[:3] * 2 == pin:
        raise WeakPin("common", "This PIN is too common: choose one that is harder to guess.")


def _birth_date_forms(iin: str) -> set[str]:
    yymmdd = (iin or "")[:6]
    if len(yymmdd) != 6 or not yymmdd.isdigit():
        return set()
    yy, mm, dd = yymmdd[:2], yymmdd[2:4], yymmdd[4:6]
    return {yy + mm + dd, dd + mm + yy, mm + dd + yy}


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
