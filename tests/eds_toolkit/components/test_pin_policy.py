import pytest

from eds_toolkit.pin import WeakPin, check_pin_policy, hash_pin, pin_needs_rehash, verify_pin

IIN = "850314312017"  # born 1985-03-14


@pytest.mark.parametrize(
    ("pin", "rule", "message"),
    [
        ("12345", "length", "exactly 6 digits"),
        ("1234567", "length", "exactly 6 digits"),
        ("12a456", "length", "exactly 6 digits"),
        ("", "length", "exactly 6 digits"),
        ("４８１９２７", "length", "exactly 6 digits"),  # full-width digits are not ASCII digits
        ("000000", "same_digits", "one digit repeated"),
        ("777777", "same_digits", "one digit repeated"),
        ("123456", "straight_run", "run of digits"),
        ("012345", "straight_run", "run of digits"),
        ("456789", "straight_run", "run of digits"),
        ("654321", "straight_run", "run of digits"),
        ("987654", "straight_run", "run of digits"),
        ("890123", "straight_run", "run of digits"),
        ("850314", "birth_date", "birth date"),
        ("140385", "birth_date", "birth date"),
        ("031485", "birth_date", "birth date"),
        ("198503", "birth_year", "birth year"),  # YYYYMM
        ("031985", "birth_year", "birth year"),  # MMYYYY
        ("141985", "birth_year", "birth year"),  # DDYYYY
        ("198514", "birth_year", "birth year"),  # YYYYDD
        ("112233", "common", "too common"),
        ("121212", "common", "too common"),
        ("123123", "common", "too common"),
        ("696969", "common", "too common"),
        ("123321", "common", "too common"),
        ("147258", "common", "too common"),
    ],
)
def test_weak_pins_are_refused_with_a_message(pin, rule, message):
    with pytest.raises(WeakPin, match=message) as refused:
        check_pin_policy(pin, iin=IIN)
    assert refused.value.rule == rule


@pytest.mark.parametrize("pin", ["583029", "907164", "246813", "130585", "850315", "198504", "198603"])
def test_ordinary_pins_are_accepted(pin):
    check_pin_policy(pin, iin=IIN)


def test_birth_date_rule_follows_the_iin():
    check_pin_policy("850314", iin="920721433024")
    with pytest.raises(WeakPin, match="birth date"):
        check_pin_policy("920721", iin="920721433024")


def test_the_four_digit_year_takes_its_century_from_the_iin():
    born_2003 = "030521500017"  # 7th digit 5: born in the 2000s
    for pin in ("200305", "052003", "212003"):
        with pytest.raises(WeakPin, match="birth year") as refused:
            check_pin_policy(pin, iin=born_2003)
        assert refused.value.rule == "birth_year"
    check_pin_policy("190305", iin=born_2003)  # the wrong century is just a number
    check_pin_policy("198503", iin="850314012017")  # 7th digit 0: no known century, no year forms
    with pytest.raises(WeakPin, match="birth date"):
        check_pin_policy("140385", iin="850314012017")  # the two-digit forms still apply


def test_every_rule_has_one_message_and_a_kazakh_and_russian_text():
    from eds_toolkit.pin import RULES
    from eds_toolkit.web.error_texts import ERROR_TEXTS
    from tests.catalogues import po_text

    assert len({rule.name for rule in RULES}) == len(RULES)
    for rule in RULES:
        context = f"weak_pin.{rule.name}"
        assert ERROR_TEXTS[context] == rule.message, "the rule's English message is the msgid"
        kk, ru = po_text("kk", rule.message, context), po_text("ru", rule.message, context)
        assert kk and ru and kk != ru, rule.name


def test_weak_pin_is_a_value_error():
    assert issubclass(WeakPin, ValueError)


def test_pin_hash_round_trip_with_argon2id():
    pin_hash = hash_pin("583029")
    assert pin_hash.startswith("$argon2id$")
    assert "583029" not in pin_hash
    assert verify_pin("583029", pin_hash)
    assert not verify_pin("583028", pin_hash)
    assert not pin_needs_rehash(pin_hash)


def test_the_same_pin_hashes_differently_each_time():
    assert hash_pin("583029") != hash_pin("583029")


def test_a_broken_stored_hash_is_an_error_not_a_silent_no():
    with pytest.raises(ValueError, match="argon2"):
        verify_pin("583029", "583029")
