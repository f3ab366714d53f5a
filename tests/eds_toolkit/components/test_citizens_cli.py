import io
import json

import pytest
from click.testing import CliRunner
from flow_helpers import TESTDATA
from PIL import Image

from eds_toolkit.cli import main


@pytest.fixture
def eds(tmp_path, monkeypatch):
    monkeypatch.delenv("EDS_DATABASE_URL", raising=False)
    home = tmp_path / "home"

    def run(*args):
        return CliRunner().invoke(main, ["--home", str(home), "citizens", *args], catch_exceptions=False)

    return run


@pytest.fixture
def demo_csv():
    from importlib import resources

    return str(resources.files("eds_toolkit.citizens").joinpath("demo_citizens.csv"))


def test_import_then_list_and_show(eds, demo_csv):
    imported = eds("import", demo_csv)
    assert imported.exit_code == 0, imported.output
    assert "6 added, 0 updated" in imported.stdout
    listed = eds("list", "--format", "json")
    assert [p["iin"] for p in json.loads(listed.stdout)] == sorted(
        p["iin"] for p in json.loads(listed.stdout)
    )
    assert len(json.loads(listed.stdout)) == 6
    shown = eds("show", "850314312017", "--format", "json")
    assert shown.exit_code == 0
    assert json.loads(shown.stdout)["surname"] == "Жұмабеков"
    text = eds("show", "010130555049")
    assert "Iskakov" in text.stdout and "phone:" in text.stdout
    again = eds("import", demo_csv)
    assert "0 added, 6 updated" in again.stdout


def test_import_of_a_bad_file_exits_2_naming_the_lines(eds, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "iin,surname,given_name,patronymic,birth_date,phone\n"
        "850314312017,Жұмабеков,Асқар,,1985-03-14,\n"
        "850314312018,Bad,Checksum,,1985-03-14,\n",
        encoding="utf-8",
    )
    result = eds("import", str(bad))
    assert result.exit_code == 2
    assert "nothing imported" in result.stderr and "line 3:" in result.stderr
    assert eds("list").stdout.strip() == "0 citizen(s)"


def test_add_a_person_with_a_photo(eds, tmp_path):
    photo = TESTDATA / "faces" / "lin-manuel-miranda.png"
    added = eds(
        "add", "--iin", "010130555049", "--surname", "Iskakov", "--given-name", "Daniyar",
        "--birth-date", "2001-01-30", "--phone", "8 701 555 44 33", "--photo", str(photo),
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    shown = json.loads(eds("show", "010130555049", "--format", "json").stdout)
    assert shown["phone"] == "+77015554433" and shown["photo_bytes"] == photo.stat().st_size
    assert shown["patronymic"] is None


def test_a_photo_without_a_face_cannot_be_the_state_photo(eds, tmp_path):
    photo = tmp_path / "face.png"
    buffer = io.BytesIO()
    Image.new("RGB", (600, 800), (200, 150, 120)).save(buffer, format="PNG")
    photo.write_bytes(buffer.getvalue())
    result = eds(
        "add", "--iin", "010130555049", "--surname", "Iskakov", "--given-name", "Daniyar",
        "--birth-date", "2001-01-30", "--photo", str(photo),
    )  # fmt: skip
    assert result.exit_code == 2 and "no face found" in result.stderr
    assert eds("list").stdout.strip() == "0 citizen(s)"


def test_adding_a_known_iin_is_refused_with_exit_1(eds):
    args = ["add", "--iin", "010130555049", "--surname", "Iskakov", "--given-name", "Daniyar", "--birth-date",
            "2001-01-30"]  # fmt: skip
    assert eds(*args).exit_code == 0
    again = eds(*args)
    assert again.exit_code == 1 and "already in the base" in again.stderr


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"--birth-date": "2001-01-31"}, "does not match the IIN"),
        ({"--iin": "010130555048"}, "check digit"),
        ({"--phone": "+7 727 250 00 00"}, "mobile code"),
        ({"--surname": "  "}, "surname: must not be empty"),
    ],
)
def test_add_with_bad_input_exits_2_and_adds_nothing(eds, change, message):
    options = {"--iin": "010130555049", "--surname": "Iskakov", "--given-name": "Daniyar",
               "--birth-date": "2001-01-30"}  # fmt: skip
    options.update(change)
    result = eds("add", *[part for pair in options.items() for part in pair])
    assert result.exit_code == 2
    assert message in result.stderr
    assert eds("list").stdout.strip() == "0 citizen(s)"


def test_a_photo_that_is_not_an_image_is_refused(eds, tmp_path):
    fake = tmp_path / "face.jpg"
    fake.write_bytes(b"not a picture at all")
    result = eds(
        "add", "--iin", "010130555049", "--surname", "Iskakov", "--given-name", "Daniyar",
        "--birth-date", "2001-01-30", "--photo", str(fake),
    )  # fmt: skip
    assert result.exit_code == 2 and "not a JPEG, PNG or WebP picture" in result.stderr


def test_show_unknown_exits_1_and_invalid_exits_2(eds):
    unknown = eds("show", "920721433024")
    assert unknown.exit_code == 1 and "no citizen" in unknown.stderr
    invalid = eds("show", "92072143302")
    assert invalid.exit_code == 2 and "12 digits" in invalid.stderr


def test_the_cli_database_has_the_same_migrated_schema_as_eds_serve(eds, demo_csv, tmp_path):
    from alembic.script import ScriptDirectory

    from eds_toolkit.db import make_engine
    from eds_toolkit.migrations import alembic_config, current

    assert eds("import", demo_csv).exit_code == 0
    engine = make_engine(f"sqlite:///{tmp_path / 'home' / 'eds.sqlite3'}")
    assert current(engine) == ScriptDirectory.from_config(alembic_config()).get_current_head()
    engine.dispose()
