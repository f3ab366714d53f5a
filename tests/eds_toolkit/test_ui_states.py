"""What the pages hand the browser for their end states, in English, Kazakh and Russian (Flask client).

The browser side (the page script acting on these texts) is tests/e2e/test_page_states.py.
"""

from __future__ import annotations

import io
import json
import re

import numpy as np
import pytest
from flow_helpers import GOOD_PIN, KNOWN_IIN, KNOWN_PHONE, api_to_pin_set, code_for, make_settings
from PIL import Image

from eds_toolkit.flow.identification import IdentifyConfig
from eds_toolkit.web import create_app
from eds_toolkit.web.i18n import IDENTIFY_SCRIPT_TEXTS, LANGUAGES
from tests.catalogues import po_text

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
ISLAND = re.compile(r'<script type="application/json" id="identify-texts">(.*?)</script>', re.S)
UNREACHABLE = "We could not reach the signing agent: it is not running, or it does not trust this site yet."
SERVICE_CENTRE_RU = "Обратитесь в ЦОН с удостоверением личности, чтобы пройти идентификацию лично"


def _in(language: str, english: str) -> str:
    return po_text(language, english)


@pytest.fixture
def app(home, clock):
    one_try = IdentifyConfig(selfie_attempts=1)  # one try: the last
    return create_app(make_settings(home, clock, agent_url="ws://127.0.0.1:7777", identify=one_try))


def _token(client, path: str) -> str:
    match = TOKEN.search(client.get(path).get_data(as_text=True))
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def _phone_confirmed_on_pages(client, outbox) -> None:
    assert (
        client.post("/start", data={"csrf_token": _token(client, "/"), "iin": KNOWN_IIN}).status_code == 302
    )
    code = code_for(outbox, KNOWN_PHONE)
    response = client.post("/code", data={"csrf_token": _token(client, "/code"), "code": code})
    assert response.headers["Location"].endswith("/identification")


def _no_face_jpeg() -> bytes:
    grey = np.tile(np.linspace(40, 200, 320, dtype=np.uint8), (240, 1))
    out = io.BytesIO()
    Image.fromarray(np.dstack([grey, grey, grey])).save(out, "JPEG")
    return out.getvalue()


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_certificates_page_says_the_agent_may_be_off_or_not_trust_this_site(
    client, ctx, outbox, language
):
    enrolment = api_to_pin_set(client, ctx, outbox)
    with client.session_transaction() as session:
        session["enrolment_id"] = enrolment.id

    page = client.get(f"/certificates?lang={language}").get_data(as_text=True)

    assert f'<p id="agent-missing-why">{_in(language, UNREACHABLE)}</p>' in page
    # the test settings' agent is ws://127.0.0.1:7777, their portal http://127.0.0.1:5000: the command says so
    command = "eds agent --port 7777 --no-tls --origin http://127.0.0.1:5000"
    assert f'<code id="agent-command">{command}</code>' in page
    assert "is not running on this computer" not in page
    # the search in progress is neutral grey (the script turns "not found" into the amber warning)
    assert '<p id="agent-status" class="working"' in page
    assert f'data-missing="{_in(language, "Signing agent not found")}"' in page


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_identification_pages_give_their_script_the_failure_texts(client, outbox, language):
    _phone_confirmed_on_pages(client, outbox)

    page = client.get(f"/identification/selfie?lang={language}").get_data(as_text=True)
    texts = json.loads(ISLAND.search(page).group(1))

    assert set(texts) == set(IDENTIFY_SCRIPT_TEXTS)
    assert texts["identificationFailed"] == _in(language, "Identification failed")
    assert texts["backToStart"] == _in(language, "Back to the start")
    assert 'class="step-intro"' in page  # what the script hides once the step is over


def test_the_last_failed_try_answers_with_the_start_and_the_failed_page_says_it_once(client, outbox):
    _phone_confirmed_on_pages(client, outbox)
    client.get("/identification/selfie?lang=ru")

    answer = client.post(
        "/identification/selfie",
        data={
            "csrf_token": _token(client, "/identification/selfie"),
            "image": (io.BytesIO(_no_face_jpeg()), "a.jpg"),
        },
        headers={"Accept": "application/json"},
        content_type="multipart/form-data",
    )
    body = answer.get_json()

    # what identify.js turns into "Identification failed" + "Back to the start"
    assert (body["ok"], body["state"], body["next"]) == (False, "failed", "/")
    assert SERVICE_CENTRE_RU in body["message"]

    page = client.get("/identification/selfie").get_data(as_text=True)
    assert f"<h1>{po_text('ru', 'Identification failed')}</h1>" in page
    assert page.count(SERVICE_CENTRE_RU) == 1, "the service-centre sentence is shown once, not twice"
    back = po_text("ru", "Back to the start")
    assert f'class="button" href="/">{back}</a>' in page


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_cabinet_without_certificates_says_so_instead_of_an_empty_table(client, ctx, outbox, language):
    api_to_pin_set(client, ctx, outbox)
    form = {"csrf_token": _token(client, "/cabinet/login"), "iin": KNOWN_IIN, "pin": GOOD_PIN}
    assert client.post("/cabinet/login", data=form).headers["Location"].endswith("/cabinet/")

    page = client.get(f"/cabinet/?lang={language}").get_data(as_text=True)

    empty = _in(language, "No certificates yet: they appear here once they are issued.")
    assert f'<td colspan="6" id="no-certificates">{empty}</td>' in page
    assert page.count('<div class="table-scroll">') == 2  # both tables scroll inside their box on a phone
