"""Which sites may use the agent: the ones it was started for, and the ones the citizen allowed.

A page from a site the agent does not know is let in only after the citizen allows it in a window
("allow this portal"); the answer "allow" is kept in ``portals.txt`` in the agent's folder (one origin
a line), so the citizen is asked once per site. A refusal lasts until the agent stops. Only sites a
browser could not have been tricked into naming are asked about: ``https://`` origins and ``http://``
on this computer (a portal run locally); a plain ``http://`` site elsewhere is refused without asking.
After ``MAX_REFUSALS`` refused sites in one run the agent stops asking, so a page cannot flood the
citizen's desktop with questions from a stream of made-up subdomains.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import urlsplit

log = logging.getLogger(__name__)

MAX_REFUSALS = 3
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}


def normalise_origin(origin: str) -> str:
    """The form origins are compared in: no spaces, no trailing slash, lower case."""
    return origin.strip().rstrip("/").lower()


def may_ask_about(origin: str) -> bool:
    """Whether a page from ``origin`` may be shown to the citizen at all (https, or http on loopback)."""
    try:
        parts = urlsplit(normalise_origin(origin))
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        return False
    if parts.path or parts.query or parts.fragment or parts.username or not parts.hostname:
        return False
    return parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS)


class Portals:
    """The allowed origins: ``listed`` (``--origin``) plus those saved in ``saved_file``."""

    def __init__(self, listed: Iterable[str], saved_file: Path | None = None) -> None:
        self.listed = {normalise_origin(origin) for origin in listed}
        self.saved_file = saved_file
        self._refused: set[str] = set()
        self._lock = threading.Lock()

    def saved(self) -> list[str]:
        """The origins the citizen allowed, in the order allowed."""
        if self.saved_file is None or not self.saved_file.exists():
            return []
        lines = self.saved_file.read_text(encoding="utf-8").splitlines()
        return [normalise_origin(line) for line in lines if line.strip() and not line.startswith("#")]

    def allowed(self, origin: str) -> bool:
        wanted = normalise_origin(origin)
        return wanted in self.listed or wanted in self.saved()

    def may_ask(self, origin: str) -> bool:
        """Whether the citizen may be asked about ``origin`` now (not refused already, not too many)."""
        with self._lock:
            return (
                may_ask_about(origin)
                and normalise_origin(origin) not in self._refused
                and len(self._refused) < MAX_REFUSALS
            )

    def allow(self, origin: str) -> None:
        """Remember the citizen's "allow" (in the file when there is one, else for this run)."""
        wanted = normalise_origin(origin)
        if self.allowed(wanted):
            return
        if self.saved_file is None:
            self.listed.add(wanted)
            return
        self.saved_file.parent.mkdir(parents=True, exist_ok=True)
        with self.saved_file.open("a", encoding="utf-8") as file:
            file.write(wanted + "\n")
        log.info("the citizen allowed %s", wanted)

    def refuse(self, origin: str) -> None:
        """Remember the citizen's "no" until the agent stops."""
        with self._lock:
            self._refused.add(normalise_origin(origin))
        log.info("the citizen refused %s", normalise_origin(origin))

    def forget(self, origin: str) -> bool:
        """Take ``origin`` off the saved list; False when it was not on it."""
        wanted = normalise_origin(origin)
        kept = self.saved()
        if wanted not in kept or self.saved_file is None:
            return False
        rest = [line for line in kept if line != wanted]
        self.saved_file.write_text("".join(line + "\n" for line in rest), encoding="utf-8")
        return True
