"""`eds agent` on a pseudo-terminal, as a citizen runs it with ``--terminal``: read what it shows, type."""

from __future__ import annotations

import os
import pty
import re
import select
import signal
import time

LOCALE_VARIABLES = ("LC_ALL", "LC_MESSAGES", "LANG")


class Terminal:
    """`eds agent` with a pty as its terminal. The system locale is ``C.UTF-8`` (no language of its
    own: the agent falls back to English) unless ``locale`` names one, e.g. ``kk_KZ.UTF-8``."""

    def __init__(self, argv: list[str], *, locale: str = "C.UTF-8") -> None:
        env = {name: value for name, value in os.environ.items() if name not in LOCALE_VARIABLES}
        env["LANG"] = locale
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child: becomes eds agent with the pty as its terminal
            os.execve(argv[0], argv, env)
        self.screen = ""
        self._typed_at = 0  # where the screen was when the last answer was typed

    def wait_for(self, pattern: str, timeout: float = 60) -> re.Match:
        """The first match of ``pattern`` in what the screen shows since the last :meth:`type` (so a
        question already answered is never taken for the next one), waiting for it to appear."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            match = re.search(pattern, self.screen[self._typed_at :])
            if match:
                return match
            ready, _, _ = select.select([self.fd], [], [], 0.2)
            if ready:
                try:
                    self.screen += os.read(self.fd, 65536).decode("utf-8", "replace")
                except OSError:
                    break
        raise AssertionError(f"{pattern!r} never appeared; the terminal shows:\n{self.screen}")

    def type(self, text: str) -> None:
        self._typed_at = len(self.screen)
        os.write(self.fd, text.encode())

    def close(self) -> None:
        os.kill(self.pid, signal.SIGTERM)
        os.waitpid(self.pid, 0)
        os.close(self.fd)
