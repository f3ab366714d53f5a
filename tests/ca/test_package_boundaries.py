"""The libraries are plain libraries, and their imports point one way (made from the import graph).

national_profile <- keystore <- eds_agent; national_profile <- ca; webcam_flow alone; eds_toolkit
uses them all, and none of them imports eds_toolkit or Flask. See docs/national-profile.md.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
SERVICE = "eds_toolkit"
# What each library may import of ours. ca does not need keystore (nor keystore ca): what both need
# of the national profile is in national_profile.
MAY_IMPORT = {
    "national_profile": set(),
    "webcam_flow": set(),
    "keystore": {"national_profile"},
    "ca": {"national_profile"},
    "eds_agent": {"keystore", "national_profile"},
}
LIBRARIES = sorted(MAY_IMPORT)


def our_packages() -> set[str]:
    return {path.name for path in ROOT.iterdir() if (path / "__init__.py").exists()}


def imported_packages(package: str) -> dict[str, set[str]]:
    """Every top-level package imported anywhere in ``package`` (lazy imports too) -> the files that do."""
    imports: dict[str, set[str]] = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                imports.setdefault(name.split(".")[0], set()).add(str(path.relative_to(ROOT)))
    return imports


def test_every_package_but_the_service_and_the_tests_is_a_library_with_declared_imports():
    assert our_packages() - {SERVICE, "tests"} == set(LIBRARIES)


@pytest.mark.parametrize("library", LIBRARIES)
def test_a_library_imports_only_the_libraries_below_it_and_neither_the_service_nor_flask(library):
    imports = imported_packages(library)
    allowed = MAY_IMPORT[library] | {library}
    forbidden = {name: files for name, files in imports.items() if name in our_packages() - allowed}
    assert not forbidden
    flask = {name: files for name, files in imports.items() if name == "flask" or name.startswith("flask_")}
    assert not flask


@pytest.mark.parametrize("library", LIBRARIES)
def test_importing_every_module_of_a_library_loads_neither_the_service_nor_flask(library):
    code = (
        "import importlib, pkgutil, sys\n"
        f"package = importlib.import_module({library!r})\n"
        "modules = [m.name for m in pkgutil.walk_packages(package.__path__, package.__name__ + '.')]\n"
        "for name in modules: importlib.import_module(name)\n"
        "loaded = {n.split('.')[0] for n in sys.modules}\n"
        f"print(len(modules), sorted(n for n in loaded if n == {SERVICE!r} or n.split('_')[0] == 'flask'))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    count, loaded = result.stdout.strip().split(" ", 1)
    assert int(count) > 0 and loaded == "[]"


def test_only_the_authority_signs():
    """STYLE.md: ``ca.authority`` is the one place that calls ``.sign(``.

    The one exception is the token primitive: ``ca.pkcs11.TokenRSAKey.sign`` hands the bytes the
    authority's builders give it to the PKCS#11 token, in exactly one call.
    """
    package = ROOT / "ca"
    signing = sorted(p.name for p in package.rglob("*.py") if ".sign(" in p.read_text(encoding="utf-8"))
    assert signing == ["authority.py", "pkcs11.py"]
    assert (package / "pkcs11.py").read_text(encoding="utf-8").count(".sign(") == 1


def test_pbes2_encryption_has_one_implementation_shared_by_ca_and_keystore():
    """The CA's keys and the citizens' keystores are protected by the same code and the same iteration
    count (``national_profile.key_encryption``): no library derives a key or encrypts one elsewhere."""
    deriving = sorted(
        str(p.relative_to(ROOT))
        for package in ("ca", "keystore", "national_profile")
        for p in (ROOT / package).rglob("*.py")
        if "PBKDF2HMAC(" in p.read_text(encoding="utf-8") or "BestAvailableEncryption" in p.read_text("utf-8")
    )
    assert deriving == ["national_profile/key_encryption.py"]
    code = (
        "import ca.files, keystore.keys, keystore.pfx_builder, national_profile.key_encryption as k\n"
        "print(ca.files.encrypted_pkcs8_pem is keystore.keys.encrypted_pkcs8_pem is k.encrypted_pkcs8_pem,"
        " keystore.pfx_builder.pbes2_encrypt is k.pbes2_encrypt,"
        " keystore.pfx_builder.ITERATIONS == k.ITERATIONS)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert result.stdout.strip() == "True True True"
