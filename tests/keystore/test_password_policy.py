"""The password policy: each refusal has its own clear reason, and sound passwords pass."""

from __future__ import annotations

import pytest
from keystore_testkit import IIN

from keystore.errors import WeakPassword
from keystore.password_policy import check_password, password_problems


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("Kx7pQ2", "at least 8 characters"),
        ("Kx7pQ2m" + "z9" * 61, "at most 128 characters"),
        ("Жулдыз2024x", "Latin letters"),
        (" Kx7pQ2mz", "begin or end with a space"),
        ("kxvpqwmzt", "one Latin letter and at least one digit"),
        ("83619274", "one Latin letter and at least one digit"),
        (f"a{IIN}", "IIN"),
        ("aaaa1111", "too few different characters"),
        ("Qwerty12", "too easy to guess"),  # the national CA's own test password
        ("Password2024", "too easy to guess"),
        ("abcd1234", "too easy to guess"),
        ("1qaz2wsx", "too easy to guess"),
        ("Almaty12345", "too easy to guess"),
        ("Zxcvbnm0", "too easy to guess"),
    ],
)
def test_refusals_name_their_reason_and_never_echo_the_password(password, reason):
    with pytest.raises(WeakPassword, match=reason) as caught:
        check_password(password, iin=IIN)
    assert password.strip() not in str(caught.value)


@pytest.mark.parametrize(
    "password", ["Steppe7Wind!", "x7Kp9Q2m", "Tanya1990", "Qwerty738291", "correct horse 4 battery"]
)
def test_sound_passwords_pass(password):
    check_password(password, iin=IIN)
    assert password_problems(password, iin=IIN) == []


def test_every_problem_is_listed_for_forms():
    problems = password_problems("йй", iin=IIN)
    assert len(problems) >= 3


def test_the_iin_rule_needs_the_iin():
    check_password(f"a{IIN}")  # no IIN known: only the generic rules apply
