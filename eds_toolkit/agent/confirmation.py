"""Asking the citizen before sensitive operations (key choice, passwords, writing keys).

The agent talks to the citizen only through :class:`Confirmer`, so tests and scripts inject
answers (:class:`ScriptedConfirmer`, ``--yes --password-file``) and a terminal run asks
(:class:`TerminalConfirmer`). Answers are never logged.
"""

from __future__ import annotations

import getpass
import sys
import threading
from typing import Protocol, TextIO


class Confirmer(Protocol):
    """The citizen's side of the agent. Every method may return None/False for "cancel"."""

    def confirm(self, question: str) -> bool: ...

    def choose(self, question: str, options: list[str]) -> int | None: ...

    def password(self, question: str) -> str | None: ...

    def new_password(self, question: str) -> str | None: ...


class ScriptedConfirmer:
    """Fixed answers for tests and scripts: ``--yes`` and the password from ``--password-file``.

    ``yes=False`` declines everything (to test cancellation). The first option is chosen.
    """

    def __init__(self, *, yes: bool = True, password: str | None = None, choice: int = 0) -> None:
        self._yes = yes
        self._password = password
        self._choice = choice
        self.questions: list[str] = []

    def confirm(self, question: str) -> bool:
        self.questions.append(question)
        return self._yes

    def choose(self, question: str, options: list[str]) -> int | None:
        self.questions.append(question)
        if not self._yes or not options:
            return None
        return min(self._choice, len(options) - 1)

    def password(self, question: str) -> str | None:
        self.questions.append(question)
        return self._password if self._yes else None

    def new_password(self, question: str) -> str | None:
        return self.password(question)


class TerminalConfirmer:
    """Asks on the terminal the agent runs in; one question at a time; hidden password input."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self._out = stream or sys.stderr
        self._lock = threading.Lock()

    def _ask(self, text: str) -> str:
        self._out.write(text)
        self._out.flush()
        line = sys.stdin.readline()
        return line.strip()

    def confirm(self, question: str) -> bool:
        with self._lock:
            return self._ask(f"\n{question} [y/N] ").lower() in {"y", "yes", "д", "да", "и", "иә"}

    def choose(self, question: str, options: list[str]) -> int | None:
        with self._lock:
            self._out.write(f"\n{question}\n")
            for number, option in enumerate(options, start=1):
                self._out.write(f"  {number}. {option}\n")
            answer = self._ask("Number (empty to cancel): ")
            if answer.isdigit() and 1 <= int(answer) <= len(options):
                return int(answer) - 1
            return None

    def password(self, question: str) -> str | None:
        with self._lock:
            try:
                value = getpass.getpass(f"\n{question}: ", stream=self._out)
            except (EOFError, KeyboardInterrupt):
                return None
            return value or None

    def new_password(self, question: str) -> str | None:
        with self._lock:
            try:
                first = getpass.getpass(f"\n{question}: ", stream=self._out)
                second = getpass.getpass("Repeat the password: ", stream=self._out)
            except (EOFError, KeyboardInterrupt):
                return None
            if not first or first != second:
                self._out.write("The two passwords differ; nothing was saved.\n")
                return None
            return first
