"""A Kazakh- or Russian-speaking citizen understands why a selfie, video or ID photo was refused: the
verdict sentences, the refusals and the page scripts' texts are in the page's language, while the
reason codes stay the stable English codes in the API and the audit log."""

from __future__ import annotations

import io
import json
import re
import threading
from pathlib import Path

import cv2
import numpy as np
import pytest
from flow_helpers import KNOWN_IIN, KNOWN_PHONE, api_start, code_for
from selenium.webdriver.common.by import By
from sqlalchemy import select
from werkzeug.serving import make_server

import eds_toolkit.web
from eds_toolkit.core.audit_models import AuditEvent
from eds_toolkit.flow import identification
from eds_toolkit.flow.identification import IssuedTask
from eds_toolkit.web import verdict_text
from eds_toolkit.web.i18n import IDENTIFY_SCRIPT_TEXTS
from tests.catalogues import po_text
from tests.e2e.browser import start_chromium, wait_for
from webcam_flow import verdict as verdict_module
from webcam_flow.liveness import Challenge, new_task
from webcam_flow.verdict import CHALLENGE_PHRASES, CHECKS, SUCCESS, UNKNOWN_REASON
from webcam_flow.verdict import MESSAGES as ENGLISH_REASONS

WEB = Path(eds_toolkit.web.__file__).parent
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
KAZAKH_LETTERS = set("әғқңөұүһі")
INDEX = {"kk": 0, "ru": 1}


def _no_face_jpeg() -> bytes:
    """A soft gradient: a valid picture without any face."""
    x = np.linspace(40, 200, 640, dtype=np.float32)
    y = np.linspace(0, 30, 480, dtype=np.float32)[:, None]
    grey = (x[None, :] + y).astype(np.uint8)
    ok, data = cv2.imencode(".jpg", np.dstack([grey, grey, np.flipud(grey)]))
    assert ok
    return data.tobytes()


NO_FACE = _no_face_jpeg()


def _token(client, path: str) -> str:
    page = client.get(path)
    assert page.status_code == 200, (path, page.status_code, page.headers.get("Location"))
    return TOKEN.search(page.get_data(as_text=True)).group(1)


def _phone_confirmed_on_pages(client, outbox, language: str) -> None:
    client.get(f"/?lang={language}")  # remembered in the session, as the language links do
    client.post("/start", data={"csrf_token": _token(client, "/"), "iin": KNOWN_IIN})
    code = code_for(outbox, KNOWN_PHONE)
    response = client.post("/code", data={"csrf_token": _token(client, "/code"), "code": code})
    assert response.headers["Location"].endswith("/identification")


def _send_selfie_form(client, headers: dict | None = None):
    return client.post(
        "/identification/selfie",
        data={
            "csrf_token": _token(client, "/identification/selfie"),
            "image": (io.BytesIO(NO_FACE), "s.jpg"),
        },
        headers=headers or {},
        content_type="multipart/form-data",
    )


def _audited_reasons(ctx, enrolment_id: str | None = None) -> list[str]:
    with ctx.sessions() as session:
        query = select(AuditEvent.reason).where(AuditEvent.action == "identify_selfie")
        if enrolment_id:
            query = query.where(AuditEvent.enrolment_id == enrolment_id)
        return list(session.scalars(query.order_by(AuditEvent.id)))


def _reason_codes_in_sources() -> set[str]:
    """Every reason code the checks decide on, read from the sources of webcam_flow and the flow's
    identification package."""
    # the folder of a module, not the package's __file__: with tests/ on sys.path, tests/webcam_flow/ makes
    # webcam_flow a namespace package whose __file__ is None
    library = Path(verdict_module.__file__).parent
    sources = [*library.glob("*.py"), *Path(identification.__file__).parent.glob("*.py")]
    found: set[str] = set()
    for source in sources:
        text = source.read_text()
        found.update(re.findall(r'reasons\.append\(f?"([a-z_]+)', text))
        found.update(re.findall(r'Verdict\.decide\(\s*"[a-z_]+",\s*\["([a-z_]+)"\]', text))
    return found


# --- the catalogue ---------------------------------------------------------------------------------


