"""The gettext catalogues are complete and current: Babel's extraction over the code and the templates
(babel.cfg, run in-process) finds no text the Kazakh or Russian catalogue lacks, no msgstr is empty or
loses a placeholder, the committed .mo files are the compiled .po files, and a page, an API refusal and
an SMS come out in Kazakh and Russian from them (docs/translations.md)."""

from __future__ import annotations

import gettext
import io
import string
import threading
import tomllib
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flow_helpers import KNOWN_IIN, read_outbox

from eds_toolkit import otp
from eds_toolkit.flow import identification
from eds_toolkit.flow.owner_notices import notice_text
from eds_toolkit.registration.notices import applicant_code_text
from eds_toolkit.translations import DOMAIN, LANGUAGES, TRANSLATIONS_DIR, gettext_in, translator
from eds_toolkit.web import verdict_text
from webcam_flow.verdict import CHALLENGE_PHRASES

ROOT = Path(__file__).resolve().parents[2]
TRANSLATED = ("kk", "ru")
SKIPPED_DIRS = {"tests", "docs", "benchmarks", "node_modules", "artifacts", "scripts"}

Key = tuple[str | None, str]  # (msgctxt, msgid)


def extract(root: Path) -> dict[Key, str]:
    """What ``pybabel extract -F babel.cfg`` finds under ``root``: (msgctxt, msgid) -> its file."""
    with open(ROOT / "babel.cfg") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg, "babel.cfg")

    def wanted(dirname: str) -> bool:
        name = Path(dirname).name
        return not name.startswith((".", "_")) and name not in SKIPPED_DIRS

    found: dict[Key, str] = {}
    for filename, _lineno, message, _comments, context in extract_from_dir(
        str(root), method_map, options_map, directory_filter=wanted
    ):
        msgid = message[0] if isinstance(message, tuple) else message
        found.setdefault((context, msgid), filename)
    return found


def po_catalogue(language: str) -> Catalog:
    with open(TRANSLATIONS_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po", "rb") as po:
        return read_po(po, locale=language)


def entries(catalogue: Catalog) -> dict[Key, object]:
    return {(m.context, m.id[0] if isinstance(m.id, tuple) else m.id): m for m in catalogue if m.id}


def untranslated(extracted: dict[Key, str], catalogue: Catalog) -> list[Key]:
    """The extracted texts the catalogue has no (or an empty, or a fuzzy) translation for."""
    have = entries(catalogue)
    missing = []
    for key in extracted:
        message = have.get(key)
        strings = () if message is None else message.string
        strings = strings if isinstance(strings, tuple) else (strings,)
        if message is None or message.fuzzy or not all(s.strip() for s in strings):
            missing.append(key)
    return sorted(missing, key=str)


def placeholders(text: str) -> set[str]:
    return {field for _literal, field, _spec, _conversion in string.Formatter().parse(text) if field}


def placeholder_mismatches(catalogue: Catalog) -> list[tuple[str, str]]:
    """(msgid, msgstr) pairs whose ``{placeholders}`` differ."""
    wrong = []
    for message in catalogue:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        expected = set().union(*(placeholders(msgid) for msgid in ids))
        wrong += [(ids[0], text) for text in strings if text and placeholders(text) != expected]
    return wrong


def compiled(catalogue: Catalog) -> dict:
    buffer = io.BytesIO()
    write_mo(buffer, catalogue)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)._catalog


@pytest.fixture(scope="module")
def extracted() -> dict[Key, str]:
    return extract(ROOT)


# --- complete and current -----------------------------------------------------------------------------


def test_the_extraction_finds_the_texts_of_every_kind(extracted):
    files = set(extracted.values())
    for path in (
        "eds_toolkit/web/templates/start.html",  # a page
        "eds_toolkit/web/error_texts.py",  # the refusals, by code
        "webcam_flow/verdict.py",  # the verdicts
        "eds_toolkit/web/history_text.py",  # the cabinet's history
        "eds_toolkit/otp.py",  # an SMS
        "eds_toolkit/flow/owner_notices.py",
        "eds_toolkit/registration/notices.py",
    ):
        assert path in files, path
    assert ("invalid_iin", "The IIN is not valid: check the 12 digits.") in extracted
    assert (None, "Get an EDS remotely") in extracted
    assert len(extracted) > 300


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_extracted_text_is_translated(extracted, language):
    assert untranslated(extracted, po_catalogue(language)) == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_catalogues_hold_only_texts_the_code_still_uses(extracted, language):
    # what nobody uses any more belongs in the obsolete (#~) part that pybabel update keeps
    assert sorted(set(entries(po_catalogue(language))) - set(extracted), key=str) == []


def test_the_template_is_the_extraction(extracted):
    with open(TRANSLATIONS_DIR / "messages.pot", "rb") as pot:
        template = set(entries(read_po(pot)))
    assert template == set(extracted), "run scripts/translations extract (and update)"


