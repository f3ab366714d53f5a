"""``CertificateRecord`` is queried only in ``ca/``: the service reads certificates through the store's
named queries and revokes through ``supersede`` or ``CertificateStore.revoke``, never with its own SQL."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RAW_SQL = re.compile(r"\b(update|from|into|join)\s+ca_certificates\b", re.IGNORECASE)
MIGRATIONS = "eds_toolkit/migrations/"  # the schema's history writes its own tables' SQL, by design


def outside_ca() -> list[Path]:
    """Every module of the repository's packages but ``ca`` and the tests, and the benchmarks."""
    packages = [p.parent for p in ROOT.glob("*/__init__.py") if p.parent.name not in ("ca", "tests")]
    return sorted(path for folder in [*packages, ROOT / "benchmarks"] for path in folder.rglob("*.py"))


def queries(tree: ast.AST, relative: str) -> list[str]:
    """Uses of the record beyond naming it (imports, annotations): ``select(CertificateRecord)``,
    ``session.get(CertificateRecord, ...)``, ``CertificateRecord.serial == ...``; and raw SQL on its table."""
    found = []
    docstrings = {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Expr)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and getattr(node.value, "id", None) == "CertificateRecord":
            found.append(f"{relative}:{node.lineno} CertificateRecord.{node.attr}")
        if isinstance(node, ast.Call) and any(
            getattr(a, "id", None) == "CertificateRecord" for a in node.args
        ):
            found.append(f"{relative}:{node.lineno} called with CertificateRecord")
        is_text = (
            isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
        )
        if is_text and RAW_SQL.search(node.value) and not relative.startswith(MIGRATIONS):
            found.append(f"{relative}:{node.lineno} SQL on ca_certificates")
    return found


def test_certificate_records_are_queried_only_in_ca():
    scanned = outside_ca()
    assert any(p.name == "renewal.py" for p in scanned), "the scan misses the service"
    found = []
    for path in scanned:
        relative = str(path.relative_to(ROOT))
        found += queries(ast.parse(path.read_text(encoding="utf-8")), relative)
    assert found == []


def test_the_scan_finds_a_query_and_raw_sql():
    code = (
        "rows = session.scalars(select(CertificateRecord).where(CertificateRecord.iin == iin))\n"
        "session.execute(text(\"UPDATE ca_certificates SET status = 'revoked'\"))\n"
    )
    assert len(queries(ast.parse(code), "eds_toolkit/x.py")) == 3
