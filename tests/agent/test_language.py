"""Which language the agent's windows speak: the request's, the page's changeLocale, the system's, English."""

from __future__ import annotations

import json

import pytest

from eds_agent import language
from eds_agent.agent import build_dispatcher
from eds_agent.confirmation import ScriptedConfirmer
from eds_agent.issuance import Issuance
from eds_agent.language import current_language, parse_language, system_language


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("kk", "kk"),
        ("kz", "kk"),
        ("KK-kz", "kk"),
        ("ru_RU.UTF-8", "ru"),
        ("en-GB", "en"),
        ("de", None),
        ("C.UTF-8", None),
        (None, None),
        (7, None),
    ],
)
def test_languages_are_read_from_page_and_locale_names(value, expected):
    assert parse_language(value) == expected


def test_the_system_language_is_the_first_locale_variable_set():
    assert system_language({"LANG": "ru_RU.UTF-8"}) == "ru"
    assert system_language({"LC_ALL": "kk_KZ.UTF-8", "LANG": "ru_RU.UTF-8"}) == "kk"
    assert system_language({"LANG": "C.UTF-8"}) is None


class LanguageRecorder(ScriptedConfirmer):
    """Declines, remembering the language each question would have been shown in."""

    def __init__(self) -> None:
        super().__init__(yes=False)
        self.languages: list[str] = []

    def choose_folder(self, question):
        self.languages.append(current_language())
        return None


@pytest.fixture
def recorder(monkeypatch, tmp_path):
    monkeypatch.setattr(language, "_page_choice", None)
    monkeypatch.setenv("LANG", "ru_RU.UTF-8")
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    confirmer = LanguageRecorder()
    dispatcher = build_dispatcher(Issuance(confirmer, store=tmp_path / "k"), confirmer)

    def ask(args: dict) -> list[str]:
        dispatcher.handle(
            json.dumps({"module": "kz.eds.toolkit.issuance", "method": "chooseStore", "args": args}), None
        )
        return confirmer.languages

    return dispatcher, ask


def test_the_request_language_wins_then_change_locale_then_the_system(recorder):
    dispatcher, ask = recorder
    assert ask({})[-1] == "ru", "the system's LANG"
    assert ask({"locale": "kk"})[-1] == "kk", "the request's own"
    assert ask({})[-1] == "ru", "a request's language does not stick"
    dispatcher.handle(
        json.dumps({"module": "kz.gov.pki.knca.commonUtils", "method": "changeLocale", "args": ["en"]}), None
    )
    assert ask({})[-1] == "en", "the page's changeLocale"
    assert ask({"lang": "kz"})[-1] == "kk"
