"""Asking the citizen before sensitive operations (key choice, passwords, writing keys).

The agent talks to the citizen only through :class:`Confirmer`, so tests and scripts inject
answers (:class:`ScriptedConfirmer`, ``--yes --password-file``), a terminal run asks in English
(:class:`TerminalConfirmer`) and the desktop asks in windows (``windows.WindowConfirmer``).
The questions are data (``questions.py``). Answers are never logged.
"""

from __future__ import annotations

import getpass
import os
import select
import sys
import threading
import time
from pathlib import Path
from typing import Protocol, TextIO

from eds_agent.questions import (
    ConfirmQuestion,
    FolderQuestion,
    KeyQuestion,
    NewPasswordQuestion,
    PasswordQuestion,
    PortalQuestion,
)

if os.name == "posix":
    import termios

DEFAULT_ANSWER_TIMEOUT = 120.0
"""Seconds a terminal question waits for the citizen before it counts as cancelled."""
WITHDRAW_CHECK_SECONDS = 0.25


class Confirmer(Protocol):
    """The citizen's side of the agent. Every method may return None/False for "cancel".

    ``asks_about_portals`` is False for a confirmer no person stands behind: then pages from sites
    not given with ``--origin`` are refused at once instead of asked about.
    """

    asks_about_portals: bool

    def allow_portal(self, question: PortalQuestion) -> bool: ...

    def withdraw(self) -> None:
        """Cancel the question open now, if any (its page went away). Called from another thread."""

    def confirm(self, question: ConfirmQuestion) -> bool: ...

    def choose_folder(self, question: FolderQuestion) -> Path | None: ...

    def choose_key(self, question: KeyQuestion) -> int | None: ...

    def password(self, question: PasswordQuestion) -> str | None: ...

    def new_password(self, question: NewPasswordQuestion) -> str | None: ...


class ScriptedConfirmer:
    """Fixed answers for tests and scripts: ``--yes`` and the password from ``--password-file``.

    ``yes=False`` declines everything (to test cancellation). The first option is chosen. A script
    never allows a new site by itself: ``portals`` answers "allow this portal" only when a test sets
    it (True or False); by default the agent is not asked (sites come from ``--origin``).
    """

    def __init__(
        self, *, yes: bool = True, password: str | None = None, choice: int = 0, portals: bool | None = None
    ) -> None:
        self._yes = yes
        self._password = password
        self._choice = choice
        self._portals = portals
        self.asks_about_portals = portals is not None
        self.questions: list[object] = []

    def allow_portal(self, question: PortalQuestion) -> bool:
        self.questions.append(question)
        return bool(self._portals)

    def withdraw(self) -> None:
        """Scripted answers come at once: there is never a question open to withdraw."""

    def confirm(self, question: ConfirmQuestion) -> bool:
        self.questions.append(question)
        return self._yes

    def choose_folder(self, question: FolderQuestion) -> Path | None:
        self.questions.append(question)
        return question.folder if self._yes else None

    def choose_key(self, question: KeyQuestion) -> int | None:
        self.questions.append(question)
        if not self._yes or not question.keys:
            return None
        return min(self._choice, len(question.keys) - 1)

    def password(self, question: PasswordQuestion) -> str | None:
        self.questions.append(question)
        return self._password if self._yes else None

    def new_password(self, question: NewPasswordQuestion) -> str | None:
        self.questions.append(question)
        return self._password if self._yes else None