def test_every_reason_code_of_webcam_flow_has_a_kazakh_and_a_russian_sentence():
    codes_in_sources = _reason_codes_in_sources()
    assert {
        "no_face",
        "blurred",
        "static_frames",
        "no_face_on_reference",
        "challenge_missing",
    } <= codes_in_sources
    assert codes_in_sources <= set(ENGLISH_REASONS)
    assert all(po_text(lang, english) for english in ENGLISH_REASONS.values() for lang in INDEX)
    for code in ENGLISH_REASONS:
        kazakh = verdict_text.reason_sentence(f"{code}:blink", "kk")
        russian = verdict_text.reason_sentence(f"{code}:blink", "ru")
        for sentence in (kazakh, russian):
            assert sentence.endswith(".") and "{" not in sentence and "_" not in sentence, (code, sentence)
            assert sentence != verdict_text.reason_sentence(code, "en")
        assert KAZAKH_LETTERS & set(kazakh.lower()), (code, kazakh)
        assert not KAZAKH_LETTERS & set(russian.lower()), (code, russian)
        assert re.search("[а-яё]", russian), (code, russian)


def test_every_movement_has_an_instruction_and_a_missed_sentence_in_each_language():
    assert set(CHALLENGE_PHRASES) == {challenge.value for challenge in Challenge}
    for challenge in Challenge:
        missed = {
            lang: verdict_text.reason_sentence(f"challenge_missing:{challenge.value}", lang) for lang in INDEX
        }
        instruction = {lang: verdict_text.challenge_instruction(challenge.value, lang) for lang in INDEX}
        assert po_text("ru", CHALLENGE_PHRASES[challenge.value]) in missed["ru"]
        assert po_text("kk", CHALLENGE_PHRASES[challenge.value]) in missed["kk"]
        assert instruction["ru"] != instruction["kk"] != CHALLENGE_PHRASES[challenge.value].capitalize()
    assert verdict_text.challenge_instruction("turn_left", "en") == "Turn your head to your left"
    assert verdict_text.reason_sentence("challenge_missing:turn_left", "ru") == (
        "Мы не увидели, что вы повернули голову влево. Запишите видео заново и выполните каждое указание "
        "на экране."
    )


def test_every_check_has_a_success_sentence_and_unknown_codes_still_say_what_to_do():
    for check in CHECKS:
        for language in INDEX:
            assert verdict_text.verdict_sentences(check, [], language)[0] == po_text(language, SUCCESS[check])
    assert verdict_text.reason_sentence("something_new", "ru") == po_text("ru", UNKNOWN_REASON)
    not_seen_any = po_text("kk", verdict_text.CHALLENGE_NOT_SEEN_ANY)
    assert verdict_text.reason_sentence("challenge_missing:wink", "kk") == not_seen_any
    assert verdict_text.reason_sentence("something_new", "en").startswith("The check did not pass.")


def test_a_liveness_task_names_the_movements_in_the_page_language(app):
    task = new_task(now=0.0, count=2)
    issued = IssuedTask(task, 3.0, 2)
    with app.test_request_context("/?lang=kk"):
        body = verdict_text.task_json(issued)
    assert [c["code"] for c in body["challenges"]] == [c.value for c in task.challenges]
    assert [c["text"] for c in body["challenges"]] == [
        po_text("kk", CHALLENGE_PHRASES[c.value].capitalize()) for c in task.challenges
    ]
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert verdict_text.task_json(issued)["challenges"] == issued.as_json()["challenges"]


# --- a refused selfie, end to end ------------------------------------------------------------------


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_a_refused_selfie_shows_the_translated_sentence_on_the_page(client, ctx, outbox, language):
    _phone_confirmed_on_pages(client, outbox, language)
    response = _send_selfie_form(client)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'<html lang="{language}">' in page
    sentence = po_text(language, ENGLISH_REASONS["no_face"])
    tries = po_text(language, "({left} try left.)").format(left=2)
    result = re.search(r'<p id="result"[^>]*data-ok="false">([^<]*)</p>', page)
    assert result and result.group(1) == f"{sentence} {tries}"
    assert "We could not see a face" not in page

    body = _send_selfie_form(client, {"Accept": "application/json"}).get_json()
    assert body["code"] == "identification_refused" and body["reasons"] == ["no_face"]
    assert body["message"] == f"{sentence} {po_text(language, '({left} try left.)').format(left=1)}"
    assert _audited_reasons(ctx) == ["no_face", "no_face"]  # codes, never the translated text


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_a_refused_selfie_through_the_api_has_the_detail_in_the_asked_language(client, ctx, outbox, language):
    enrolment = api_start(client)
    assert enrolment.post("code", {"code": code_for(outbox, KNOWN_PHONE)}).status_code == 200

    def send(headers: dict):
        return client.post(
            f"/api/v1/enrolments/{enrolment.id}/selfie",
            data={"image": (io.BytesIO(NO_FACE), "s.jpg")},
            headers={**enrolment.auth, **headers},
            content_type="multipart/form-data",
        )

    refused = send({"Accept-Language": f"{language},en;q=0.5"})
    assert refused.status_code == 422 and refused.mimetype == "application/problem+json"
    body = refused.get_json()
    assert body["code"] == "identification_refused" and body["reasons"] == ["no_face"]
    assert body["detail"].startswith(po_text(language, ENGLISH_REASONS["no_face"]))
    assert body["attempts_left"] == 2

    english = send({"Accept-Language": "en"}).get_json()
    assert (
        english["detail"]
        == "We could not see a face. Face the camera in good light and try again. (1 try left.)"
    )

    failed = send({"Accept-Language": language}).get_json()
    assert failed["code"] == "identification_failed"
    assert failed["detail"].endswith(po_text(language, verdict_text.SERVICE_CENTRE))
    assert _audited_reasons(ctx, enrolment.id) == ["no_face"] * 3


