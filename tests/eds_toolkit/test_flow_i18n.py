"""Every text on the flow's pages has a Kazakh and a Russian translation."""

from __future__ import annotations

import re
from pathlib import Path

import eds_toolkit.web
from tests.catalogues import po_catalogue, po_text

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
            for language in ("kk", "ru"):
                try:
                    po_text(language, text)
                except KeyError:
                    missing.append((name, language, text))
    assert missing == []


def test_translations_are_filled_in_and_differ_from_english():
    for language in ("kk", "ru"):
        for message in po_catalogue(language):
            if not message.id:
                continue  # the header
            texts = message.string if isinstance(message.string, tuple) else (message.string,)
            assert all(text.strip() for text in texts), (language, message.id)
            assert language == "kk" or message.string != message.id or message.id in {"PIN", "SMS code"}
