"""One subject builder for the CA and the keystore: what one builds, the other accepts as its own."""

from __future__ import annotations

import pytest
from cryptography.x509.oid import NameOID

from national_profile.names import (
    InvalidName,
    clean_name,
    national_subject,
    national_subject_and_text,
    subject_text,
)

IIN = "900101300017"


def test_the_subject_is_in_the_national_cas_order_with_the_patronymic_last():
    subject = national_subject(IIN, " жұмабеков ", "Арман", "серікұлы")
    assert [attribute.oid for attribute in subject] == [
        NameOID.COMMON_NAME,
        NameOID.SURNAME,
        NameOID.SERIAL_NUMBER,
        NameOID.COUNTRY_NAME,
        NameOID.GIVEN_NAME,
    ]
    assert subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "ЖҰМАБЕКОВ АРМАН"
    assert subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)[0].value == f"IIN{IIN}"


@pytest.mark.parametrize("patronymic", [None, "  ", "Серікұлы"])
def test_the_text_is_the_rfc4514_form_of_the_subject(patronymic):
    subject, text = national_subject_and_text(IIN, "Жұмабеков", "Арман", patronymic)
    assert text == subject_text(subject)


def test_a_common_name_of_64_cyrillic_letters_is_allowed():
    subject = national_subject(IIN, "А" * 31, "Б" * 32, None)
    assert len(subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value) == 64


@pytest.mark.parametrize(
    "value, reason",
    [("", "empty"), ("Анна2", "letters"), ("А" * 65, "longer than 64")],
)
def test_an_unusable_name_part_says_what_is_wrong(value, reason):
    with pytest.raises(InvalidName, match=reason):
        clean_name(value, "surname")


def test_surname_and_given_name_together_fit_in_a_common_name():
    with pytest.raises(InvalidName, match="together"):
        national_subject(IIN, "А" * 40, "Б" * 30, None)


def test_the_text_labels_the_national_attributes_as_ncalayer_prints_them():
    _, text = national_subject_and_text(IIN, "Тестов", "Тест", "Тестович")
    assert text == f"G=ТЕСТОВИЧ,C=KZ,SERIALNUMBER=IIN{IIN},SURNAME=ТЕСТОВ,CN=ТЕСТОВ ТЕСТ"
