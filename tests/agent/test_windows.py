"""The agent's questions in real Tk windows on Xvfb, answered with real key presses (xdotool), in kk/ru/en.

Every window is saved under artifacts/screenshots/agent/<language>-<window>.png.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import pytest
from websockets.sync.client import connect

from eds_agent.errors import CancelledByUser
from eds_agent.issuance import Issuance
from eds_agent.key_folder import KeyFolder, SignerFilter
from eds_agent.messages import MESSAGES, RULES, say
from eds_agent.questions import NewPasswordQuestion, SigningRequest
from eds_agent.windows import WindowConfirmer
from keystore.password_policy import PasswordRule

from .conftest import AIGERIM, PASSWORD, PORTAL, call, verify_cms

LANGUAGES = ["kk", "ru", "en"]
DOCUMENT = "Тұрғылықты жері бойынша тіркеуге өтініш / I apply for registration at Abay 10."


class OpenWindows:
    """A WindowConfirmer whose Tk loop runs on a thread of the test; questions asked from others."""

    def __init__(self, language: str, timeout: float) -> None:
        self.confirmer = WindowConfirmer(timeout=timeout, language=lambda: language)
        self.language = language
        self._stop = threading.Event()
        self._tk = threading.Thread(target=self.confirmer.run, args=(lambda: not self._stop.is_set(),))
        self._tk.start()
        self._askers = ThreadPoolExecutor(max_workers=1)
        self.confirmer.call(lambda: None)  # the loop answers: Tk is up

    def ask(self, question: Callable[[], Any]) -> Future[Any]:
        return self._askers.submit(question)

    def window(self, kind: str, timeout: float = 30) -> list[str]:
        """Wait for a window of class ``kind`` to be shown; what it says."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            shown = self.confirmer.call(
                lambda: (
                    self.confirmer.window.texts()
                    if type(self.confirmer.window).__name__ == kind and self.confirmer.window.winfo_viewable()
                    else None
                )
            )
            if shown is not None:
                time.sleep(0.3)  # drawn
                return shown
            time.sleep(0.1)
        raise AssertionError(f"no {kind} appeared")

    def on_window(self, function: Callable[[Any], Any]) -> Any:
        return self.confirmer.call(lambda: function(self.confirmer.window))

    def texts(self) -> list[str]:
        return self.on_window(lambda window: window.texts())

    def frame(self) -> str:
        """The open window's X id (what ``import -window`` captures)."""
        return self.on_window(lambda window: window.wm_frame())

    def is_open(self) -> bool:
        return self.on_window(lambda window: window is not None)

    def close(self) -> None:
        self._stop.set()
        self._tk.join(timeout=10)
        self._askers.shutdown(wait=False, cancel_futures=True)


@pytest.fixture
def open_windows(desktop, monkeypatch) -> Iterator[Callable[..., OpenWindows]]:
    monkeypatch.setenv("DISPLAY", desktop.display)
    opened: list[OpenWindows] = []

    def start(language: str, timeout: float = 60) -> OpenWindows:
        opened.append(OpenWindows(language, timeout))
        return opened[-1]

    yield start
    for windows in opened:
        windows.close()


def joined(texts: list[str]) -> str:
    return "\n".join(texts)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_folder_window_names_the_site_and_the_folder_chosen_in_the_system_dialog_is_used(
    language, open_windows, desktop, tmp_path
):
    windows = open_windows(language)
    issuance = Issuance(windows.confirmer, store=tmp_path / "eds-keys")
    chosen = windows.ask(lambda: issuance.choose_store(origin=PORTAL))

    shown = joined(windows.window("FolderWindow"))
    assert PORTAL in shown
    assert say("store_heading", language) in shown and str(tmp_path / "eds-keys") in shown
    desktop.screenshot(f"{language}-folder", windows.frame())

    x, y = windows.on_window(
        lambda window: (
            window.choose_button.winfo_rootx() + window.choose_button.winfo_width() // 2,
            window.choose_button.winfo_rooty() + window.choose_button.winfo_height() // 2,
        )
    )
    desktop.click(x, y)
    time.sleep(1.0)  # Tk's folder dialog opens over the window, with its path field focused
    desktop.screenshot(f"{language}-folder-dialog")
    other = tmp_path / "my keys"
    desktop.key("ctrl+slash")  # select the path field's text: typing replaces it
    desktop.type(str(other))
    desktop.key("Return")  # a folder that does not exist yet: the dialog asks for Return once more
    time.sleep(0.3)
    desktop.key("Return")
    time.sleep(0.5)
    assert str(other) in joined(windows.texts())
    desktop.screenshot(f"{language}-folder-chosen", windows.frame())
    desktop.key("Return")  # Allow

    assert chosen.result(timeout=30) == other
    assert issuance.store == other and other.is_dir()


