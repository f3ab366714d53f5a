"""The service core is used one way: one audit writer that only appends, one compare-and-set."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "eds_toolkit"


def _calls(name: str) -> list[tuple[str, ast.Call]]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", getattr(node.func, "attr", None)) == name
            ):
                found.append((str(path.relative_to(PACKAGE)), node))
    return found


def test_nothing_deletes_or_changes_an_audit_event():
    """An undo is a new event: no ``delete(AuditEvent)`` or ``update(AuditEvent)`` anywhere in the service."""
    touching = sorted(
        where
        for name in ("delete", "update")
        for where, call in _calls(name)
        if call.args and isinstance(call.args[0], ast.Name) and call.args[0].id == "AuditEvent"
    )
    assert touching == []


def test_versioned_rows_change_only_through_the_core_compare_and_set():
    """``.version + 1`` is written in one place: ``eds_toolkit.core.versioned``."""
    writers = sorted(
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if ".version + 1" in path.read_text(encoding="utf-8")
    )
    assert writers == ["core/versioned.py"]


def test_the_core_imports_no_flask_and_no_service_package():
    """``eds_toolkit.core`` sits under the flow, registration and renewal: it imports none of them."""
    imported = set()
    for path in (PACKAGE / "core").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                imported.add(node.module)
            elif isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
    forbidden = {
        m
        for m in imported
        if m.split(".")[0] == "flask" or m.startswith(("eds_toolkit.flow", "eds_toolkit.web"))
    }
    forbidden |= {m for m in imported if m.startswith(("eds_toolkit.registration", "eds_toolkit.renewal"))}
    assert forbidden == set()
