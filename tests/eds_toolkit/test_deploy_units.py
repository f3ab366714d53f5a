"""The shipped systemd units pass ``systemd-analyze verify`` and name only settings the service reads.

They are started for real, with HAProxy's shipped configuration in front, by
``test_several_instances.py`` (which kills one web process under load).
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
from deploy_units import SYSTEMD, VENV, read_environment_file

from eds_toolkit import settings

UNITS = sorted(SYSTEMD.glob("*.service"))


def verify(unit_text: str, name: str, directory: Path) -> subprocess.CompletedProcess:
    """``systemd-analyze verify`` of a unit installed beside the other shipped units (which it may
    require), with this machine's virtual environment in place of /opt/eds."""
    for unit in UNITS:
        (directory / unit.name).write_text(unit.read_text().replace("/opt/eds/.venv", str(VENV)))
    path = directory / name
    path.write_text(unit_text.replace("/opt/eds/.venv", str(VENV)))
    return subprocess.run(
        ["systemd-analyze", "verify", "--man=no", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "SYSTEMD_UNIT_PATH": f"{directory}:"},  # the trailing colon: and the defaults
    )


def test_the_shipped_units_exist():
    assert {unit.name for unit in UNITS} >= {"eds-migrate.service", "eds-web@.service"}


@pytest.mark.parametrize("unit", UNITS, ids=lambda unit: unit.name)
def test_systemd_finds_nothing_wrong_in_a_unit(unit, tmp_path):
    checked = verify(unit.read_text(), unit.name.replace("@.", "@8000."), tmp_path)
    assert checked.returncode == 0 and not checked.stderr.strip(), checked.stderr


def test_the_check_would_catch_a_mistake(tmp_path):
    """The same check on a unit with a misspelt key and a command that does not exist fails."""
    text = (SYSTEMD / "eds-migrate.service").read_text()
    misspelt = verify(text.replace("RemainAfterExit", "RemainAfterExits"), "a.service", tmp_path)
    assert "Unknown key" in misspelt.stderr
    missing = verify(text.replace("bin/eds db", "bin/eds-missing db"), "b.service", tmp_path)
    assert missing.returncode != 0 and "eds-missing" in missing.stderr


def test_every_setting_in_the_environment_file_is_one_the_service_reads():
    source = Path(settings.__file__).read_text()
    shipped = read_environment_file(SYSTEMD / "eds.env")
    read_by_service = {key for key in shipped if key.startswith("EDS_") and re.search(f'"{key}"', source)}
    assert read_by_service == {key for key in shipped if key.startswith("EDS_")}
    assert set(shipped) - read_by_service == {"WEB_CONCURRENCY"}  # gunicorn's own