def test_after_the_last_attempt_the_failed_page_speaks_the_citizens_language(client, outbox):
    _phone_confirmed_on_pages(client, outbox, "kk")
    for _ in range(3):
        _send_selfie_form(client, {"Accept": "application/json"})
    page = client.get("/identification/selfie").get_data(as_text=True)
    assert 'data-state="failed"' in page
    assert po_text("kk", verdict_text.SERVICE_CENTRE) in page and "service centre" not in page


def test_a_selfie_hint_comes_in_the_page_language(client, outbox):
    _phone_confirmed_on_pages(client, outbox, "ru")
    page = client.get("/identification/selfie").get_data(as_text=True)
    csrf = re.search(r'data-csrf="([^"]+)"', page).group(1)
    hint = client.post(
        "/identification/selfie/hint",
        data={"image": (io.BytesIO(NO_FACE), "h.jpg")},
        headers={"X-CSRFToken": csrf, "Accept": "application/json"},
        content_type="multipart/form-data",
    ).get_json()
    assert hint == {"ok": False, "reasons": ["no_face"], "message": po_text("ru", ENGLISH_REASONS["no_face"])}


# --- the page scripts' texts -----------------------------------------------------------------------


def _script_texts(page: str) -> dict[str, str]:
    island = re.search(r'<script type="application/json" id="identify-texts">(.*?)</script>', page, re.S)
    assert island, "no JSON island with the script's texts"
    return json.loads(island.group(1))


@pytest.mark.parametrize("language", ["en", "kk", "ru"])
def test_the_identification_script_gets_its_texts_in_the_page_language(client, outbox, language):
    _phone_confirmed_on_pages(client, outbox, language)
    page = client.get("/identification/selfie").get_data(as_text=True)
    texts = _script_texts(page)
    assert set(texts) == set(IDENTIFY_SCRIPT_TEXTS)
    for key, english in IDENTIFY_SCRIPT_TEXTS.items():
        expected = english if language == "en" else po_text(language, english)
        assert texts[key] == expected
        assert "{status}" not in english or "{status}" in texts[key]
    # the only inline <script> is data: the CSP (script-src 'self') runs nothing from the page
    inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", page)
    assert inline == [' type="application/json" id="identify-texts"']


def test_the_identification_script_shows_no_text_of_its_own():
    script = (WEB / "static" / "identify.js").read_text()
    used = set(re.findall(r"say\('([A-Za-z]+)'", script)) | set(
        re.findall(r"cameraFailed\(\w+, '(\w+)'", script)
    )
    assert used == set(IDENTIFY_SCRIPT_TEXTS)
    code = re.sub(r"/\*.*?\*/", "", script, flags=re.S)
    english_literals = [s for s in re.findall(r"'([^']*)'", code) if re.search(r"[A-Z][a-z]+ [a-z]+", s)]
    assert english_literals == []


