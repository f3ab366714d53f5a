import datetime as dt

import pytest
from flow_helpers import TESTDATA
from sqlalchemy import select

from eds_toolkit.citizens import Citizen, CitizensImportRefused, import_csv, load_demo_citizens

HEADER = "iin,surname,given_name,patronymic,birth_date,phone\n"
GOOD = (
    HEADER
    + "850314312017,Жұмабеков,Асқар,Серікұлы,1985-03-14,+7 701 123 45 67\n"
    + "010130555049,Iskakov,Daniyar,,2001-01-30,\n"
    + '920721433024,"Smagulova","Aigerim","Nurlanovna",1992-07-21,87051234568\n'
)


def write(tmp_path, text, name="people.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def everyone(session):
    return {c.iin: (c.surname, c.phone) for c in session.scalars(select(Citizen))}


def test_a_good_file_is_imported(session, tmp_path, clock):
    report = import_csv(session, write(tmp_path, GOOD), clock=clock)
    assert (report.added, report.updated, report.ok) == (3, 0, True)
    person = session.get(Citizen, "920721433024")
    assert (person.surname, person.given_name, person.patronymic) == ("Smagulova", "Aigerim", "Nurlanovna")
    assert person.phone == "+77051234568" and person.birth_date == dt.date(1992, 7, 21)
    assert session.get(Citizen, "010130555049").patronymic is None
    assert session.get(Citizen, "010130555049").phone is None
    assert person.updated_at == clock.now()


def test_known_iins_are_updated_and_keep_their_photo(session, tmp_path):
    load_demo_citizens(session)
    session.get(Citizen, "850314312017").photo = b"jpeg"
    session.commit()
    report = import_csv(
        session, write(tmp_path, HEADER + "850314312017,Zhumabekov,Askar,Serikuly,1985-03-14,+77019998877\n")
    )
    assert (report.added, report.updated) == (0, 1)
    session.expire_all()
    person = session.get(Citizen, "850314312017")
    assert (person.surname, person.phone, person.photo) == ("Zhumabekov", "+77019998877", b"jpeg")


def test_one_bad_row_and_nothing_is_imported_with_line_numbers(session, tmp_path):
    load_demo_citizens(session)
    before = everyone(session)
    text = (
        HEADER
        + "780101300119,Good,Person,,1978-01-01,\n"  # line 2: fine (not in the demo set)
        + "850314312018,Bad,Checksum,,1985-03-14,\n"  # line 3
        + "781102444036,Wrong,Birthdate,,1978-11-03,\n"  # line 4
        + "\n"  # line 5: blank, skipped
        + "991231477068,Bad,Phone,,1999-12-31,+79161234567\n"  # line 6
        + "010130555049,,NoSurname,,2001-01-30,\n"  # line 7
        + "781102444036,Dup,Licate,,1978-11-02,\n"  # line 8: fine
        + "781102444036,Dup,Again,,1978-11-02,\n"  # line 9: the IIN is already on line 8
        + "920721433024,Too,Many,,1992-07-21,,extra\n"  # line 10
        + "650509366054,Bad,Date,,09.05.1965,\n"  # line 11
    )
    with pytest.raises(CitizensImportRefused) as refused:
        import_csv(session, write(tmp_path, text))
    errors = {e.line: e.message for e in refused.value.report.errors}
    assert sorted(errors) == [3, 4, 6, 7, 9, 10, 11]
    assert "check digit" in errors[3]
    assert errors[4].startswith("birth_date") and "1978-11-02" in errors[4]
    assert errors[6].startswith("phone")
    assert errors[7] == "surname: must not be empty"
    assert "already on line 8" in errors[9]
    assert "more fields" in errors[10]
    assert "not a date" in errors[11]
    assert "line 3:" in str(refused.value) and "nothing imported" in str(refused.value)
    session.expire_all()
    assert everyone(session) == before
    assert session.get(Citizen, "780101300119") is None


def test_a_file_without_the_columns_is_refused(session, tmp_path):
    with pytest.raises(CitizensImportRefused, match="missing: patronymic, phone"):
        import_csv(
            session, write(tmp_path, "iin,surname,given_name,birth_date\n850314312017,A,B,1985-03-14\n")
        )
    assert everyone(session) == {}


def test_a_file_that_is_not_utf8_is_refused(session, tmp_path):
    path = write(tmp_path, HEADER + "650509366054,Нурланов,Ерлан,,1965-05-09,\n", encoding="cp1251")
    with pytest.raises(CitizensImportRefused, match="not UTF-8"):
        import_csv(session, path)


def test_an_empty_file_is_refused(session, tmp_path):
    with pytest.raises(CitizensImportRefused, match="no citizens"):
        import_csv(session, write(tmp_path, HEADER))


def test_a_utf8_bom_from_spreadsheets_is_accepted(session, tmp_path):
    report = import_csv(session, write(tmp_path, "\ufeff" + GOOD))
    assert report.added == 3


def test_a_photo_column_brings_each_persons_state_photo_from_beside_the_file(session, tmp_path):
    faces = TESTDATA / "faces"
    (tmp_path / "photos").mkdir()
    (tmp_path / "photos" / "askar.jpg").write_bytes((faces / "liveportrait_person_d18.jpg").read_bytes())
    text = (
        "iin,surname,given_name,patronymic,birth_date,phone,photo\n"
        "850314312017,Жұмабеков,Асқар,Серікұлы,1985-03-14,+77011234567,photos/askar.jpg\n"
        "010130555049,Iskakov,Daniyar,,2001-01-30,,\n"
    )
    report = import_csv(session, write(tmp_path, text))
    assert (report.added, report.ok) == (2, True)
    assert session.get(Citizen, "850314312017").photo == (tmp_path / "photos" / "askar.jpg").read_bytes()
    assert session.get(Citizen, "010130555049").photo is None


@pytest.mark.parametrize(
    ("photo", "said"),
    [
        ("two_people.jpg", "2 faces"),  # whose face would it be?
        ("missing.jpg", "does not exist"),
        ("people.csv", "not a JPEG, PNG or WebP"),
    ],
)
def test_a_photo_that_cannot_be_a_reference_refuses_the_whole_file(session, tmp_path, photo, said):
    (tmp_path / "two_people.jpg").write_bytes((TESTDATA / "faces" / "two_people.jpg").read_bytes())
    text = (
        "iin,surname,given_name,patronymic,birth_date,phone,photo\n"
        "010130555049,Iskakov,Daniyar,,2001-01-30,,\n"
        f"850314312017,Жұмабеков,Асқар,Серікұлы,1985-03-14,+77011234567,{photo}\n"
    )
    with pytest.raises(CitizensImportRefused) as refused:
        import_csv(session, write(tmp_path, text))
    assert refused.value.report.errors[0].line == 3 and said in refused.value.report.errors[0].message
    assert session.scalars(select(Citizen)).first() is None


def test_demo_citizens_get_their_state_photos_and_keep_getting_them_on_an_older_base(session, tmp_path):
    assert load_demo_citizens(session, photos_dir=tmp_path / "nowhere") == 6  # no photos there
    assert session.get(Citizen, "850314312017").photo is None
    assert load_demo_citizens(session) == 0  # the shared test faces: filled in for those without one
    session.expire_all()
    assert (
        session.get(Citizen, "850314312017").photo
        == (TESTDATA / "faces" / "liveportrait_person_d18.jpg").read_bytes()
    )
    assert session.get(Citizen, "781102444036").photo is None  # the demo citizen with no photo on record
