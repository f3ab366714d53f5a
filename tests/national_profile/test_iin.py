import datetime as dt

import pytest
from cryptography import x509
from cryptography.x509.oid import NameOID

from national_profile.iin import (
    InvalidIIN,
    check_digit,
    iin_of,
    iins_named_in,
    is_valid_iin,
    make_iin,
    parse_iin,
)


def test_made_iin_passes_and_carries_birth_date_and_sex():
    iin = make_iin(dt.date(1990, 5, 17), "F", 1)
    parsed = parse_iin(iin)
    assert parsed.birth_date == dt.date(1990, 5, 17)
    assert parsed.sex == "F"


@pytest.mark.parametrize(
    "value, reason",
    [
        ("12345678901", "12 digits"),
        ("12345678901a", "12 digits"),
        ("901317312343", "birth date"),
        ("900517712343", "7th digit"),
    ],
)
def test_malformed_iin_is_refused_with_reason(value, reason):
    with pytest.raises(InvalidIIN, match=reason):
        parse_iin(value)


def test_wrong_check_digit_is_refused():
    good = make_iin(dt.date(1985, 1, 2), "M", 42)
    bad = good[:11] + str((int(good[11]) + 1) % 10)
    assert is_valid_iin(good)
    with pytest.raises(InvalidIIN, match="check digit"):
        parse_iin(bad)


def test_second_weights_are_used_when_the_first_give_ten():
    # find 11 digits whose first-weight sum is 10 mod 11 and check the second pass decides
    for n in range(100_000):
        head = f"900101300{n:02d}"[:11] if n < 100 else f"9001013{n:04d}"
        first = sum(int(c) * w for c, w in zip(head, range(1, 12))) % 11
        if first == 10:
            second = sum(int(c) * w for c, w in zip(head, (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2))) % 11
            assert check_digit(head) == (None if second == 10 else second)
            return
    pytest.fail("no such IIN found")


def test_national_ca_test_iin_fails_check_digit_but_parses_when_not_enforced():
    assert not is_valid_iin("123456789011")
    assert parse_iin("123456789011", enforce_check_digit=False).value == "123456789011"


def test_a_birth_date_in_the_future_is_invalid():
    born_2099 = make_iin(dt.date(2099, 12, 31), "M", 1)
    with pytest.raises(InvalidIIN, match="in the future"):
        parse_iin(born_2099)
    assert not is_valid_iin(born_2099)
    assert parse_iin(born_2099, today=dt.date(2100, 1, 1)).birth_date == dt.date(2099, 12, 31)
    born_today = make_iin(dt.date(2026, 11, 25), "F", 3)
    assert parse_iin(born_today, today=dt.date(2026, 11, 25)).sex == "F"
    with pytest.raises(InvalidIIN, match="in the future"):
        parse_iin(born_today, today=dt.date(2026, 11, 24))


@pytest.mark.parametrize("value", [None, 900517300019, b"900517300019"])
def test_a_non_text_iin_is_an_invalid_iin_not_a_crash(value):
    with pytest.raises(InvalidIIN, match="12 digits"):
        parse_iin(value)


def test_spaces_and_line_breaks_around_an_iin_are_removed():
    iin = make_iin(dt.date(1990, 5, 17), "M", 1)
    assert parse_iin(f" {iin}\n").value == iin
    with pytest.raises(InvalidIIN):
        parse_iin(f"{iin[:6]} {iin[6:]}")


def _name(*serial_numbers: str) -> x509.Name:
    attributes = [x509.NameAttribute(NameOID.COMMON_NAME, "ТЕСТОВ ТЕСТ")]
    attributes += [x509.NameAttribute(NameOID.SERIAL_NUMBER, value) for value in serial_numbers]
    return x509.Name(attributes)


def test_the_holders_iin_is_read_from_the_first_iin_serial_number():
    assert iin_of(_name("IIN123456789011")) == "123456789011"
    assert iin_of(_name("BIN123456789011", "IIN900101300017")) == "900101300017"


def test_a_name_without_an_iin_serial_number_names_no_holder():
    assert iin_of(_name()) is None
    assert iin_of(_name("123456789011")) is None


def test_a_request_claims_every_serial_number_it_holds_prefixed_or_not():
    assert iins_named_in(_name("iin123456789011", "900101300017")) == ["123456789011", "900101300017"]
    assert iins_named_in(_name()) == []
