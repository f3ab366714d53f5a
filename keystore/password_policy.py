"""The keystore password policy, with one clear sentence for every refusal.

The password protects the citizen's signing key offline, where an attacker can guess without limit:
length, a mix of letters and digits, nothing guessable from the person (the IIN) or from habit
(common words and keyboard runs with digits stuck on, like the national CA's own example ``Qwerty12``).
Printable ASCII only: Java's PKCS#12 reader (keytool, NCALayer and other Java signing tools)
refuses PBES2 keystores whose password has any other character.
"""

from __future__ import annotations

import string
from enum import StrEnum
from pathlib import Path

from keystore.errors import WeakPassword

MIN_LENGTH = 8
MAX_LENGTH = 128
MIN_DISTINCT_CHARACTERS = 5
_ALLOWED = set(string.ascii_letters + string.digits + string.punctuation + " ")
_COMMON_WORDS = frozenset(
    word
    for line in (Path(__file__).parent / "common_passwords.txt").read_text("utf-8").splitlines()
    if not line.startswith("#")
    for word in line.split()
)
_KEYBOARD_RUNS = ("qwertyuiop", "asdfghjkl", "zxcvbnm", "abcdefghijklmnopqrstuvwxyz", "1234567890")


def _is_run(text: str) -> bool:
    """A keyboard or alphabet run (either direction) or one character repeated."""
    if len(set(text)) <= 1:
        return True
    return any(text in run or text in run[::-1] for run in _KEYBOARD_RUNS)


def _is_predictable(lowered: str) -> bool:
    letters = "".join(c for c in lowered if c.isalpha())
    digits = "".join(c for c in lowered if c.isdigit())
    letters_guessable = letters in _COMMON_WORDS or _is_run(letters)
    digits_guessable = len(digits) <= 4 or _is_run(digits)
    return letters_guessable and digits_guessable


class PasswordRule(StrEnum):
    """One rule of the policy; forms and the signing agent show them (in their own words) before typing."""

    LENGTH = "length"
    CHARACTERS = "characters"
    NO_EDGE_SPACES = "no_edge_spaces"
    LETTER_AND_DIGIT = "letter_and_digit"
    NO_IIN = "no_iin"
    DISTINCT = "distinct"
    NOT_GUESSABLE = "not_guessable"


_REASONS = {
    PasswordRule.CHARACTERS: (
        "Use only Latin letters, digits, spaces and the symbols on a standard keyboard "
        "(switch the keyboard layout to English): Java signing programs cannot open a keystore "
        "whose password has other characters."
    ),
    PasswordRule.NO_EDGE_SPACES: "The password must not begin or end with a space.",
    PasswordRule.LETTER_AND_DIGIT: (
        "The password must contain at least one Latin letter and at least one digit."
    ),
    PasswordRule.NO_IIN: "The password must not contain your IIN: anyone who knows you can guess it.",
    PasswordRule.DISTINCT: (
        f"The password uses too few different characters: use at least {MIN_DISTINCT_CHARACTERS}."
    ),
    PasswordRule.NOT_GUESSABLE: (
        "The password is too easy to guess (a common word or a keyboard sequence such as "
        "'qwerty' or '1234' with a few digits added): choose something less predictable."
    ),
}


def broken_rules(password: str, *, iin: str | None = None) -> list[PasswordRule]:
    """The rules ``password`` breaks, in the policy's order (empty when it is acceptable).

    The IIN rule is checked only when ``iin`` is given; the guessability rule only once the
    password has enough different characters.
    """
    broken: list[PasswordRule] = []
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        broken.append(PasswordRule.LENGTH)
    if any(c not in _ALLOWED for c in password):
        broken.append(PasswordRule.CHARACTERS)
    if password != password.strip():
        broken.append(PasswordRule.NO_EDGE_SPACES)
    if not any(c in string.ascii_letters for c in password) or not any(c.isdigit() for c in password):
        broken.append(PasswordRule.LETTER_AND_DIGIT)
    if iin and iin in password:
        broken.append(PasswordRule.NO_IIN)
    if len(set(password)) < MIN_DISTINCT_CHARACTERS:
        broken.append(PasswordRule.DISTINCT)
    elif _is_predictable(password.lower()):
        broken.append(PasswordRule.NOT_GUESSABLE)
    return broken


def password_problems(password: str, *, iin: str | None = None) -> list[str]:
    """Every reason ``password`` is refused (empty when it is acceptable). Never echoes the password."""
    problems: list[str] = []
    for rule in broken_rules(password, iin=iin):
        if rule is PasswordRule.LENGTH:
            too_short = len(password) < MIN_LENGTH
            problems.append(
                f"The password must be at least {MIN_LENGTH} characters long."
                if too_short
                else f"The password must be at most {MAX_LENGTH} characters long."
            )
        else:
            problems.append(_REASONS[rule])
    return problems


def check_password(password: str, *, iin: str | None = None) -> None:
    """Raise WeakPassword with the first reason the password is refused; return None when it is fine."""
    problems = password_problems(password, iin=iin)
    if problems:
        raise WeakPassword(problems[0])
