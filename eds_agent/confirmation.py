"""Asking the citizen before sensitive operations (key choice, passwords, writing keys).

The agent talks to the citizen only through :class:`Confirmer`, so tests and scripts inject
answers (:class:`ScriptedConfirmer`, ``--yes --password-file``), a terminal run asks on the terminal
(:class:`TerminalConfirmer`) and the desktop asks in windows (``windows.WindowConfirmer``), both in
the citizen's language (``language.current_language``) with the texts of ``messages.py``.
The questions are data (``questions.py``). Answers are never logged.
"""

from __future__ import annotations

import getpass
import os
import select
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Protocol, TextIO

from eds_agent.language import Language, current_language
from eds_agent.messages import rule_text, say
from eds_agent.questions import (
    ConfirmQuestion,
    FolderQuestion,
    KeyOption,
    KeyQuestion,
    MakeKeysQuestion,
    NewPasswordQuestion,
    PasswordQuestion,
    PortalQuestion,
    SigningRequest,
    shown_origin,
)
from keystore.password_policy import PasswordRule

if os.name == "posix":
    import termios

DEFAULT_ANSWER_TIMEOUT = 120.0
"""Seconds a terminal question waits for the citizen before it counts as cancelled."""
WITHDRAW_CHECK_SECONDS = 0.25
YES_ANSWERS = frozenset({"y", "yes", "д", "да", "и", "иә"})
"""A yes in any of the three languages (whatever the question's language); anything else, Enter too, is no."""


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

    Each question is shown as its window would show it (who asks, what, the password rules before a
    new password), in the request's language, then a prompt: "[y/N]", "(да/нет; Enter — нет)" or
    "(иә/жоқ; Enter — жоқ)"; Enter alone is No. A question not answered within ``timeout`` seconds
    is cancelled (NCALayer's ``action.canceled``), so a forgotten prompt never holds the agent.
    Typing done before a question is shown is dropped. (On systems without ``select`` on the
    console, i.e. Windows, questions wait without a limit.)
    """

    asks_about_portals = True

    def __init__(
        self,
        stream: TextIO | None = None,
        *,
        timeout: float = DEFAULT_ANSWER_TIMEOUT,
        input_fd: int | None = None,
        language: Callable[[], Language] = current_language,
    ) -> None:
        self._out = stream or sys.stderr
        self._input_fd = input_fd
        self._language = language
        self.timeout = timeout
        self._lock = threading.Lock()
        self._withdrawn = threading.Event()

    def _ask(self, text: str, language: Language, *, hidden: bool = False) -> str | None:
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
        if hidden or line is None:  # the next line starts below the prompt (typing ended it otherwise)
            self._out.write("\n")
        if line is None and self._withdrawn.is_set():
            self._out.write(say("withdrawn", language) + "\n")
            self._out.flush()
        elif line is None:
            self._out.write(say("no_answer", language, seconds=f"{self.timeout:g}") + "\n")
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

    def _yes_or_no(self, language: Language, lines: list[str], question: str) -> bool:
        with self._lock:
            prompt = _shown(lines, f"{question} {say('yes_no_hint', language)} ")
            answer = self._ask(prompt, language) or ""
            return answer.strip().lower() in YES_ANSWERS

    def confirm(self, question: ConfirmQuestion) -> bool:
        language = self._language()
        asker = _asker(question.origin, language)
        if isinstance(question, MakeKeysQuestion):
            text = say("make_text", language, iin=question.iin, folder=question.folder)
            return self._yes_or_no(language, [asker, text], say("continue_question", language))
        return self._yes_or_no(language, [asker], say("save_text", language, folder=question.folder))

    def allow_portal(self, question: PortalQuestion) -> bool:
        language = self._language()
        lines = [_asker(question.origin, language), say("portal_text", language)]
        return self._yes_or_no(language, lines, say("portal_heading", language))

    def choose_folder(self, question: FolderQuestion) -> Path | None:
        language = self._language()
        lines = [
            _asker(question.origin, language),
            say("store_text", language),
            f"{say('folder', language)} {question.folder}",
        ]
        return question.folder if self._yes_or_no(language, lines, say("allow_question", language)) else None

    def choose_key(self, question: KeyQuestion) -> int | None:
        language = self._language()
        options = [_key_line(key, language) for key in question.keys]
        lines = [
            _asker(question.origin, language),
            *_request_lines(question.request, language),
            say("choose_heading", language),
            *(f"  {number}. {option}" for number, option in enumerate(options, start=1)),
        ]
        with self._lock:
            answer = (self._ask(_shown(lines, say("key_number", language) + " "), language) or "").strip()
            if answer.isdigit() and 1 <= int(answer) <= len(options):
                return int(answer) - 1
            return None

    def password(self, question: PasswordQuestion) -> str | None:
        language = self._language()
        lines = [
            _asker(question.origin, language),
            *_request_lines(question.request, language),
            say("password_text", language, folder=question.folder),
        ]
        with self._lock:
            return self._ask(_shown(lines, say("password", language) + " "), language, hidden=True) or None

    def new_password(self, question: NewPasswordQuestion) -> str | None:
        language = self._language()
        lines = [
            _asker(question.origin, language),
            say("new_password_text", language, folder=question.folder),
            say("rules_heading", language),
            *(f"  • {rule_text(rule, language)}" for rule in PasswordRule),
        ]
        with self._lock:
            first = self._ask(_shown(lines, say("password", language) + " "), language, hidden=True)
            if not first:
                return None
            second = self._ask(say("repeat_password", language) + " ", language, hidden=True)
            if second is None:
                return None
            if first != second:
                differ = f"{say('passwords_differ', language)}; {say('nothing_saved', language)}."
                self._out.write(differ + "\n")
                return None
            return first


def _shown(lines: list[str], prompt: str) -> str:
    """A question on the terminal: a blank line, its lines, the prompt (the cursor stays after it)."""
    return "\n" + "".join(f"{line}\n" for line in lines) + prompt


def _asker(origin: str, language: Language) -> str:
    return f"{say('request_from', language)} {shown_origin(origin, language)}"


def _request_lines(request: SigningRequest, language: Language) -> list[str]:
    """What a site wants signed, as the window shows it: the sentence, the document's text, SHA-256."""
    lines = [request.window_text(language)]
    if request.preview is not None:
        # no carriage returns: a document must not overwrite what the terminal shows above it
        lines += [say("document_text", language), request.preview.replace("\r", "")]
    if request.digests:
        lines.append(request.digests_text())
    return lines


def _key_line(key: KeyOption, language: Language) -> str:
    """One key as the window's table row: purpose, owner, IIN, validity (and its file)."""
    purpose = say("purpose_auth" if key.kind == "AUTH" else "purpose_sign", language)
    valid = f"{key.valid_from:%d.%m.%Y} – {key.valid_to:%d.%m.%Y}"
    return (
        f"{purpose}  {key.owner}  {say('column_iin', language)} {key.iin or '-'}  "
        f"{say('column_valid', language)}: {valid}  ({key.file_name})"
    )


def _ask_without_limit(text: str, out: TextIO, *, hidden: bool) -> str | None:
    try:
        if hidden:
            return getpass.getpass(text, stream=out)
        out.write(text)
        out.flush()
        return sys.stdin.readline().rstrip("\r\n")
    except (EOFError, KeyboardInterrupt):
        return None
