"""Kazakh mobile numbers in one spelling: ``+77XXXXXXXXX``."""

from __future__ import annotations

import re

_SEPARATORS = re.compile(r"[\s\-().]")

# Mobile operator codes after +7 (Kcell, Beeline, Tele2/Altel, Activ). Other +7 7xx codes are
# landlines (727 Almaty, 717x Astana...), where an SMS never arrives.
MOBILE_CODES = frozenset({"700", "701", "702", "703", "704", "705", "706", "707", "708", "709", "747", "771",
                          "775", "776", "777", "778"})  # fmt: skip


class InvalidPhone(ValueError):
    """The text is not a Kazakh mobile number."""


def normalise_phone(phone: str) -> str:
    """``+7 701 234-56-78``, ``8 (701) 234 56 78``, ``77012345678``, ``7012345678`` -> ``+77012345678``."""
    digits = _SEPARATORS.sub("", phone or "")
    if not digits:
        raise InvalidPhone("A mobile number is needed, like +7 701 234 56 78.")
    if digits.startswith("+"):
        if not digits.startswith("+7"):
            raise InvalidPhone("Only Kazakh mobile numbers are accepted: they start with +7 7.")
        digits = digits[2:]
    elif len(digits) == 11 and digits[0] in "78":
        digits = digits[1:]
    if not digits.isascii() or not digits.isdigit():
        raise InvalidPhone("A phone number has digits only, like +7 701 234 56 78.")
    if len(digits) != 10:
        raise InvalidPhone("A Kazakh mobile number has 10 digits after +7, like +7 701 234 56 78.")
    if digits[:3] not in MOBILE_CODES:
        raise InvalidPhone(
            "This is not a Kazakh mobile number: it must start with +7 and a mobile code "
            "(700-709, 747, 771, 775-778)."
        )
    return "+7" + digits