@pytest.mark.parametrize("language", LANGUAGES)
def test_escape_in_the_make_keys_window_refuses_with_the_agents_cancel_error_and_makes_nothing(
    language, open_windows, desktop, tmp_path
):
    windows = open_windows(language)
    store = tmp_path / "eds-keys"
    issuance = Issuance(windows.confirmer, store=store)
    made = windows.ask(
        lambda: issuance.make_requests(
            "enrol-1", iin=AIGERIM.iin, surname=AIGERIM.surname, given_name=AIGERIM.given_name, origin=PORTAL
        )
    )
    windows.window("FolderWindow")
    desktop.key("Return")

    shown = joined(windows.window("ConfirmWindow"))
    assert PORTAL in shown and AIGERIM.iin in shown and str(store) in shown
    assert say("make_heading", language) in shown and say("make_keys", language) in shown
    desktop.screenshot(f"{language}-make-keys", windows.frame())
    desktop.key("Escape")

    with pytest.raises(CancelledByUser):
        made.result(timeout=30)
    assert not (store / ".pending").exists()


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_new_password_window_shows_the_rules_before_typing_and_a_mismatch_cannot_be_saved(
    language, open_windows, desktop, tmp_path
):
    windows = open_windows(language)
    asked = windows.ask(
        lambda: windows.confirmer.new_password(NewPasswordQuestion(PORTAL, tmp_path, AIGERIM.iin))
    )
    before = windows.window("NewPasswordWindow")
    for rule in PasswordRule:
        assert f"• {RULES[rule][language]}" in before, "every rule is shown before anything is typed"
    assert PORTAL in joined(before)
    desktop.screenshot(f"{language}-new-password", windows.frame())

    desktop.type("Qwerty12")  # the national CA's own example: too easy to guess
    time.sleep(0.3)
    assert f"✗ {RULES[PasswordRule.NOT_GUESSABLE][language]}" in windows.texts()
    assert f"✓ {RULES[PasswordRule.LENGTH][language]}" in windows.texts()
    desktop.key(*["BackSpace"] * 8)

    desktop.type(PASSWORD)
    desktop.key("Tab")
    desktop.type(PASSWORD + "x")
    time.sleep(0.3)
    shown = windows.texts()
    assert f"✗ {say('passwords_differ', language)}" in shown
    assert windows.on_window(lambda window: str(window.primary.cget("state"))) == "disabled"
    desktop.screenshot(f"{language}-new-password-mismatch", windows.frame())
    desktop.key("Return")
    time.sleep(0.5)
    assert windows.is_open() and not asked.done(), "a mismatched password cannot be submitted"

    desktop.key("BackSpace")
    time.sleep(0.3)
    assert f"✓ {say('passwords_match', language)}" in windows.texts()
    desktop.screenshot(f"{language}-new-password-ready", windows.frame())
    desktop.key("Return")
    assert asked.result(timeout=30) == PASSWORD


@pytest.mark.parametrize("language", LANGUAGES)
def test_signing_asks_the_password_then_the_key_and_signs_with_the_key_chosen(
    language, open_windows, desktop, keys_copy
):
    windows = open_windows(language)
    request = SigningRequest.of_documents([DOCUMENT.encode()])
    chosen = windows.ask(
        lambda: KeyFolder(keys_copy).select_signer(SignerFilter(), windows.confirmer, PORTAL, request)
    )
    shown = joined(windows.window("PasswordWindow"))
    assert PORTAL in shown and DOCUMENT in shown and request.window_text(language) in shown
    assert say("rules_heading", language) in shown and RULES[PasswordRule.LENGTH][language] in shown
    desktop.screenshot(f"{language}-password", windows.frame())
    desktop.type(PASSWORD)
    desktop.key("Return")

    rows = [line for line in windows.window("KeyWindow") if AIGERIM.iin in line]
    assert len(rows) == 2, "both keys, each with its purpose, owner, IIN and validity"
    assert rows[0].startswith(say("purpose_auth", language)) and rows[1].startswith(
        say("purpose_sign", language)
    )
    assert all(AIGERIM.given_name.casefold() in row.casefold() and "–" in row for row in rows)
    desktop.screenshot(f"{language}-choose-key", windows.frame())
    desktop.key("Down", "Return")

    unlocked = chosen.result(timeout=30)
    assert unlocked.option().kind == "SIGN"


