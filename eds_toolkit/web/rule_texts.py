"""The password and PIN rules as the pages list them next to the field, before the citizen types.

One line per rule of ``keystore.password_policy.PasswordRule`` and of ``eds_toolkit.pin.RULES``: the
policies are the data, these are only their words (a test keeps the two in step).
"""

from __future__ import annotations

from eds_toolkit.pin import PIN_LENGTH, RULES
from eds_toolkit.translations import N_
from eds_toolkit.web.i18n import translate
from keystore.password_policy import MAX_LENGTH, MIN_DISTINCT_CHARACTERS, MIN_LENGTH, PasswordRule

PASSWORD_RULE_TEXTS: dict[PasswordRule, str] = {
    PasswordRule.LENGTH: N_("at least {min} characters (at most {max})"),
    PasswordRule.CHARACTERS: N_(
        "only Latin letters, digits, spaces and keyboard symbols (English keyboard layout)"
    ),
    PasswordRule.NO_EDGE_SPACES: N_("no space at the beginning or the end"),
    PasswordRule.LETTER_AND_DIGIT: N_("at least one Latin letter and one digit"),
    PasswordRule.NO_IIN: N_("not containing your IIN"),
    PasswordRule.DISTINCT: N_("at least {distinct} different characters"),
    PasswordRule.NOT_GUESSABLE: N_("not a common word or a keyboard sequence like qwerty or 1234"),
}

PIN_RULE_TEXTS: dict[str, str] = {
    "length": N_("exactly {length} digits"),
    "same_digits": N_("not one digit repeated, like 111111"),
    "straight_run": N_("not a run of digits like 123456 or 654321"),
    "birth_date": N_("not your birth date"),
    "birth_year": N_("not your birth year with the month or day of your birth"),
    "common": N_("not a common PIN like 112233 or 123123"),
}


def password_rules() -> list[str]:
    """The keystore password's rules in the page's language, in the policy's order."""
    values = {"min": MIN_LENGTH, "max": MAX_LENGTH, "distinct": MIN_DISTINCT_CHARACTERS}
    return [translate(PASSWORD_RULE_TEXTS[rule], **values) for rule in PasswordRule]


def pin_rules() -> list[str]:
    """The Digital ID PIN's rules in the page's language, in the policy's order."""
    return [translate(PIN_RULE_TEXTS[rule.name], length=PIN_LENGTH) for rule in RULES]
