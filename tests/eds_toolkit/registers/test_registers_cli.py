"""`eds registers import` and `show` on an instance: exit 0 done, 1 nothing there, 2 bad input with the
lines named and nothing imported."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from eds_toolkit.cli import main
from eds_toolkit.registers.demo import demo_csv


@pytest.fixture
def eds(tmp_path, monkeypatch):
    monkeypatch.delenv("EDS_DATABASE_URL", raising=False)
    home = tmp_path / "home"

    def run(*args):
        return CliRunner().invoke(main, ["--home", str(home), "registers", *args], catch_exceptions=False)

    return run


@pytest.mark.parametrize("kind", ["property", "rental", "family", "capacity"])
def test_the_demo_files_import_and_a_second_import_updates(eds, tmp_path, kind):
    path = tmp_path / f"{kind}.csv"
    path.write_text(demo_csv(kind), encoding="utf-8")
    first = eds("import", kind, str(path))
    assert first.exit_code == 0, first.output
    assert f"{kind} register:" in first.stdout and " added, 0 updated" in first.stdout
    again = eds("import", kind, str(path))
    assert again.exit_code == 0 and " 0 added, " in again.stdout


def test_show_prints_a_record_as_json(eds, tmp_path):
    for kind in ("property", "capacity", "family"):
        path = tmp_path / f"{kind}.csv"
        path.write_text(demo_csv(kind), encoding="utf-8")
        eds("import", kind, str(path))
    owned = json.loads(eds("show", "property", "AST-1005").stdout)
    assert owned["address_id"] == "AST-1005"
    assert {owner["share"] for owner in owned["owners"]} == {"1/2"}
    capacity = json.loads(eds("show", "capacity", "900601441287").stdout)
    assert (capacity["status"], capacity["decided_on"]) == ("incapable", "2024-03-15")
    family = json.loads(eds("show", "family", "900601441287").stdout)
    assert {item["relation"] for item in family} == {"parent", "guardian"}
    missing = eds("show", "rental", "AST-1001")
    assert missing.exit_code == 1 and "has nothing for AST-1001" in missing.stderr
    bad = eds("show", "capacity", "12345")
    assert bad.exit_code == 2 and "12 digits" in bad.stderr


def test_a_bad_file_exits_2_naming_the_lines_and_nothing_is_imported(eds, tmp_path):
    bad = tmp_path / "owners.csv"
    bad.write_text(
        "address_id,address,owner_iin,share\n"
        "AST-1,Astana 1,850314312017,1\n"
        "AST-2,Astana 2,850314312017,0.5\n"
        "AST-9,Astana 9,850314312017,1/2\n"
        "AST-9,Astana 9,920721433024,1/3\n",
        encoding="utf-8",
    )
    result = eds("import", "property", str(bad))
    assert result.exit_code == 2
    assert "nothing imported, 2 bad row(s)" in result.stderr
    assert "line 3: share:" in result.stderr
    assert "line 4: the owners' shares of address AST-9 add up to 5/6, not 1 (lines 4, 5)" in result.stderr
    assert eds("show", "property", "AST-1").exit_code == 1


def test_replace_removes_what_the_file_does_not_name(eds, tmp_path):
    full = tmp_path / "full.csv"
    full.write_text(demo_csv("property"), encoding="utf-8")
    eds("import", "property", str(full))
    one = tmp_path / "one.csv"
    one.write_text("address_id,address,owner_iin,share\nAST-1001,Astana,850314312017,1\n", encoding="utf-8")
    result = eds("import", "property", str(one), "--replace")
    assert result.exit_code == 0 and "0 added, 1 updated, 5 removed" in result.stdout
    assert eds("show", "property", "AST-1002").exit_code == 1


def test_an_unknown_kind_is_bad_input(eds, tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("a,b\n", encoding="utf-8")
    assert eds("import", "pets", str(path)).exit_code == 2
