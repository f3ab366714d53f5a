"""The pages for every reader: local times with their zone in the cabinet, errors tied to their fields,
the decision focusable, the language links in their own language."""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser

import pytest
from flow_helpers import (
    GOOD_PASSWORD,
    GOOD_PIN,
    KNOWN_IIN,
    KNOWN_PHONE,
    code_for,
    csrf,
    make_csr_pem,
    make_settings,
    submit,
)

from eds_toolkit.settings import Settings, SettingsError
from eds_toolkit.web import create_app
from tests.evidence_free import mark_identified


class Elements(HTMLParser):
    """Every start tag's attributes, by id, and the <a>/<strong> of the language switch."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.by_id: dict[str, dict[str, str | None]] = {}
        self.language_links: list[dict[str, str | None]] = []
        self._in_languages = False
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if "id" in values:
            self.by_id[values["id"]] = values
        if tag == "nav" and "languages" in (values.get("class") or ""):
            self._in_languages = True
        elif self._in_languages and tag in ("a", "strong"):
            self.language_links.append({"tag": tag, **values})

    def handle_endtag(self, tag):
        if tag == "nav":
            self._in_languages = False


def enrolment_id(client) -> str:
    with client.session_transaction() as session:
        return session["enrolment_id"]


def assert_tied(page: str, field: str) -> None:
    elements = Elements(page)
    assert elements.by_id[field].get("aria-invalid") == "true", f"{field} is not marked invalid"
    described = (elements.by_id[field].get("aria-describedby") or "").split()
    assert described and all(i in elements.by_id for i in described), f"{field} points at no error text"
    error = elements.by_id[described[0]]  # the error first, then what else describes the field (its rules)
    assert error.get("tabindex") == "-1" and "data-decision" in error


def assert_untied(page: str, field: str) -> None:
    assert "aria-invalid" not in Elements(page).by_id[field]


def test_iin_code_phone_pin_and_password_errors_are_tied_to_their_fields(client, ctx, outbox):
    bad_iin = submit(client, "/", "/start", iin="850314312018")
    assert_tied(bad_iin.get_data(as_text=True), "iin")
    assert_untied(client.get("/").get_data(as_text=True), "iin")

    submit(client, "/", "/start", iin=KNOWN_IIN)
    assert_tied(submit(client, "/code", "/code", code="000000").get_data(as_text=True), "code")
    assert_tied(submit(client, "/phone", "/phone", phone="12").get_data(as_text=True), "phone")
    assert submit(client, "/code", "/code", code=code_for(outbox, KNOWN_PHONE)).status_code == 302
    mark_identified(ctx, enrolment_id(client))
    weak = submit(client, "/pin", "/pin", pin="123456", pin_confirmation="123456")
    assert_tied(weak.get_data(as_text=True), "pin")
    mismatch = submit(client, "/pin", "/pin", pin=GOOD_PIN, pin_confirmation="385928")
    assert_tied(mismatch.get_data(as_text=True), "pin_confirmation")
    assert_untied(mismatch.get_data(as_text=True), "pin")
    submit(client, "/pin", "/pin", pin=GOOD_PIN, pin_confirmation=GOOD_PIN)
    submit(client, "/certificates/review", "/certificates/review")
    different = submit(
        client, "/certificates", "/certificates/server", password=GOOD_PASSWORD, password_confirmation="x"
    )
    assert_tied(different.get_data(as_text=True), "password")
    weak_password = submit(
        client, "/certificates", "/certificates/server", password="password", password_confirmation="password"
    )
    assert_tied(weak_password.get_data(as_text=True), "password")


def test_a_refusal_not_about_the_input_marks_no_field(client):
    submit(client, "/", "/start", iin=KNOWN_IIN)
    too_soon = submit(client, "/code", "/code/resend")  # the code was sent a moment ago
    assert too_soon.status_code == 429
    page = too_soon.get_data(as_text=True)
    assert "page-error" in Elements(page).by_id
    assert_untied(page, "code")


def test_the_decision_is_focusable_and_the_page_loads_the_script_that_focuses_it(client):
    page = submit(client, "/", "/start", iin="850314312018").get_data(as_text=True)
    error = Elements(page).by_id["page-error"]
    assert error.get("role") == "alert" and error.get("tabindex") == "-1"
    assert "/static/decision.js" in page
    assert client.get("/static/decision.js").status_code == 200


@pytest.mark.parametrize("shown", ["en", "kk", "ru"])
def test_language_links_say_their_own_language(client, shown):
    page = client.get(f"/?lang={shown}").get_data(as_text=True)
    links = Elements(page).language_links
    assert sorted(link["lang"] for link in links) == ["en", "kk", "ru"]
    for link in links:
        if link["tag"] == "a":
            assert link["hreflang"] == link["lang"]
        else:
            assert link["lang"] == shown


def cabinet_page(client, ctx, outbox, language: str) -> str:
    submit(client, "/", "/start", iin=KNOWN_IIN)
    submit(client, "/code", "/code", code=code_for(outbox, KNOWN_PHONE))
    mark_identified(ctx, enrolment_id(client))
    submit(client, "/pin", "/pin", pin=GOOD_PIN, pin_confirmation=GOOD_PIN)
    submit(client, "/certificates/review", "/certificates/review")
    client.post(
        "/certificates/csr",
        data={
            "csrf_token": csrf(client, "/certificates"),
            "auth_csr_file": (io.BytesIO(make_csr_pem(KNOWN_IIN)), "auth.csr"),
            "sign_csr_file": (io.BytesIO(make_csr_pem(KNOWN_IIN)), "sign.csr"),
        },
        content_type="multipart/form-data",
    )
    submit(client, "/cabinet/login", "/cabinet/login", iin=KNOWN_IIN, pin=GOOD_PIN)
    page = client.get(f"/cabinet/?lang={language}").get_data(as_text=True)
    return page.replace("\u202f", " ")  # CLDR puts a narrow no-break space before "г."


@pytest.mark.parametrize(
    "language, local",
    [
        ("en", "Mar 2, 2026, 15:00 GMT+05:00"),
        ("ru", "2 мар. 2026 г., 15:00 GMT+05:00"),
        ("kk", "2026 ж. 02 нау., 15:00 GMT+05:00"),
    ],
)
def test_cabinet_times_are_almaty_time_with_the_offset_in_the_page_language(
    client, ctx, outbox, language, local
):
    page = cabinet_page(client, ctx, outbox, language)  # the history's clock: 2026-03-02 10:00 UTC
    assert page.count(local) >= 4  # the history's lines
    assert "2026-03-02 10:00" not in page
    # the certificates' validity (the CA's own clock) is local time with the offset too
    dates = re.findall(r"<td>([^<]*)</td><td>([^<]*)</td><td class=\"status", page)
    assert len(dates) == 2 and all(d.endswith(" GMT+05:00") for pair in dates for d in pair)


def test_the_zone_is_a_setting(home, clock, outbox):
    app = create_app(make_settings(home, clock, time_zone="Europe/Moscow"))
    page = cabinet_page(app.test_client(), app.extensions["eds"].flow, outbox, "ru")
    assert "2 мар. 2026 г., 13:00 GMT+03:00" in page


def test_an_unknown_zone_is_refused_at_start(tmp_path):
    with pytest.raises(SettingsError, match="EDS_TIME_ZONE"):
        Settings.from_env({"EDS_TIME_ZONE": "Asia/Nowhere"}, home=tmp_path)
    assert Settings.from_env({}, home=tmp_path).time_zone == "Asia/Almaty"
