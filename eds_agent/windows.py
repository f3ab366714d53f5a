"""The agent's questions in desktop windows (Tkinter), in the citizen's language.

Tk may be used from one thread only. The thread that calls :meth:`WindowConfirmer.run` (the main
thread under ``eds agent``, which macOS requires of Tk) owns the Tk root and polls a queue every
50 ms with ``after``; the server's worker threads put each question on that queue and wait for its
answer. One window at a time (a lock). A window answers "cancel" when the citizen presses Cancel or
Escape, closes it, or leaves it unanswered for ``timeout`` seconds, so a forgotten window never
holds the agent.
"""

from __future__ import annotations

import gc
import os
import queue
import sys
import threading
import tkinter as tk
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from tkinter import filedialog, font, ttk
from typing import Any, TypeVar

from eds_agent.confirmation import DEFAULT_ANSWER_TIMEOUT
from eds_agent.language import Language, current_language
from eds_agent.messages import rule_text, say
from eds_agent.questions import (
    ConfirmQuestion,
    FolderQuestion,
    KeyQuestion,
    MakeKeysQuestion,
    NewPasswordQuestion,
    PasswordQuestion,
    PortalQuestion,
    SigningRequest,
    shown_origin,
)
from keystore.password_policy import PasswordRule, broken_rules

T = TypeVar("T")
POLL_MS = 50
WRAP = 520  # pixels: the width text wraps at
OK_COLOUR, BAD_COLOUR, QUIET_COLOUR = "#1b6e20", "#b3261e", "#555555"