def test_every_agent_text_the_certificates_script_reads_is_on_the_page():
    # the page's script and the one it shares with the renewal page (agent_keystores.js)
    script = "".join((WEB / "static" / name).read_text() for name in ("agent_keystores.js", "issuance.js"))
    template = (WEB / "templates" / "certificates.html").read_text()
    block = re.search(r'<div id="agent-messages"(.*?)></div>', template, re.S).group(1)
    shared = '{% include "_agent_keystore_texts.html" %}'  # the texts the renewal page says alike
    assert shared in block
    block = block.replace(shared, (WEB / "templates" / "_agent_keystore_texts.html").read_text())
    on_page = {
        re.sub(r"-([a-z])", lambda m: m.group(1).upper(), name)
        for name in re.findall(r"data-([a-z-]+)=", block)
    }
    read = set(re.findall(r"\btext\.([A-Za-z]+)", script))
    assert {"wrongPassword", "storeNotWritable", "diskFull", "enrolmentMismatch", "weakPasswordRules"} <= read
    assert read <= on_page


def test_long_keystore_names_wrap_on_the_certificates_page():
    css = (WEB / "static" / "style.css").read_text()
    rule = re.search(r"([^{}]*)\{[^}]*overflow-wrap:\s*anywhere", css)
    assert rule and ".agent-file" in rule.group(1) and "#agent-folder-used" in rule.group(1)


# --- in a real browser ----------------------------------------------------------------------------


TEXT_RECORDER = """
window.shownTexts = [];
new MutationObserver(function () {
  ['hint', 'result'].forEach(function (id) {
    var element = document.getElementById(id);
    var text = element && element.textContent.trim();
    if (text && window.shownTexts.indexOf(text) < 0) { window.shownTexts.push(text); }
  });
}).observe(document, { subtree: true, childList: true, characterData: true });
"""


@pytest.fixture
def served(app):
    """The app on a loopback port, in a thread of this process."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(10)


@pytest.fixture
def chromium(tmp_path):
    """Headless Debian Chromium whose webcam is Chromium's synthetic test pattern (no face in it)."""
    driver = start_chromium(None, tmp_path / "chromium-profile")
    yield driver
    driver.quit()


@pytest.mark.browser
def test_the_selfie_page_script_speaks_kazakh_in_a_real_browser(served, chromium, outbox):
    """identify.js reads its texts from the page and shows the server's Kazakh sentences: the live hint
    for a camera picture without a face, then the refused selfie with the attempts left."""
    chromium.get(f"{served}/?lang=kk")
    chromium.find_element(By.ID, "iin").send_keys(KNOWN_IIN)
    chromium.find_element(By.ID, "iin").submit()
    wait_for(lambda: chromium.current_url.endswith("/code"), 15, message="the code page")
    chromium.find_element(By.ID, "code").send_keys(code_for(outbox, KNOWN_PHONE))
    chromium.find_element(By.ID, "code").submit()
    wait_for(lambda: chromium.current_url.endswith("/identification"), 15, message="the identification page")
    # Every text #hint and #result show, recorded from before the page's own script runs.
    chromium.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": TEXT_RECORDER})
    chromium.find_element(By.ID, "continue").click()
    # the camera and agent check: its Continue shows once the camera works
    wait_for(lambda: chromium.current_url.endswith("/identification/check"), 15, message="the check page")
    wait_for(
        lambda: chromium.find_element(By.ID, "continue").is_displayed(), 15, message="the camera to work"
    )
    chromium.find_element(By.ID, "continue").click()
    wait_for(lambda: chromium.current_url.endswith("/identification/selfie"), 15, message="the selfie page")

    no_face = po_text("kk", ENGLISH_REASONS["no_face"])
    hint = chromium.find_element(By.ID, "hint")
    wait_for(lambda: hint.text == no_face, 30, message=f"the Kazakh hint, got {hint.text!r}")
    assert hint.get_attribute("data-ok") == "false"

    capture = chromium.find_element(By.ID, "capture")
    wait_for(capture.is_enabled, 15, message="the selfie button")
    capture.click()
    result = chromium.find_element(By.ID, "result")
    wait_for(lambda: result.get_attribute("data-ok") == "false", 30, message="the decision")
    assert result.text == f"{no_face} {po_text('kk', '({left} try left.)').format(left=2)}"
    assert chromium.find_element(By.TAG_NAME, "html").get_attribute("lang") == "kk"
    shown = chromium.execute_script("return window.shownTexts")
    kazakh = {key: po_text("kk", english) for key, english in IDENTIFY_SCRIPT_TEXTS.items()}
    assert kazakh["lookingAtPicture"] in shown and kazakh["checkingSelfie"] in shown, shown
    assert not [text for text in shown if re.search(r"[A-Za-z]{4,} [a-z]{2,}", text)], shown
