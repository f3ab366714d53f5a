"""Every text on the flow's pages has a Kazakh and a Russian translation."""

from __future__ import annotations

import re
from pathlib import Path

import eds_toolkit.web
from eds_toolkit.web.i18n import ERRORS, MESSAGES

TEMPLATES = Path(eds_toolkit.web.__file__).parent / "templates"
FLOW_TEMPLATES = [
    "base.html",
    "error.html",
    "start.html",
    "code.html",
    "phone.html",
    "phone_confirm.html",
    "pin.html",
    "certificates.html",
    "issued.html",
    "done.html",
    "cabinet/login.html",
    "cabinet/home.html",
]
CALL = re.compile(r"""_\(\s*(["'])(.+?)\1\s*\)""")


def test_every_text_of_the_flow_pages_is_in_the_catalogue():
    missing = []
    for name in FLOW_TEMPLATES:
        for _quote, text in CALL.findall((TEMPLATES / name).read_text()):
            if text not in MESSAGES:
                missing.append((name, text))
    assert missing == []


def test_translations_are_filled_in_and_differ_from_english():
    for english, (kazakh, russian) in MESSAGES.items():
        assert kazakh.strip() and russian.strip(), english
        assert russian != english or english in {"PIN", "SMS code"}
    for code, texts in ERRORS.items():
        assert all(t.strip() for t in texts[1:]), code