@pytest.mark.parametrize("language", TRANSLATED)
def test_no_msgstr_drops_or_invents_a_placeholder(language):
    assert placeholder_mismatches(po_catalogue(language)) == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_committed_mo_is_the_compiled_po(language):
    with open(TRANSLATIONS_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.mo", "rb") as mo:
        committed = gettext.GNUTranslations(mo)._catalog
    assert committed == compiled(po_catalogue(language)), "run scripts/translations compile"


def test_the_wheel_carries_the_catalogues():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = pyproject["tool"]["setuptools"]["package-data"]["*"]
    assert {"*.po", "*.mo"} <= set(patterns)


def test_the_checks_catch_what_they_are_for(tmp_path):
    """The checks above can fail: an unmarked-in-the-catalogue text, a lost placeholder, a stale .mo."""
    (tmp_path / "eds_toolkit").mkdir()
    (tmp_path / "eds_toolkit" / "new_step.py").write_text(
        "from eds_toolkit.translations import NC_, N_, gettext_in\n"
        'A = N_("Get an EDS remotely")\n'
        'B = gettext_in("kk", "A sentence no translator has seen yet.")\n'
        'C = dict([NC_("invalid_iin", "The IIN is not valid: check the 12 digits.")])\n'
        'D = dict([NC_("new_code", "The IIN is not valid: check the 12 digits.")])\n'
    )
    found = extract(tmp_path)
    assert set(found) == {
        (None, "Get an EDS remotely"),
        (None, "A sentence no translator has seen yet."),
        ("invalid_iin", "The IIN is not valid: check the 12 digits."),
        ("new_code", "The IIN is not valid: check the 12 digits."),
    }
    assert set(untranslated(found, po_catalogue("ru"))) == {
        (None, "A sentence no translator has seen yet."),
        ("new_code", "The IIN is not valid: check the 12 digits."),  # a known text, but another code
    }

    broken = Catalog(locale="ru")
    broken.add("The server answered {status}. Please try again.", "Сервер ответил. Попробуйте снова.")
    broken.add("Code {code}.", "Код {kod}.")
    broken.add("({left} try left.)", "")  # empty: no placeholder to compare
    assert placeholder_mismatches(broken) == [
        ("The server answered {status}. Please try again.", "Сервер ответил. Попробуйте снова."),
        ("Code {code}.", "Код {kod}."),
    ]
    assert untranslated({(None, "({left} try left.)"): "x"}, broken) == [(None, "({left} try left.)")]

    stale = po_catalogue("kk")
    stale.get("Continue").string = "Жалғастыру!"  # a .po edited, its .mo not compiled again
    assert compiled(stale) != compiled(po_catalogue("kk"))


def test_marked_copies_of_english_kept_elsewhere_are_the_same():
    # the last refusal's sentence is the identification's English; instructions are the phrases capitalised
    assert verdict_text.SERVICE_CENTRE == identification.SERVICE_CENTRE
    assert set(verdict_text.CHALLENGE_INSTRUCTIONS) == {p.capitalize() for p in CHALLENGE_PHRASES.values()}


# --- what the citizen reads ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "title", "sentence"),
    [
        ("kk", "ЭЦҚ-ны қашықтан алу", "ЖСН-іңізді енгізіңіз"),
        ("ru", "Получить ЭЦП удалённо", "Введите ваш ИИН"),
        ("en", "Get an EDS remotely", "Enter your IIN"),
    ],
)
def test_a_page_comes_out_in_the_language_asked_for(client, language, title, sentence):
    page = client.get(f"/?lang={language}").get_data(as_text=True)
    assert title in page and sentence in page


@pytest.mark.parametrize(
    ("language", "detail"),
    [
        ("kk", "ЖСН қате: 12 санды тексеріңіз."),
        ("ru", "Неверный ИИН: проверьте 12 цифр."),
    ],
)
def test_an_api_refusal_comes_out_in_the_language_asked_for(client, language, detail):
    answer = client.post("/api/v1/enrolments", json={"iin": "12345", "language": language})
    assert answer.status_code == 422
    body = answer.get_json()
    assert (body["code"], body["detail"]) == ("invalid_iin", detail)


def test_an_sms_comes_out_in_the_enrolment_language(client, outbox):
    client.post("/api/v1/enrolments", json={"iin": KNOWN_IIN, "language": "kk"})
    assert read_outbox(outbox)[-1]["text"].startswith("Бір реттік код: ")


def test_sms_texts_are_translated_outside_a_request_in_another_thread():
    results: dict[str, str] = {}

    def send() -> None:  # what the delivery worker does: no app, no request
        results["kk"] = otp.sms_text("123456", language="kk")
        results["ru"] = otp.sms_text("123456", language="ru")
        results["en"] = otp.sms_text("123456", language="en")
        results["owner"] = notice_text("pin_reset", "ru", iin="850314012017")
        results["applicant"] = applicant_code_text("654321", "abcdef0123", language="kk")

    worker = threading.Thread(target=send)
    worker.start()
    worker.join()
    assert results == {
        "kk": "Бір реттік код: 123456. 5 минут жарамды. Кодты ешкімге айтпаңыз.",
        "ru": "Одноразовый код: 123456. Действует 5 минут. Никому не сообщайте код.",
        "en": "Your one-time code: 123456. Valid for 5 minutes. Never tell it to anyone.",
        "owner": "eds: PIN-код Digital ID для ИИН ...2017 изменён после удалённой идентификации. Это не вы? "
        "Позвоните 1414 или обратитесь в ЦОН.",
        "applicant": "654321 коды — тұрғылықты жері бойынша тіркеу туралы ABCDEF01 өтінішіңізге қол қою. "
        "5 минут жарамды. Кодты ешкімге айтпаңыз.",
    }


def test_one_catalogue_per_language_loaded_once_and_flask_babel_reads_the_same(app):
    assert translator("kk") is translator("kk-KZ") is translator("kk_KZ")
    assert translator("de") is translator("en")  # no catalogue: English, the msgids
    assert gettext_in("de", "Continue") == "Continue"
    assert app.config["BABEL_TRANSLATION_DIRECTORIES"] == str(TRANSLATIONS_DIR)
    from flask_babel import gettext as flask_gettext

    with app.test_request_context("/?lang=ru"):
        assert flask_gettext("Continue") == "Продолжить"
