"""The gettext catalogues of eds-toolkit and the functions reading them, in a request or outside one.

``<language>/LC_MESSAGES/messages.po`` beside this file holds every text a citizen reads (pages, API
refusals, verdicts, the cabinet's history, SMS) in Kazakh, Russian and English; ``messages.mo`` is its
compiled form, committed beside it. The msgid is the English text; refusals keyed by a code carry the
code as the msgctxt. English is the source language: its catalogue is empty, so English is the msgid.
How to update them: docs/translations.md.

Nothing here needs Flask: the SMS a delivery thread sends and the command line translate with
:func:`gettext_in`, the pages with ``eds_toolkit.web.i18n`` (the request's language), both through the
same cached :func:`translator`.
"""

from __future__ import annotations

import functools
import gettext
from pathlib import Path

from babel.support import Translations

TRANSLATIONS_DIR = Path(__file__).resolve().parent
DOMAIN = "messages"
LANGUAGES = ("en", "kk", "ru")
SOURCE_LANGUAGE = "en"


def N_(message: str) -> str:  # noqa: N802 (gettext's name)
    """Mark ``message`` for extraction without translating it (module-level constants, tables)."""
    return message


def NC_(context: str, message: str) -> tuple[str, str]:  # noqa: N802
    """Mark ``message`` for extraction under ``context`` (its msgctxt); gives back both."""
    return context, message


def base_language(language: str | None) -> str:
    """``kk-KZ`` -> ``kk``; a language without a catalogue (or none) -> English."""
    base = (language or SOURCE_LANGUAGE).split("-")[0].split("_")[0].lower()
    return base if base in LANGUAGES else SOURCE_LANGUAGE


@functools.cache
def _load(language: str) -> Translations:
    catalogue = Translations.load(str(TRANSLATIONS_DIR), [language], DOMAIN)
    if not isinstance(catalogue, Translations):  # Babel gives NullTranslations when the .mo is missing
        raise FileNotFoundError(
            f"no compiled catalogue {TRANSLATIONS_DIR}/{language}/LC_MESSAGES/{DOMAIN}.mo"
        )
    return catalogue


def translator(language: str | None) -> gettext.NullTranslations:
    """The catalogue of ``language`` (en, kk, ru; ``kk-KZ`` is kk; others English), loaded once."""
    return _load(base_language(language))


def _format(text: str, params: dict[str, object]) -> str:
    # the texts use str.format placeholders ({left}); without parameters a text is returned as it is
    return text.format(**params) if params else text


def gettext_in(language: str | None, message: str, **params: object) -> str:
    """``message`` (English, the msgid) in ``language``, its ``{placeholders}`` filled from ``params``."""
    return _format(translator(language).gettext(message), params)


def pgettext_in(language: str | None, context: str, message: str, **params: object) -> str:
    """Like :func:`gettext_in` for the msgid ``message`` under the msgctxt ``context``."""
    return _format(translator(language).pgettext(context, message), params)


def ngettext_in(language: str | None, singular: str, plural: str, n: int, **params: object) -> str:
    """The form of ``singular``/``plural`` for the number ``n`` in ``language``."""
    return _format(translator(language).ngettext(singular, plural, n), params)
