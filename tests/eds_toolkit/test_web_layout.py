"""The web layer's shape: the domain packages import no web code, the OpenAPI document ships with the
package, and one module-level limiter keeps each app's own rate-limit storage."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from importlib.resources import files
from pathlib import Path

import pytest
import yaml
from flow_helpers import make_settings
from openapi_spec_validator import validate

from eds_toolkit.web import create_app
from eds_toolkit.web.context import service

ROOT = Path(__file__).resolve().parents[2]


IMPORT_EVERY_MODULE = """
import importlib, pkgutil, sys
package = importlib.import_module(sys.argv[1])
for module in pkgutil.walk_packages(getattr(package, "__path__", []), package.__name__ + "."):
    importlib.import_module(module.name)
print(sorted(name for name in sys.modules if name.startswith(("eds_toolkit.web", "flask"))))
"""


@pytest.mark.parametrize("package", ["eds_toolkit.registration", "eds_toolkit.renewal", "eds_toolkit.flow"])
def test_no_module_of_a_domain_package_imports_web_code(package):
    loaded = subprocess.run(
        [sys.executable, "-c", IMPORT_EVERY_MODULE, package],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    ).stdout
    assert loaded.strip() == "[]", loaded


def test_the_openapi_document_is_package_data_and_valid():
    package_data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    assert "*.yaml" in package_data["*"]
    document = yaml.safe_load(files("eds_toolkit.web").joinpath("openapi.yaml").read_text(encoding="utf-8"))
    validate(document)


def test_the_openapi_document_is_served_as_json(client):
    served = client.get("/api/v1/openapi.json")
    assert served.status_code == 200 and served.mimetype == "application/json"
    assert served.get_json() == yaml.safe_load(files("eds_toolkit.web").joinpath("openapi.yaml").read_text())


def test_each_app_has_its_own_settings_and_limits(tmp_path, ca_template, clock):
    """Two apps in one process (as tests make them): one limited, one not; each counts for itself."""
    import shutil

    def app_in(name: str, **overrides):
        home = tmp_path / name
        home.mkdir()
        shutil.copytree(ca_template, home / "ca")
        return create_app(make_settings(home, clock, **overrides))

    limited = app_in("limited", ratelimit_enabled=True, ratelimit_per_address="2/minute")
    free = app_in("free")
    assert service(limited).settings.ratelimit_enabled and not service(free).settings.ratelimit_enabled
    statuses = [app.test_client().get("/api/v1/openapi.json").status_code for app in [limited, free] * 3]
    assert statuses == [200, 200, 200, 200, 429, 200]