def test_a_window_left_unanswered_is_cancelled_after_the_timeout(open_windows, tmp_path):
    windows = open_windows("en", timeout=2)
    asked = windows.ask(lambda: Issuance(windows.confirmer).choose_store(tmp_path / "k", origin=PORTAL))
    windows.window("FolderWindow")
    started = time.monotonic()
    with pytest.raises(CancelledByUser):
        asked.result(timeout=30)
    assert time.monotonic() - started < 10
    assert not windows.is_open()


def test_every_message_is_written_in_all_three_languages():
    for key, texts in {**MESSAGES, **{str(rule): text for rule, text in RULES.items()}}.items():
        assert set(texts) == set(LANGUAGES), key
        assert all(text.strip() for text in texts.values()), key
    assert "ЭЦҚ" in MESSAGES["window_title"]["kk"] and "ЭЦП" in MESSAGES["window_title"]["ru"]


def test_eds_agent_on_a_display_asks_in_windows_in_the_language_the_page_names(
    start_agent, desktop, keys_copy, test_ca, tmp_path
):
    agent = start_agent(store=keys_copy, yes=False, password=None, env=desktop.env)
    replies: list[dict] = []
    sign_args = {
        "allowedStorages": None,
        "format": "cms",
        "data": base64.b64encode(DOCUMENT.encode()).decode(),
        "signingParams": {"decode": True, "encapsulate": True},
        "signerParams": {"extKeyUsageOids": ["1.3.6.1.5.5.7.3.4"]},
        "locale": "ru",
    }

    def page() -> None:
        with connect(agent.url, origin=PORTAL) as ws:
            ws.recv(timeout=10)
            replies.append(call(ws, "kz.gov.pki.knca.basics", "sign", sign_args))

    tab = threading.Thread(target=page)
    tab.start()
    password_window = desktop.wait_for_window(PORTAL)
    assert desktop.title(password_window) == f"{say('window_title', 'ru')}: {PORTAL}"
    desktop.screenshot("ru-agent-password", password_window)
    desktop.type(PASSWORD)
    desktop.key("Return")
    key_window = desktop.wait_for_window(PORTAL, other_than=(password_window,))
    desktop.screenshot("ru-agent-choose-key", key_window)
    desktop.key("Return")
    tab.join(timeout=60)

    assert replies and replies[0]["status"] is True, replies
    verdict = verify_cms(replies[0]["body"]["result"].encode(), test_ca.root_path, tmp_path / "v")
    assert verdict.ok and verdict.content == DOCUMENT.encode()
    assert "not run in a terminal" not in agent.stop()


def test_a_window_whose_page_closed_is_withdrawn_and_signs_nothing(start_agent, desktop, keys_copy):
    agent = start_agent(store=keys_copy, yes=False, password=None, env=desktop.env)
    request = {
        "module": "kz.gov.pki.knca.basics",
        "method": "sign",
        "args": {
            "allowedStorages": None,
            "format": "cms",
            "data": base64.b64encode(DOCUMENT.encode()).decode(),
            "signingParams": {"decode": True, "encapsulate": True},
            "signerParams": {"extKeyUsageOids": ["1.3.6.1.5.5.7.3.4"]},
            "locale": "en",
        },
    }
    with connect(agent.url, origin=PORTAL) as ws:
        ws.recv(timeout=10)
        ws.send(json.dumps(request))
        window = desktop.wait_for_window(PORTAL)
    # The tab closed: its password window must not stay to be answered for some other page.
    deadline = time.monotonic() + 10
    while window in desktop.windows_named(PORTAL) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert window not in desktop.windows_named(PORTAL), "the window of a closed page is still open"

    with connect(agent.url, origin=PORTAL) as ws:  # the agent is free for the next page at once
        ws.recv(timeout=10)
        ws.send(json.dumps(request))
        desktop.wait_for_window(PORTAL, other_than=(window,))
        desktop.key("Escape")
        assert json.loads(ws.recv(timeout=30)) == {"status": True, "body": {}}  # cancelled
