"""Anchors in every pattern: in Python ``$`` also matches before a final newline, so a check written as
``re.match(r"^...$", value)`` lets ``"value\\n"`` through (into a folder name, a window's text). Patterns
that validate a whole value use ``re.fullmatch``; none ends in a bare ``$``."""

from __future__ import annotations

import importlib
import pkgutil
import re

import pytest

from eds_agent.confirmation import ScriptedConfirmer
from eds_agent.errors import BadRequest
from eds_agent.issuance import Issuance
from eds_agent.modules.basics import signer_filter
from eds_toolkit.identify_archive import ArchiveError, IdentifyArchive

PACKAGES = ("eds_toolkit", "eds_agent", "ca", "keystore", "webcam_flow", "national_profile")
TRAILING = ["enrolment-1\n", "enrolment-1\r\n", "\nenrolment-1", "enrolment-1\x00"]


def module_patterns() -> list[tuple[str, re.Pattern]]:
    """Every compiled pattern kept at module level in the project's packages."""
    found = []
    for package_name in PACKAGES:
        package = importlib.import_module(package_name)
        for info in pkgutil.walk_packages(package.__path__, package_name + "."):
            if ".migrations." in info.name or info.name.endswith(".__main__"):
                continue
            module = importlib.import_module(info.name)
            for name, value in vars(module).items():
                if isinstance(value, re.Pattern):
                    found.append((f"{info.name}.{name}", value))
    return found


def _text(pattern: re.Pattern) -> str:
    """A pattern's source; a bytes pattern's as Latin-1 (byte for character)."""
    source = pattern.pattern
    return source.decode("latin-1") if isinstance(source, bytes) else source


def test_no_module_pattern_relies_on_a_dollar_anchor():
    dollar = [name for name, pattern in module_patterns() if _text(pattern).rstrip(")").endswith("$")]
    assert dollar == [], "use re.fullmatch (or \\Z): $ also matches before a final newline"


@pytest.mark.parametrize("value", TRAILING)
def test_the_identification_archive_refuses_an_enrolment_id_with_a_newline(tmp_path, value):
    with pytest.raises(ArchiveError):
        IdentifyArchive(tmp_path, 30).enrolment_dir(value)


@pytest.mark.parametrize("value", TRAILING)
def test_the_agent_refuses_an_enrolment_id_with_a_newline(tmp_path, value):
    issuance = Issuance(ScriptedConfirmer(yes=True), store=tmp_path / "eds-keys")
    with pytest.raises(BadRequest, match="enrolment id"):
        issuance.make_requests(value, iin="850314312017", surname="A", given_name="B")
    assert not (tmp_path / "eds-keys").exists()


@pytest.mark.parametrize("serial", ["ab\n", " ab", "a_b", "0xab", ""])
def test_the_agent_refuses_a_signer_serial_that_is_not_plain_hexadecimal(serial):
    with pytest.raises(BadRequest, match="hexadecimal"):
        signer_filter({"serialNumber": serial or " "})