class TerminalConfirmer:
    """Asks on the terminal the agent runs in; one question at a time; hidden password input.

    A question not answered within ``timeout`` seconds is cancelled (NCALayer's ``action.canceled``),
    so a forgotten prompt never holds the agent. Typing done before a question is shown is dropped.
    (On systems without ``select`` on the console, i.e. Windows, questions wait without a limit.)
    """

    asks_about_portals = True

    def __init__(
        self,
        stream: TextIO | None = None,
        *,
        timeout: float = DEFAULT_ANSWER_TIMEOUT,
        input_fd: int | None = None,
    ) -> None:
        self._out = stream or sys.stderr
        self._input_fd = input_fd
        self.timeout = timeout
        self._lock = threading.Lock()
        self._withdrawn = threading.Event()

    def _ask(self, text: str, *, hidden: bool = False) -> str | None:
        """The line typed within the timeout (without its line end); None when none came."""
        if os.name != "posix":
            return _ask_without_limit(text, self._out, hidden=hidden)
        self._in = self._input_fd if self._input_fd is not None else sys.stdin.fileno()
        terminal = os.isatty(self._in)
        saved = termios.tcgetattr(self._in) if terminal else None
        try:
            if terminal:
                termios.tcflush(self._in, termios.TCIFLUSH)
                if hidden:
                    quiet = termios.tcgetattr(self._in)
                    quiet[3] &= ~termios.ECHO
                    termios.tcsetattr(self._in, termios.TCSANOW, quiet)
            self._withdrawn.clear()
            self._out.write(text)
            self._out.flush()
            line = self._read_line()
        finally:
            if saved is not None:
                termios.tcsetattr(self._in, termios.TCSANOW, saved)
        if hidden:
            self._out.write("\n")
        if line is None and self._withdrawn.is_set():
            self._out.write("The page that asked is gone: the question is withdrawn.\n")
            self._out.flush()
        elif line is None:
            self._out.write(f"No answer in {self.timeout:g} s: cancelled.\n")
            self._out.flush()
        return line

    def withdraw(self) -> None:
        self._withdrawn.set()

    def _read_line(self) -> str | None:
        deadline = time.monotonic() + self.timeout
        data = b""
        while b"\n" not in data:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or self._withdrawn.is_set():
                return None
            if not select.select([self._in], [], [], min(remaining, WITHDRAW_CHECK_SECONDS))[0]:
                continue
            chunk = os.read(self._in, 4096)
            if not chunk:  # input closed: nobody will answer
                return data.decode("utf-8", "replace") if data else ""
            data += chunk
        return data.split(b"\n", 1)[0].decode("utf-8", "replace").rstrip("\r")

    def _yes_or_no(self, text: str) -> bool:
        with self._lock:
            answer = self._ask(f"\n{text} [y/N] ") or ""
            return answer.strip().lower() in {"y", "yes", "д", "да", "и", "иә"}

    def confirm(self, question: ConfirmQuestion) -> bool:
        return self._yes_or_no(question.terminal_text)

    def allow_portal(self, question: PortalQuestion) -> bool:
        return self._yes_or_no(question.terminal_text)

    def choose_folder(self, question: FolderQuestion) -> Path | None:
        return question.folder if self._yes_or_no(question.terminal_text) else None

    def choose_key(self, question: KeyQuestion) -> int | None:
        with self._lock:
            options = [key.terminal_text() for key in question.keys]
            lines = "".join(f"  {number}. {option}\n" for number, option in enumerate(options, start=1))
            text = f"\n{question.terminal_text}\n{lines}Number (empty to cancel): "
            answer = (self._ask(text) or "").strip()
            if answer.isdigit() and 1 <= int(answer) <= len(options):
                return int(answer) - 1
            return None

    def password(self, question: PasswordQuestion) -> str | None:
        with self._lock:
            return self._ask(f"\n{question.terminal_text}: ", hidden=True) or None

    def new_password(self, question: NewPasswordQuestion) -> str | None:
        with self._lock:
            first = self._ask(f"\n{question.terminal_text}: ", hidden=True)
            if not first:
                return None
            second = self._ask("Repeat the password: ", hidden=True)
            if second is None:
                return None
            if first != second:
                self._out.write("The two passwords differ; nothing was saved.\n")
                return None
            return first


def _ask_without_limit(text: str, out: TextIO, *, hidden: bool) -> str | None:
    try:
        if hidden:
            return getpass.getpass(text, stream=out)
        out.write(text)
        out.flush()
        return sys.stdin.readline().rstrip("\r\n")
    except (EOFError, KeyboardInterrupt):
        return None
