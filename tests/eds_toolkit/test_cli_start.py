"""`eds` imports a command's module when that command is run or listed: a command that needs neither
face recognition nor the web service never loads OpenCV, dlib, face_recognition or Flask."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from eds_toolkit.cli import _COMMAND_MODULES, main

FACES_AND_WEB = ("cv2", "dlib", "face_recognition", "webcam_flow", "flask")
LOADED = """
import json, sys
from click.testing import CliRunner
from eds_toolkit.cli import main
result = CliRunner().invoke(main, sys.argv[1:])
print(json.dumps({"exit": result.exit_code, "output": result.output, "modules": sorted(sys.modules)}))
"""


def run_fresh(*args: str) -> dict:
    """``eds ARGS`` in a new interpreter: its exit status, output and every module it imported."""
    done = subprocess.run([sys.executable, "-c", LOADED, *args], capture_output=True, text=True, check=True)
    return json.loads(done.stdout.splitlines()[-1])


@pytest.mark.parametrize(
    "args",
    [("--help",), ("ca", "--help"), ("ca", "show", "--help"), ("verify", "--help"), ("keystore", "--help")],
)
def test_a_command_without_faces_loads_no_face_recognition_nor_flask(args):
    run = run_fresh(*args)
    assert run["exit"] == 0, run["output"]
    loaded = {name.split(".")[0] for name in run["modules"]}
    assert loaded.isdisjoint(FACES_AND_WEB), sorted(loaded & set(FACES_AND_WEB))


def test_eds_ca_does_not_load_the_other_areas_commands():
    run = run_fresh("ca", "--help")
    others = {module for name, module in _COMMAND_MODULES.items() if module != "eds_toolkit.cli.ca_commands"}
    assert others.isdisjoint(run["modules"])


def test_every_command_a_module_defines_is_listed_under_that_module():
    defined = {}
    for path in sorted((Path(__file__).parents[2] / "eds_toolkit" / "cli").glob("*_commands.py")):
        module = importlib.import_module(f"eds_toolkit.cli.{path.stem}")
        defined |= {command.name: module.__name__ for command in module.COMMANDS}
    assert defined == _COMMAND_MODULES


def test_every_listed_command_is_found():
    for name in main.list_commands(None):
        assert main.get_command(None, name).name == name
