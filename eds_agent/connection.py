"""What one page's connection has chosen (its key store folder), kept apart from every other page's.

The server makes one :class:`Connection` per WebSocket and the dispatcher runs each request of it under
:func:`serving`; the issuance and signing modules read :func:`current_connection`. Outside a connection
(a local program calling the modules directly, the tests) there is none and the caller keeps its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Connection:
    """One page's choices: the folder it chose with ``chooseStore`` (None until it chooses)."""

    folder: Path | None = None


_CURRENT: ContextVar[Connection | None] = ContextVar("eds_agent_connection", default=None)


def current_connection() -> Connection | None:
    """The connection whose request is being answered in this thread, if any."""
    return _CURRENT.get()


@contextmanager
def serving(connection: Connection | None) -> Iterator[None]:
    """Answer a request of ``connection`` within the block (None: of no connection)."""
    token = _CURRENT.set(connection)
    try:
        yield
    finally:
        _CURRENT.reset(token)