def display_available(environ: dict[str, str] | None = None, platform: str = sys.platform) -> bool:
    """Windows and macOS always have a desktop; elsewhere an X11 or Wayland display must be named."""
    environ = dict(os.environ) if environ is None else environ
    return platform in ("win32", "darwin") or bool(environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY"))


class QuestionWindow(tk.Toplevel):
    """One question: who asks, what, the window's own widgets, then [primary] [Cancel].

    ``answer(value)`` closes the window with the citizen's answer; cancelling answers ``cancelled``.
    """

    cancelled: Any = None

    def __init__(
        self, root: tk.Tk, origin: str, language: Language, timeout: float, done: Callable[[Any], None]
    ) -> None:
        super().__init__(root)
        self.language = language
        self._done = done
        self._answered = False
        self.title(f"{say('window_title', language)}: {shown_origin(origin, language)}")
        self.resizable(False, False)
        self.body = ttk.Frame(self, padding=16)
        self.body.grid(sticky="nsew")
        self.body.columnconfigure(0, weight=1)
        self._row = 0
        self.add_label(say("request_from", language), style="Quiet.TLabel")
        self.add_label(shown_origin(origin, language), style="Origin.TLabel")
        self.build()
        self.add_label(say("closes_in", language, seconds=f"{timeout:g}"), style="Quiet.TLabel", pad=(12, 0))
        buttons = ttk.Frame(self.body)
        buttons.grid(row=self._row, column=0, sticky="e", pady=(12, 0))
        self.primary = ttk.Button(buttons, text=self.primary_text(), command=self.submit, default="active")
        self.primary.grid(row=0, column=0, padx=(0, 8))
        ttk.Button(buttons, text=self.cancel_text(), command=self.cancel).grid(row=0, column=1)
        self.protocol("WM_DELETE_WINDOW", self.cancel)
        self.bind("<Escape>", lambda _event: self.cancel())
        self.bind("<Return>", lambda _event: self.submit())
        self.after(int(timeout * 1000), self.cancel)
        self.update_idletasks()
        x = max(0, (self.winfo_screenwidth() - self.winfo_reqwidth()) // 2)
        y = max(0, (self.winfo_screenheight() - self.winfo_reqheight()) // 3)
        self.geometry(f"+{x}+{y}")
        self.attributes("-topmost", True)  # in front of the browser that asked
        self.lift()
        self.focus_force()
        self.first_focus().focus_force()

    # -- what each window adds ------------------------------------------------------------------
    def build(self) -> None:
        """Add the question's own widgets (below who asks)."""

    def primary_text(self) -> str:
        return say("continue", self.language)

    def cancel_text(self) -> str:
        return say("cancel", self.language)

    def value(self) -> Any:
        """The answer the primary button gives; None while it cannot be given."""
        return True

    def first_focus(self) -> tk.Misc:
        return self.primary

    # -- helpers --------------------------------------------------------------------------------
    def add(self, widget: tk.Misc, pad: tuple[int, int] = (8, 0), sticky: str = "w") -> tk.Misc:
        widget.grid(row=self._row, column=0, sticky=sticky, pady=pad)  # type: ignore[attr-defined]
        self._row += 1
        return widget

    def add_label(self, text: str, *, style: str = "TLabel", pad: tuple[int, int] = (0, 0)) -> ttk.Label:
        label = ttk.Label(self.body, text=text, style=style, wraplength=WRAP, justify="left")
        self.add(label, pad)
        return label

    def add_request(self, request: SigningRequest) -> None:
        """What the site wants signed: the sentence, the document's text, the SHA-256 prefixes."""
        self.add_label(request.window_text(self.language), style="Heading.TLabel", pad=(12, 0))
        if request.preview is not None:
            self.add_label(say("document_text", self.language), pad=(8, 0))
            lines = min(6, max(1, request.preview.count("\n") + 1 + len(request.preview) // 70))
            text = tk.Text(
                self.body,
                width=64,
                height=lines,
                wrap="word",
                relief="solid",
                borderwidth=1,
                font="TkDefaultFont",
            )
            text.insert("1.0", request.preview)
            text.configure(state="disabled")
            self.add(text, (2, 0), sticky="ew")
        if request.digests:
            self.add_label(request.digests_text(), style="Quiet.TLabel")

    # -- answering ------------------------------------------------------------------------------
    def submit(self) -> None:
        value = self.value()
        if value is not None and str(self.primary.cget("state")) != "disabled":
            self.answer(value)

    def cancel(self) -> None:
        self.answer(self.cancelled)

    def answer(self, value: Any) -> None:
        if self._answered:
            return
        self._answered = True
        self.destroy()
        self._done(value)

    def texts(self) -> list[str]:
        """Everything the window shows in words, top to bottom (for tests and screen readers' checks)."""
        shown: list[str] = [self.title()]

        def walk(widget: tk.Misc) -> None:
            for child in widget.winfo_children():
                if isinstance(child, ttk.Treeview):
                    shown.extend(" | ".join(map(str, child.item(i, "values"))) for i in child.get_children())
                elif isinstance(child, tk.Text):
                    shown.append(child.get("1.0", "end").strip())
                elif isinstance(child, ttk.Label | ttk.Button | tk.Label | tk.Button):
                    shown.append(str(child.cget("text")))
                walk(child)

        walk(self)
        return shown


class ConfirmWindow(QuestionWindow):
    """Make the keys here? / Save the keystores there? - yes or cancel."""

    cancelled = False

    def __init__(self, root: tk.Tk, question: ConfirmQuestion, language: Language, timeout: float, done):
        self.question = question
        super().__init__(root, question.origin, language, timeout, done)

    def build(self) -> None:
        question = self.question
        if isinstance(question, MakeKeysQuestion):
            self.add_label(say("make_heading", self.language), style="Heading.TLabel", pad=(12, 0))
            self.add_label(
                say("make_text", self.language, iin=question.iin, folder=question.folder), pad=(6, 0)
            )
        else:
            self.add_label(say("save_heading", self.language), style="Heading.TLabel", pad=(12, 0))
            self.add_label(say("save_text", self.language, folder=question.folder), pad=(6, 0))

    def primary_text(self) -> str:
        return say("make_keys" if isinstance(self.question, MakeKeysQuestion) else "save", self.language)


class PortalWindow(QuestionWindow):
    """Allow this site to use the agent? Asked once per site; "allow" is remembered (``portals.py``)."""

    cancelled = False

    def __init__(self, root: tk.Tk, question: PortalQuestion, language: Language, timeout: float, done):
        super().__init__(root, question.origin, language, timeout, done)

    def build(self) -> None:
        self.add_label(say("portal_heading", self.language), style="Heading.TLabel", pad=(12, 0))
        self.add_label(say("portal_text", self.language), pad=(6, 0))

    def primary_text(self) -> str:
        return say("allow", self.language)

    def cancel_text(self) -> str:
        return say("refuse", self.language)


class FolderWindow(QuestionWindow):
    """Keep the keys in this folder? The citizen may pick another one in the system's folder dialog."""

    def __init__(
        self,
        root: tk.Tk,
        question: FolderQuestion,
        language: Language,
        timeout: float,
        done,
        ask_folder: Callable[..., str | None],
    ):
        self.question = question
        self.folder = question.folder
        self._ask_folder = ask_folder
        super().__init__(root, question.origin, language, timeout, done)

    def build(self) -> None:
        self.add_label(say("store_heading", self.language), style="Heading.TLabel", pad=(12, 0))
        self.add_label(say("store_text", self.language), pad=(6, 0))
        row = ttk.Frame(self.body)
        ttk.Label(row, text=say("folder", self.language)).grid(row=0, column=0, padx=(0, 6))
        self.folder_label = ttk.Label(row, text=str(self.folder), style="Value.TLabel", wraplength=WRAP - 80)
        self.folder_label.grid(row=0, column=1, sticky="w")
        self.add(row, (10, 0))
        self.choose_button = ttk.Button(
            self.body, text=say("choose_other_folder", self.language), command=self.choose_other
        )
        self.add(self.choose_button, (8, 0))

    def choose_other(self) -> None:
        chosen = self._ask_folder(
            parent=self,
            initialdir=str(self.question.folder.parent),
            title=say("folder_dialog_title", self.language),
            mustexist=False,
        )
        if chosen:
            self.folder = Path(chosen)
            self.folder_label.configure(text=str(self.folder))
        if self.winfo_exists():
            self.lift()
            self.primary.focus_force()

    def primary_text(self) -> str:
        return say("allow", self.language)

    def value(self) -> Path:
        return self.folder


class PasswordWindow(QuestionWindow):
    """The password that opens the keystores, typed masked, the policy's rules shown before."""

    def __init__(self, root: tk.Tk, question: PasswordQuestion, language: Language, timeout: float, done):
        self.question = question
        super().__init__(root, question.origin, language, timeout, done)

    def build(self) -> None:
        self.add_request(self.question.request)
        self.add_label(say("password_heading", self.language), style="Heading.TLabel", pad=(12, 0))
        self.add_label(say("password_text", self.language, folder=self.question.folder), pad=(4, 0))
        self.add_label(say("rules_heading", self.language), pad=(8, 0))
        for rule in PasswordRule:
            self.add_label(f"• {rule_text(rule, self.language)}", style="Quiet.TLabel", pad=(2, 0))
        self.entry = ttk.Entry(self.body, show="•", width=40)
        self.add(self.entry, (10, 0), sticky="ew")
        _on_change(self.entry, self._update)

    def first_focus(self) -> tk.Misc:
        self._update()
        return self.entry

    def _update(self) -> None:
        self.primary.configure(state="normal" if self.entry.get() else "disabled")

    def value(self) -> str | None:
        return self.entry.get() or None


class NewPasswordWindow(QuestionWindow):
    """A new password twice, each rule ticked as it is met; Save only when all are met and both match."""

    def __init__(self, root: tk.Tk, question: NewPasswordQuestion, language: Language, timeout: float, done):
        self.question = question
        self.rule_labels: dict[PasswordRule, ttk.Label] = {}
        super().__init__(root, question.origin, language, timeout, done)

    def build(self) -> None:
        language = self.language
        self.add_label(say("new_password_heading", language), style="Heading.TLabel", pad=(12, 0))
        self.add_label(say("new_password_text", language, folder=self.question.folder), pad=(4, 0))
        self.add_label(say("rules_heading", language), pad=(8, 0))
        for rule in PasswordRule:
            self.rule_labels[rule] = self.add_label("", style="Quiet.TLabel", pad=(2, 0))
        fields = ttk.Frame(self.body)
        fields.columnconfigure(1, weight=1)
        ttk.Label(fields, text=say("password", language)).grid(row=0, column=0, sticky="w", padx=(0, 8))
        self.entry = ttk.Entry(fields, show="•", width=32)
        self.entry.grid(row=0, column=1, sticky="ew")
        ttk.Label(fields, text=say("repeat_password", language)).grid(
            row=1, column=0, sticky="w", padx=(0, 8), pady=(6, 0)
        )
        self.repeat_entry = ttk.Entry(fields, show="•", width=32)
        self.repeat_entry.grid(row=1, column=1, sticky="ew", pady=(6, 0))
        self.add(fields, (10, 0), sticky="ew")
        self.match_label = self.add_label("", pad=(6, 0))
        _on_change(self.entry, self._update)
        _on_change(self.repeat_entry, self._update)

    def first_focus(self) -> tk.Misc:
        self._update()
        return self.entry

    def _update(self) -> None:
        typed = self.entry.get()
        broken = set(broken_rules(typed, iin=self.question.iin))
        for rule, label in self.rule_labels.items():
            mark, colour = (
                ("•", QUIET_COLOUR)
                if not typed
                else ("✗", BAD_COLOUR)
                if rule in broken
                else ("✓", OK_COLOUR)
            )
            label.configure(text=f"{mark} {rule_text(rule, self.language)}", foreground=colour)
        repeated = self.repeat_entry.get()
        if not repeated:
            self.match_label.configure(text="")
        elif repeated == typed:
            self.match_label.configure(
                text=f"✓ {say('passwords_match', self.language)}", foreground=OK_COLOUR
            )
        else:
            self.match_label.configure(
                text=f"✗ {say('passwords_differ', self.language)}", foreground=BAD_COLOUR
            )
        ready = bool(typed) and not broken and repeated == typed
        self.primary.configure(state="normal" if ready else "disabled")

    def primary_text(self) -> str:
        return say("save", self.language)

    def value(self) -> str | None:
        typed = self.entry.get()
        if not typed or typed != self.repeat_entry.get() or broken_rules(typed, iin=self.question.iin):
            return None
        return typed


class KeyWindow(QuestionWindow):
    """Which key: each with its purpose (AUTH/SIGN), owner, IIN and validity; the first is selected."""

    def __init__(self, root: tk.Tk, question: KeyQuestion, language: Language, timeout: float, done):
        self.question = question
        super().__init__(root, question.origin, language, timeout, done)

    def build(self) -> None:
        language = self.language
        self.add_request(self.question.request)
        self.add_label(say("choose_heading", language), style="Heading.TLabel", pad=(12, 0))
        columns = ("purpose", "owner", "iin", "valid")
        self.table = ttk.Treeview(
            self.body,
            columns=columns,
            show="headings",
            height=min(6, max(2, len(self.question.keys))),
            selectmode="browse",
        )
        rows = []
        for key in self.question.keys:
            purpose = say("purpose_auth" if key.kind == "AUTH" else "purpose_sign", language)
            rows.append(
                (purpose, key.owner, key.iin or "", f"{key.valid_from:%d.%m.%Y} – {key.valid_to:%d.%m.%Y}")
            )
        measure = font.nametofont("TkDefaultFont").measure
        for number, column in enumerate(columns):
            heading = say(f"column_{column}", language)
            width = max([measure(heading)] + [measure(row[number]) for row in rows]) + 24
            self.table.heading(column, text=heading)
            self.table.column(column, width=width, minwidth=width, anchor="w")
        for index, row in enumerate(rows):
            self.table.insert("", "end", iid=str(index), values=row)
        if self.question.keys:
            self.table.selection_set("0")
            self.table.focus("0")
        self.table.bind("<Double-1>", lambda _event: self.submit())
        self.add(self.table, (6, 0), sticky="ew")

    def first_focus(self) -> tk.Misc:
        return self.table

    def primary_text(self) -> str:
        return say("sign" if self.question.request.documents else "choose", self.language)

    def value(self) -> int | None:
        selected = self.table.selection()
        return int(selected[0]) if selected else None


class WindowConfirmer:
    """:class:`~eds_agent.confirmation.Confirmer` in desktop windows; Tk runs on the thread of :meth:`run`."""

    asks_about_portals = True

    def __init__(
        self,
        *,
        timeout: float = DEFAULT_ANSWER_TIMEOUT,
        language: Callable[[], Language] = current_language,
        ask_folder: Callable[..., str | None] = filedialog.askdirectory,
    ) -> None:
        self.timeout = timeout
        self._language = language
        self._ask_folder = ask_folder
        self._tasks: queue.Queue[tuple[Callable[[], Any], Future[Any]]] = queue.Queue()
        self._one_at_a_time = threading.Lock()
        self._root: tk.Tk | None = None
        self._keep_running: Callable[[], bool] = lambda: True
        self.window: QuestionWindow | None = None
        """The window open now (None between questions); tests read it through :meth:`call`."""

    def start(self) -> None:
        """Make the (hidden) Tk root on this thread. Raises ``tk.TclError`` when there is no display."""
        root = tk.Tk(className="eds-agent")
        root.withdraw()
        _styles(root)
        self._root = root

    def run(self, keep_running: Callable[[], bool] = lambda: True) -> None:
        """Answer questions on this thread until ``keep_running()`` is false (started if need be)."""
        if self._root is None:
            self.start()
        self._keep_running = keep_running
        assert self._root is not None
        self._root.after(POLL_MS, self._poll)
        try:
            self._root.mainloop()
        finally:
            self._root.destroy()
            self._root = self.window = None
            gc.collect()  # Tk's objects must die on Tk's thread: freeing them elsewhere aborts Tcl

    def _poll(self) -> None:
        """On the Tk thread: run what other threads queued, then come again in POLL_MS."""
        assert self._root is not None
        while True:
            try:
                function, result = self._tasks.get_nowait()
            except queue.Empty:
                break
            if result.set_running_or_notify_cancel():
                try:
                    result.set_result(function())
                except BaseException as error:  # handed to the waiting thread
                    result.set_exception(error)
        if self._keep_running():
            self._root.after(POLL_MS, self._poll)
        else:
            self._root.quit()

    def call(self, function: Callable[[], T], timeout: float | None = 30) -> T:
        """Run ``function`` on the Tk thread and return what it returns."""
        result: Future[T] = Future()
        self._tasks.put((function, result))
        return result.result(timeout)

    def _ask(self, open_window: Callable[[tk.Tk, Language, Callable[[Any], None]], QuestionWindow]) -> Any:
        language = self._language()  # read here: the request's language belongs to this thread
        with self._one_at_a_time:
            answer: Future[Any] = Future()

            def done(value: Any) -> None:
                self.window = None
                answer.set_result(value)

            def show() -> None:
                assert self._root is not None
                self.window = open_window(self._root, language, done)

            self.call(show)
            try:
                return answer.result(self.timeout + 30)  # the window cancels itself after timeout
            except TimeoutError:
                return None

    def confirm(self, question: ConfirmQuestion) -> bool:
        return bool(
            self._ask(lambda root, lang, done: ConfirmWindow(root, question, lang, self.timeout, done))
        )

    def withdraw(self) -> None:
        """Close the open window as if cancelled (its page went away)."""
        self.call(lambda: self.window.cancel() if self.window is not None else None, timeout=5)

    def allow_portal(self, question: PortalQuestion) -> bool:
        return bool(
            self._ask(lambda root, lang, done: PortalWindow(root, question, lang, self.timeout, done))
        )

    def choose_folder(self, question: FolderQuestion) -> Path | None:
        return self._ask(
            lambda root, lang, done: FolderWindow(root, question, lang, self.timeout, done, self._ask_folder)
        )

    def choose_key(self, question: KeyQuestion) -> int | None:
        return self._ask(lambda root, lang, done: KeyWindow(root, question, lang, self.timeout, done))

    def password(self, question: PasswordQuestion) -> str | None:
        return self._ask(lambda root, lang, done: PasswordWindow(root, question, lang, self.timeout, done))

    def new_password(self, question: NewPasswordQuestion) -> str | None:
        return self._ask(lambda root, lang, done: NewPasswordWindow(root, question, lang, self.timeout, done))


def _on_change(entry: ttk.Entry, update: Callable[[], None]) -> None:
    """Call ``update`` after each edit of ``entry`` (typed, pasted, deleted).

    Bindings rather than a ``StringVar`` trace: a Tk variable collected on another thread after its
    window closed would call into Tcl from that thread.
    """
    for event in ("<KeyRelease>", "<<Paste>>", "<<Cut>>", "<ButtonRelease-2>"):
        entry.bind(event, lambda _event: entry.after_idle(update), add="+")


def _styles(root: tk.Tk) -> None:
    """Readable sizes: body 11 pt, headings 13 pt bold, the asking site bold."""
    base = font.nametofont("TkDefaultFont")
    base.configure(size=11)
    font.nametofont("TkTextFont").configure(size=11)
    heading = font.Font(root, family=base.cget("family"), size=13, weight="bold")
    strong = font.Font(root, family=base.cget("family"), size=12, weight="bold")
    small = font.Font(root, family=base.cget("family"), size=10)
    style = ttk.Style(root)
    style.configure("Heading.TLabel", font=heading)
    style.configure("Origin.TLabel", font=strong, foreground="#0b4f9c")
    style.configure("Value.TLabel", font=strong)
    style.configure("Quiet.TLabel", font=small, foreground=QUIET_COLOUR)
    style.configure("Treeview", font=base, rowheight=int(base.metrics("linespace") * 1.6))
    style.configure("Treeview.Heading", font=small)
    root._fonts = (heading, strong, small)  # type: ignore[attr-defined]  # keep them alive
