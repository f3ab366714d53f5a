"""The portal's first and last steps as a citizen meets them: what to have ready before the IIN, the
camera and agent check after the SMS code, the application reviewed before issuance, and the rules of
the secrets the citizen invents listed before typing."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from html import unescape
from pathlib import Path

import pytest
from flow_helpers import GOOD_PIN, KNOWN_IIN, KNOWN_PHONE, code_for, submit

from eds_toolkit.pin import RULES
from eds_toolkit.web.i18n import IDENTIFY_SCRIPT_TEXTS, translate_to
from eds_toolkit.web.rule_texts import PASSWORD_RULE_TEXTS, PIN_RULE_TEXTS
from keystore.password_policy import PasswordRule
from tests.evidence_free import mark_identified

STATIC = Path(__file__).resolve().parents[2] / "eds_toolkit" / "web" / "static"


def enrolment_id(client) -> str:
    with client.session_transaction() as session:
        return session["enrolment_id"]


def to_phone_confirmed(client, outbox) -> str:
    assert submit(client, "/", "/start", iin=KNOWN_IIN).status_code == 302
    assert submit(client, "/code", "/code", code=code_for(outbox, KNOWN_PHONE)).status_code == 302
    return enrolment_id(client)


def to_pin_set(client, ctx, outbox, *, confirm_application: bool = False) -> str:
    identifier = to_phone_confirmed(client, outbox)
    mark_identified(ctx, identifier)
    assert submit(client, "/pin", "/pin", pin=GOOD_PIN, pin_confirmation=GOOD_PIN).status_code == 302
    if confirm_application:
        assert submit(client, "/certificates/review", "/certificates/review").status_code == 302
    return identifier


def described_by(page: str, field_id: str) -> str:
    """The text of the element the field ``field_id`` names in its aria-describedby."""
    field = re.search(rf'<input id="{field_id}"[^>]*>', page)
    assert field, f"no field {field_id}"
    described = re.search(r'aria-describedby="([^"]+)"', field.group(0))
    assert described, f"{field_id} has no aria-describedby"
    block = re.search(rf'<div class="rules" id="{described.group(1)}">(.*?)</div>', page, re.S)
    assert block, f"nothing with the id {described.group(1)}"
    return re.sub(r"<[^>]+>", " ", block.group(1))


# -- the rules of the secrets the citizen invents ----------------------------------------------------------


def test_every_rule_of_both_policies_has_its_words():
    assert set(PASSWORD_RULE_TEXTS) == set(PasswordRule)
    assert set(PIN_RULE_TEXTS) == {rule.name for rule in RULES}


def test_the_pin_page_lists_the_pin_rules_before_typing(client, ctx, outbox):
    identifier = to_phone_confirmed(client, outbox)
    mark_identified(ctx, identifier)
    page = client.get("/pin").get_data(as_text=True)
    rules = described_by(page, "pin")
    assert "exactly 6 digits" in rules
    assert "not your birth date" in rules
    assert "not a run of digits like 123456 or 654321" in rules


@pytest.mark.parametrize("field", ["password", "agent_password"])
def test_the_certificates_page_lists_the_password_rules_next_to_each_password_field(
    client, ctx, outbox, field
):
    to_pin_set(client, ctx, outbox, confirm_application=True)
    rules = described_by(client.get("/certificates?lang=en").get_data(as_text=True), field)
    assert "The keystore password must have:" in rules
    assert "at least 8 characters (at most 128)" in rules
    assert "not containing your IIN" in rules


# -- before you start ---------------------------------------------------------------------------------------


def test_the_start_page_says_what_to_have_ready_before_the_iin_is_asked(client):
    page = unescape(client.get("/?lang=en").get_data(as_text=True))
    before = page.index('id="before-you-start"')
    assert before < page.index('id="iin"')
    for need in ("need-id-card", "need-phone", "need-camera", "need-computer"):
        assert before < page.index(f'id="{need}"') < page.index('id="iin"'), need
    assert "mobile citizens' base (МАБ)" in page
    assert "service centre (ЦОН)" in page
    # a phone without a computer hears it here, with the way that works for it (the server's keystores)
    phone_only = re.search(r'id="need-computer-phone-only">(.*?)</p>', page, re.S).group(1)
    assert "Only a phone" in phone_only and "server make your keys" in phone_only
    assert re.search(r'<a id="before-agent-download" href="/downloads/eds-agent.deb" download>', page)


def test_the_installer_link_follows_the_setting(home, clock):
    from flow_helpers import make_settings

    from eds_toolkit.web import create_app

    settings = make_settings(home, clock, agent_download_url="https://downloads.example.kz/eds-agent.deb")
    page = create_app(settings).test_client().get("/").get_data(as_text=True)
    assert 'href="https://downloads.example.kz/eds-agent.deb"' in page


# -- the application reviewed before issuance ---------------------------------------------------------------


def test_the_certificates_page_first_shows_the_application_with_the_name_and_iin_from_the_base(
    client, ctx, outbox
):
    to_pin_set(client, ctx, outbox)
    answer = client.get("/certificates")
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/certificates/review")
    page = client.get("/certificates/review?lang=en").get_data(as_text=True)
    assert re.search(r'id="application-iin">850314312017<', page)
    assert re.search(r'id="application-surname">ЖҰМАБЕКОВ<', page)
    assert 'id="confirm-application"' in page

    assert submit(client, "/certificates/review", "/certificates/review").status_code == 302
    assert client.get("/certificates").status_code == 200  # now the keys can be made


def test_issuance_is_refused_until_the_application_is_confirmed_and_the_confirmation_is_audited(
    client, ctx, outbox
):
    from flow_helpers import GOOD_PASSWORD, api_to_pin_set, make_csr_pem
    from sqlalchemy import select

    from eds_toolkit.core.audit_models import AuditEvent

    enrolment = api_to_pin_set(client, ctx, outbox, confirm_application=False)
    shown = enrolment.client.get(f"/api/v1/enrolments/{enrolment.id}/application", headers=enrolment.auth)
    assert shown.status_code == 200
    assert shown.get_json()["iin"] == KNOWN_IIN and shown.get_json()["confirmed"] is False
    assert shown.get_json()["common_name"].startswith("ЖҰМАБЕКОВ ")

    csrs = {"auth_csr": make_csr_pem(KNOWN_IIN).decode(), "sign_csr": make_csr_pem(KNOWN_IIN).decode()}
    for body in (csrs, {"key_generation": "server", "password": GOOD_PASSWORD}):
        refused = enrolment.post("certificates", body)
        assert refused.status_code == 409
        assert refused.get_json()["code"] == "application_not_confirmed"
    assert enrolment.state() == "pin_set"

    confirmed = enrolment.post("application/confirm")
    assert confirmed.status_code == 200 and confirmed.get_json()["confirmed"] is True
    assert enrolment.post("application/confirm").status_code == 200  # once is enough; twice is harmless
    assert enrolment.post("certificates", csrs).status_code == 201

    with ctx.sessions() as session:
        actions = [
            (event.action, event.outcome)
            for event in session.scalars(select(AuditEvent).where(AuditEvent.enrolment_id == enrolment.id))
        ]
    assert actions.count(("confirm_application", "ok")) == 1
    assert actions.count(("issue_with_csrs", "refused")) == 1


def test_the_review_page_is_refused_before_the_pin(client, outbox):
    to_phone_confirmed(client, outbox)
    answer = client.get("/certificates/review")
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/identification")


# -- the camera and eds agent checked right after the SMS code ----------------------------------------------


def _page_script(harness: str, script: str, *arguments: str) -> dict:
    node = shutil.which("node")
    assert node, "Node.js is required (Debian package nodejs)"
    here = Path(__file__).resolve().parent
    result = subprocess.run(
        [node, str(here / "identification" / "js" / harness), str(STATIC / script), *arguments],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return json.loads(result.stdout)


def test_after_the_sms_code_the_identification_goes_through_the_camera_and_agent_check(client, outbox):
    to_phone_confirmed(client, outbox)
    intro = client.get("/identification").get_data(as_text=True)
    assert re.search(r'<a id="continue" href="/identification/check"', intro)
    answer = client.get("/identification/check?lang=en")
    assert answer.status_code == 200
    page = answer.get_data(as_text=True)
    assert 'id="camera"' in page and 'id="camera-status"' in page
    assert 'href="/downloads/eds-agent.deb"' in page  # the installer, for an agent not found
    assert "service centre (ЦОН)" in page  # the way forward without a camera
    assert re.search(r'<a id="continue" class="button" href="/identification/selfie">', page)  # no JS: go on
    assert "device_check.js" in page and "eds-agent-client.js" in page
    # the page may talk to the agent (and only this page and the certificates page may)
    assert "wss://127.0.0.1:13579" in answer.headers["Content-Security-Policy"]
    assert "wss://" not in client.get("/identification/selfie").headers["Content-Security-Policy"]


def test_the_check_page_belongs_to_its_step(client, ctx, outbox):
    identifier = to_phone_confirmed(client, outbox)
    mark_identified(ctx, identifier)
    answer = client.get("/identification/check")
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/pin")


def test_without_a_camera_the_check_stops_the_citizen_before_the_selfie_with_the_way_forward():
    for camera in ("denied", "none", "busy"):
        seen = _page_script("device_check.js", "device_check.js", camera, "found")
        assert seen["continue"] is False, camera  # no try is spent on a selfie that cannot be taken
        assert seen["help"] is True and seen["retry"] is True, camera
        assert seen["cameraRole"] == "alert", camera
    assert _page_script("device_check.js", "device_check.js", "denied", "found")["camera"] == "denied"
    assert _page_script("device_check.js", "device_check.js", "none", "found")["camera"] == "missing"


def test_with_a_camera_the_check_shows_its_picture_and_lets_the_citizen_on_whatever_the_agent():
    for agent, state in (
        ("found", "found"),
        ("missing", "missing"),
        ("other", "other-app"),
        ("refused", "refused"),  # the citizen pressed Refuse in the agent's "allow this site?" window
    ):
        seen = _page_script("device_check.js", "device_check.js", "ok", agent)
        assert seen["camera"] == "ok" and seen["preview"] is True and seen["continue"] is True
        assert seen["agent"] == state
        assert seen["agentHelp"] is (agent != "found")  # the installer link and the server fallback
        assert seen["cameraStopped"] is True  # the selfie page opens the camera again


def test_the_selfie_page_offers_no_photo_that_leads_into_a_video_check_without_a_camera():
    working = _page_script("selfie_fallback.js", "identify.js", "ok")
    assert working["fallbackOffered"] is False and working["captureEnabled"] is True
    denied = _page_script("selfie_fallback.js", "identify.js", "denied")
    assert denied["fallbackOffered"] is False and denied["captureEnabled"] is False
    assert denied["hint"] == "needs a camera" and denied["hintRole"] == "alert"


def test_the_selfie_pages_photo_form_without_javascript_says_the_video_check_needs_a_camera(client, outbox):
    to_phone_confirmed(client, outbox)
    page = client.get("/identification/selfie?lang=en").get_data(as_text=True)
    assert re.search(r'id="fallback-needs-camera">The video check after the selfie needs a camera', page)
    english = translate_to("en", IDENTIFY_SCRIPT_TEXTS["cameraFailedSelfie"])
    assert "video check" in english and "send a photo" not in english
