"""The glossary: one Kazakh and one Russian word per meaning, the eGov remote-EDS guide's own terms.

Checked over every kk and ru msgstr of the portal's gettext catalogues and over the agent's own table
(``eds_agent.messages``). A term rule says: when the English text means X, the translation uses the
glossary's word for X. A forbidden phrase is a wording once found wrong (ambiguous, English word order,
another spelling of a glossary term). Each failure names the offending msgid.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from babel.messages.pofile import read_po

from eds_agent.messages import MESSAGES, RULES
from eds_toolkit.translations import DOMAIN, TRANSLATIONS_DIR

LANGUAGES = ("kk", "ru")

# (meaning, regex over the English text, {language: regex the translation must match})
TERMS: list[tuple[str, str, dict[str, str]]] = [
    ("EDS", r"\bEDS\b", {"ru": "ЭЦП", "kk": "ЭЦҚ"}),
    ("IIN", r"\bIIN\b", {"ru": "ИИН", "kk": "ЖСН"}),
    ("service centre", r"service centre|ЦОН", {"ru": "ЦОН", "kk": "ХҚКО"}),
    (
        "mobile citizens' base",
        r"mobile[- ]citizens",
        {"ru": r"(?i)баз\w* мобильных граждан", "kk": "(?i)мобильді азаматтар базас"},
    ),
    (
        "citizens register",
        r"(?<!mobile )(?<!mobile-)citizens (register|base)\b",
        {"ru": "(?i)реестр", "kk": "(?i)тізілім"},
    ),
    ("password", r"\bpasswords?\b", {"ru": "(?i)парол", "kk": "(?i)құпиясөз"}),
    ("download (the verb)", r"(?i)(?<!lost )\bdownload(ed)?\b", {"ru": "(?i)скач", "kk": "(?i)жүктеп ал"}),
    ("upload", r"(?i)\bupload", {"ru": "(?i)загруз", "kk": "(?i)жүкте(?!п ал)"}),
    ("Digital ID (a name)", r"Digital ID", {"ru": "Digital ID", "kk": "Digital ID"}),
    ("NCALayer (a name)", r"NCALayer", {"ru": "NCALayer", "kk": "NCALayer"}),
]

# (language, regex, why): wordings that must not come back
FORBIDDEN: list[tuple[str, str, str]] = [
    ("ru", "ЭЦҚ|ЖСН|ХҚКО", "a Kazakh term in Russian"),
    ("kk", "ЭЦП|ИИН|ЦОН", "a Russian term in Kazakh"),
    ("ru", r"(?i)центр\w* обслуживания", "the service centre is ЦОН, one word everywhere"),
    ("kk", r"(?i)қызмет көрсету орталығ", "the service centre is ХҚКО, one word everywhere"),
    ("ru", r"\bБМГ\b", "the base is «база мобильных граждан», spelled out everywhere"),
    ("kk", r"\bМАБ\b", "the base is «мобильді азаматтар базасы», spelled out everywhere"),
    ("ru", r"(?i)баз\w* граждан(?<!мобильных граждан)", "the citizens register is «реестр граждан»"),
    ("kk", r"(?i)(?<!мобильді )азаматтар базас", "the citizens register is «азаматтар тізілімі»"),
    ("kk", r"(?i)құпия сөз", "the password is «құпиясөз» (one word, as the guide and the agent)"),
    ("kk", r"(?i)бейнетексер", "the video check is «бейне тексеру» (two words)"),
    ("kk", r"(?i)\bбеттер", "«беттер» reads as pages: faces are «бет-әлпет»"),
    ("kk", r"(?i)\bбетті салыстыр", "«бетті салыстыру» reads as comparing pages: «бет-әлпетті салыстыру»"),
    ("kk", r"(?:^|[.:!?]\s)Бет\b(?!-)", "a sentence opening on bare «Бет» reads as «page»: «Бет-әлпет»"),
    ("kk", r"(?i)мен үшін жасаңыз", "English word order of «Make the keys for me»"),
    ("kk", r"(?i)бір рет жүктеледі", "«жүктеледі» is upload: downloaded once is «бір рет жүктеп алынады»"),
    ("kk", r"(?i)қайта жүктей аласыз", "download again is «қайта жүктеп ала аласыз»"),
    ("kk", r"(?i)цифр", "a digit is «сан», as everywhere else"),
    (
        "kk",
        r"(?i)шығарыл|сертификат[^.:]*шығар|шығарып жатыр",
        "certificates are «берілді» (issued), as in the SMS and the cabinet: one word per meaning",
    ),
    ("ru", r"(?i)за меня", "«Создайте ключи за меня» is English word order: «Создать ключи на сервере»"),
    ("ru", r"(?i)Я создал ключи командой", "«Я уже создал ключи (eds keystore new)»"),
    ("ru", r"(?i)Неверный код: осталось попыток:", "two colons: «Неверный код. Осталось попыток: N.»"),
    ("ru", r"(?i)ИИН неверен", "«Неверный ИИН»"),
]


def _plain(text: str | tuple[str, ...]) -> tuple[str, ...]:
    return text if isinstance(text, tuple) else (text,)


def translations() -> Iterator[tuple[str, str, str, str]]:
    """(where, language, English, translation) for every kk and ru text of the portal and the agent."""
    for language in LANGUAGES:
        with open(TRANSLATIONS_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po", "rb") as po:
            catalogue = read_po(po, locale=language)
        for message in catalogue:
            if not message.id:
                continue
            english = " | ".join(_plain(message.id))
            where = f"portal msgid {english!r}" + (f" (msgctxt {message.context})" if message.context else "")
            for text in _plain(message.string):
                yield where, language, english, text
        for key, texts in MESSAGES.items():
            yield f"agent message {key!r}", language, texts["en"], texts[language]
        for rule, texts in RULES.items():
            yield f"agent rule {rule.name}", language, texts["en"], texts[language]


def test_every_text_uses_the_glossary_terms() -> None:
    wrong = [
        f"{language} {where}: {meaning} is /{required}/ here: {text!r}"
        for where, language, english, text in translations()
        for meaning, meaning_in_english, required_by_language in TERMS
        if re.search(meaning_in_english, english)
        and (required := required_by_language[language])
        and not re.search(required, text)
    ]
    assert not wrong, "\n".join(wrong)


def test_no_text_uses_a_forbidden_wording() -> None:
    wrong = [
        f"{language} {where}: {why}: {text!r}"
        for where, language, _english, text in translations()
        for forbidden_language, pattern, why in FORBIDDEN
        if forbidden_language == language and re.search(pattern, text)
    ]
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_glossary_reaches_the_texts(language: str) -> None:
    """The check runs over both sources: the portal's catalogue and the agent's table."""
    wheres = {where.split()[0] for where, text_language, _, _ in translations() if text_language == language}
    assert wheres == {"portal", "agent"}


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_agent_says_nothing_in_english_to_a_kazakh_or_russian_citizen(language: str) -> None:
    """Every text of the agent's windows and terminal (its prompts and hints too) is translated."""
    untranslated = [
        where
        for where, text_language, english, text in translations()
        if where.startswith("agent") and text_language == language and text == english
    ]
    assert not untranslated, untranslated
