"""The instance directory: the one place the toolkit writes (database, CA files, outbox)."""

from __future__ import annotations

import os
from pathlib import Path


def default_home() -> Path:
    """``$EDS_HOME``, else ``$XDG_DATA_HOME/eds-toolkit``, else ``~/.local/share/eds-toolkit``."""
    if os.environ.get("EDS_HOME"):
        return Path(os.environ["EDS_HOME"])
    data = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data) / "eds-toolkit"


def ensure_home(home: Path | str | None = None) -> Path:
    """Resolve the instance directory and create it (mode 0700) if missing."""
    path = Path(home) if home else default_home()
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def database_url(home: Path) -> str:
    """``$EDS_DATABASE_URL``, else a SQLite file inside the instance directory."""
    return os.environ.get("EDS_DATABASE_URL") or f"sqlite:///{home / 'eds.sqlite3'}"
