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
from deploy_units import SYSTEMD, VENV, Unit, read_environment_file, start, write_environment_file

from eds_toolkit import settings

UNITS = sorted([*SYSTEMD.glob("*.service"), *SYSTEMD.glob("*.timer")])


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
    assert {unit.name for unit in UNITS} >= {
        "eds-migrate.service",
        "eds-web@.service",
        "eds-crl.service",
        "eds-crl.timer",
        "eds-renewal-reminders.service",
        "eds-renewal-reminders.timer",
    }


def test_the_crl_timer_starts_the_crl_service_and_the_service_publishes_when_due():
    timer = (SYSTEMD / "eds-crl.timer").read_text()
    service = (SYSTEMD / "eds-crl.service").read_text()
    assert "Unit=" not in timer  # a timer starts the service of its own name
    assert "OnCalendar=" in timer and "Persistent=true" in timer
    assert "bin/eds ca crl --publish " in service


def test_the_reminders_timer_runs_the_batch_daily_and_a_stop_is_not_a_failure():
    timer = (SYSTEMD / "eds-renewal-reminders.timer").read_text()
    service = Unit.read(SYSTEMD / "eds-renewal-reminders.service")
    assert "Unit=" not in timer and "Persistent=true" in timer
    (calendar,) = [line for line in timer.splitlines() if line.startswith("OnCalendar=")]
    assert calendar == "OnCalendar=*-*-* 10:00:00 Asia/Almaty"  # daily, at a sociable hour for an SMS
    assert service.command()[1:] == ["ca", "renewals", "remind"]
    assert service.values("SuccessExitStatus") == ["143"]  # `eds ca renewals remind` stopped by SIGTERM


def test_the_reminders_service_starts_as_its_unit_says(tmp_path):
    """The unit's command with the shipped environment file (a SQLite database and the outbox in place of
    the production ones): it runs, finds nothing due in an empty database, and says so."""
    etc = tmp_path / "etc"
    etc.mkdir()
    home = tmp_path / "home"
    write_environment_file(
        SYSTEMD / "eds.env",
        etc / "eds.env",
        {
            "EDS_HOME": str(home),
            "EDS_DATABASE_URL": f"sqlite:///{tmp_path / 'eds.sqlite3'}",
            "EDS_RATELIMIT_STORAGE_URL": "memory://",
            "EDS_SMS_GATEWAY": "outbox",
        },
    )
    (etc / "secrets.env").write_text("EDS_SECRET_KEY=deploy-units-test-secret-key\n")
    process = start(Unit.read(SYSTEMD / "eds-renewal-reminders.service"), etc, {})
    output, _ = process.communicate(timeout=120)
    assert process.returncode == 0, output
    assert "renewal reminders: 0 sent" in output


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
    timer = (SYSTEMD / "eds-crl.timer").read_text()
    wrong_timer = verify(timer.replace("OnCalendar=", "OnCalender="), "eds-crl.timer", tmp_path)
    assert "Unknown key" in wrong_timer.stderr


def test_every_setting_in_the_environment_file_is_one_the_service_reads():
    source = Path(settings.__file__).read_text()
    shipped = read_environment_file(SYSTEMD / "eds.env")
    read_by_service = {key for key in shipped if key.startswith("EDS_") and re.search(f'"{key}"', source)}
    assert read_by_service == {key for key in shipped if key.startswith("EDS_")}
    assert set(shipped) - read_by_service == {"WEB_CONCURRENCY"}  # gunicorn's own
