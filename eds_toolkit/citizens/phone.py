"""Kazakh mobile numbers in one spelling: ``+77XXXXXXXXX``."""

from __future__ import annotations

import re

_SEPARATORS = re.compile(r"[\s\-().]")


class InvalidPhone(ValueError):
    """The text is not a Kazakh mobile number."""


def normalise_phone(phone: str) -> str:
    """``+7 701 234-56-78``, ``8 (701) 234 56 78``, ``77012345678``, ``7012345678`` -> ``+77012345678``."""
    digits = _SEPARATORS.sub("", phone or "")
    if digits.startswith("+"):
        if not digits.startswith("+7"):
            raise InvalidPhone("Only Kazakh mobile numbers are accepted: they start with +7 7.")
        digits = digits[1:]
    if not digits.isascii() or not digits.isdigit():
        raise InvalidPhone("A phone number has digits only, like +7 701 234 56 78.")
    if len(digits) == 11 and digits[0] in "78":
        digits = digits[1:]
    if len(digits) != 10:
        raise InvalidPhone("A Kazakh mobile number has 10 digits after +7, like +7 701 234 56 78.")
    if digits[0] != "7":
        raise InvalidPhone("A Kazakh mobile number starts with +7 7 (for example +7 701 ...).")
    return "+7" + digits
