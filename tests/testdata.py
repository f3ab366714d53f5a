"""Where the shared test data is: ../shared/testdata beside the repository (see its MANIFEST.md)."""

from __future__ import annotations

from pathlib import Path

TESTDATA = Path(__file__).resolve().parents[1].parent / "shared" / "testdata"
"""The shared test data beside the repository (CI clones the repo with ../shared beside it)."""


def shared_file(relative: str) -> Path:
    """A file of the shared test data; fails loudly when ../shared is not beside the repository."""
    path = TESTDATA / relative
    if not path.is_file():
        raise FileNotFoundError(f"test data {path} is missing: clone ../shared beside the repository")
    return path
