"""The translators' texts as the tests expect them: read from the .po files, not through the app's loader.

``po_text("ru", "Identification failed")`` is the Russian msgstr of that English msgid (``context`` for a
refusal's code); English is the msgid itself.
"""

from __future__ import annotations

import functools

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from eds_toolkit.translations import DOMAIN, SOURCE_LANGUAGE, TRANSLATIONS_DIR


@functools.cache
def po_catalogue(language: str) -> Catalog:
    with open(TRANSLATIONS_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po", "rb") as po:
        return read_po(po, locale=language)


def po_text(language: str, english: str, context: str | None = None) -> str:
    """The msgstr for ``english`` (and ``context``) in ``language``; KeyError when it is not translated."""
    if language == SOURCE_LANGUAGE:
        return english
    message = po_catalogue(language).get(english, context=context)
    if message is None or not message.string:
        raise KeyError(f"{language}: no translation of {english!r} (context {context!r})")
    return message.string[0] if isinstance(message.string, tuple) else message.string
