"""The registration service in the personal cabinet: the catalogue's entry, the form's errors per field, the
review of the exact document with what the rules say, signing with the EDS (the CMS the agent makes) or an
SMS code, the decision (registered, refused with the explanation, returned, a service centre), the
owner's page, the History of services with the signature's verdict, and nobody else's application."""

from __future__ import annotations

import base64
import datetime as dt
import html
import re

import pytest
from flow_helpers import code_for, free_port, make_settings
from page_helpers import (
    NEW,
    STATE_RENTAL,
    ZHUMABEKOV_HOME,
    Registers,
    file_on_page,
    page_text,
    signed_in,
)
from registration_helpers import (
    APPLICANT_IIN,
    APPLICANT_PHONE,
    OWNER_IIN,
    OWNER_PHONE,
    STRANGER_IIN,
    certificates_for,
)
from sqlalchemy import func, select

from eds_toolkit.registration import ResidenceApplication, application_document, describe
from eds_toolkit.signatures import verify_cms
from eds_toolkit.web import create_app
from eds_toolkit.web.context import service

# the demo registers: AST-1001 is Жұмабеков's home; Smagulova, not an owner, asks his consent there
OWN_HOME, OWN_PHONE = APPLICANT_IIN, APPLICANT_PHONE  # Жұмабеков Асқар
GUEST, GUEST_PHONE = OWNER_IIN, OWNER_PHONE  # Smagulova Aigerim


@pytest.fixture
def app(home, clock):
    return create_app(make_settings(home, clock, load_demo_registers=True))


def application_count(ctx) -> int:
    with ctx.session() as session:
        return session.scalar(select(func.count()).select_from(ResidenceApplication))


def page_of(application_id: str) -> str:
    return f"/cabinet/services/applications/{application_id}"


def sign_with_eds(browser, application_id: str, cms: str):
    page = page_of(application_id)
    return browser.post_json_form(page, f"{page}/eds-signature", cms=cms)


def signed_by_agent(ctx, browser, application_id: str) -> None:
    """What eds agent's basics.sign makes (the document inside the CMS, the SIGN key), posted by the page."""
    document = application_document(ctx, application_id).encode()
    cms = certificates_for(ctx, browser.iin).cms(document, attached=True)
    answer = sign_with_eds(browser, application_id, cms)
    assert answer.status_code == 200, answer.get_json()


def test_signed_out_the_services_send_to_sign_in(client):
    for path in ("/cabinet/services/", NEW, "/cabinet/services/history", page_of("0" * 32)):
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"].endswith("/cabinet/login"), path
    refused = client.post(f"{page_of('0' * 32)}/eds-signature", data={"cms": "x"})
    assert refused.status_code == 400  # no form token: CSRF refuses before the view


def test_the_catalogue_leads_to_the_online_request(client, ctx):
    browser = signed_in(client, ctx, OWN_HOME)
    home = browser.get("/cabinet/")
    assert 'href="/cabinet/services/"' in home and 'href="/cabinet/services/history"' in home
    catalogue = browser.get("/cabinet/services/")
    headings = re.findall(r"<h[123][^>]*>(.*?)</h[123]>", catalogue)
    assert headings == ["Services", "Citizens", "Citizenship, migration and immigration"]
    assert 'id="service-residence-registration" href="/cabinet/services/residence-registration"' in catalogue
    service = browser.get("/cabinet/services/residence-registration")
    assert "Civil Code, article 16" in service
    assert f'id="online-request" href="{NEW}"' in service
    form = browser.get(NEW)
    for label in ('for="person_iin"', 'for="address_id"', 'for="owner_iin"', 'id="person-legend"'):
        assert label in form


def test_form_errors_are_shown_under_each_field_and_nothing_is_filed(client, ctx):
    browser = signed_in(client, ctx, OWN_HOME)
    empty = browser.post(NEW, NEW, person="", person_iin="", address_id=" ", owner_iin="")
    page = empty.get_data(as_text=True)
    assert empty.status_code == 422
    assert 'id="page-error"' in page and "data-decision" in page  # the summary, focused
    assert page_text(page, "person-error") == "Choose whom you register."
    assert page_text(page, "address_id-error") == (
        "Enter the address's number in the property register, e.g. AST-1001."
    )
    assert 'aria-invalid="true" aria-describedby="address_id-error address-id-hint"' in page
    assert re.search(
        r'id="person" role="radiogroup"[^>]*aria-invalid="true" aria-describedby="person-error"', page
    )
    assert "person_iin-error" not in page and "owner_iin-error" not in page

    typed = browser.post(NEW, NEW, person="other", person_iin="12345", address_id="AST 1001!", owner_iin="9")
    page = typed.get_data(as_text=True)
    assert page_text(page, "person_iin-error") == (
        "The IIN of the person you register is not valid: check the 12 digits."
    )
    assert page_text(page, "address_id-error").startswith("An address number is up to 40 Latin letters")
    assert page_text(page, "owner_iin-error") == "The owner's IIN is not valid: check the 12 digits."
    assert 'value="AST 1001!"' in page  # what was typed stays

    own = browser.post(NEW, NEW, person="other", person_iin=OWN_HOME, address_id=ZHUMABEKOV_HOME)
    assert (
        page_text(own.get_data(as_text=True), "person_iin-error") == "This is your own IIN: choose “Myself”."
    )
    unknown = browser.post(NEW, NEW, person="self", address_id="NOWHERE-1")  # the library's refusal
    assert unknown.status_code == 422
    assert "in neither the property register nor" in page_text(
        unknown.get_data(as_text=True), "address_id-error"
    )
    guest = signed_in(client, ctx, GUEST)  # not an owner of AST-1001, naming someone who is not either
    not_owner = guest.post(NEW, NEW, person="self", address_id=ZHUMABEKOV_HOME, owner_iin=STRANGER_IIN)
    assert "not an owner of this address" in page_text(not_owner.get_data(as_text=True), "owner_iin-error")
    assert application_count(ctx) == 0


def test_the_review_shows_exactly_the_document_signed_and_what_the_rules_say(client, ctx, app):
    browser = signed_in(client, ctx, GUEST)
    application_id = file_on_page(browser, ZHUMABEKOV_HOME)
    response = client.get(page_of(application_id))
    page = response.get_data(as_text=True)
    document = application_document(ctx, application_id)
    assert page_text(page, "document-text") == document
    data = re.search(r'data-document="([^"]+)"', page).group(1)
    assert base64.b64decode(data) == document.encode("utf-8")  # the bytes the agent is asked to sign
    assert f'data-iin="{GUEST}"' in page  # only the applicant's key is offered
    assert (
        page_text(page, "application-address")
        == "Астана, проспект Мәңгілік Ел 55, кв. 12 (register number AST-1001)"
    )
    assert page_text(page, "application-owner") == f"IIN {OWN_HOME}"  # the owner, from the register
    assert page_text(page, "application-person") == "The applicant"
    assert page_text(page, "preview-outcome") == "The owner will be asked to confirm"
    assert "the owner gets an SMS code from 1414" in page_text(page, "preview-message")
    agent_url = app.extensions["eds"].settings.agent_url
    assert agent_url in response.headers["Content-Security-Policy"]  # the page may talk to the agent
    assert 'src="/agent/eds-agent-client.js"' in page and 'src="/static/residence_sign.js"' in page
    assert 'src="/static/agent_signing.js"' in page


def test_an_eds_signature_files_it_and_the_history_shows_the_signed_copy_and_its_verdict(client, ctx):
    browser = signed_in(client, ctx, OWN_HOME)
    applicant = certificates_for(ctx, OWN_HOME)
    application_id = file_on_page(browser, ZHUMABEKOV_HOME)
    document = application_document(ctx, application_id)
    assert page_text(browser.get(page_of(application_id)), "preview-outcome") == "It will be registered"

    answer = sign_with_eds(browser, application_id, applicant.cms(document.encode(), attached=True))
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json() == {"ok": True, "next": page_of(application_id)}
    assert describe(ctx, application_id).status == "registered"

    result = browser.get(page_of(application_id))
    assert page_text(result, "page-notice") == "Your application is signed and filed."
    assert page_text(result, "application-status") == "Registered"
    assert page_text(result, "application-outcome") == (
        "You own or part-own this address: no owner's consent is needed."
    )
    assert "owner_consent: Passed" in page_text(result, "rules-checks")
    assert page_text(result, "document-text") == document  # kept with the signature
    assert page_text(result, "signed-with") == "EDS (SIGN certificate)"
    assert page_text(result, "verdict-summary") == "The signature is valid."
    assert page_text(result, "verdict-iin") == f"{OWN_HOME} — the applicant's IIN"
    assert page_text(result, "verdict-certificate") == f"SIGN {applicant.sign.serial_number:x}"
    chain = page_text(result, "verdict-chain")
    assert f"IIN{OWN_HOME}" in chain and "TEST" in chain
    assert page_text(result, "verdict-revocation").startswith("Not revoked (OCSP, ")
    assert "page-notice" not in browser.get(page_of(application_id))  # the notice is shown once

    history = browser.get("/cabinet/services/history")
    row = re.search(
        rf'<tr data-application="{application_id}" data-status="registered">(.*?)</tr>', history, re.S
    )
    assert row and "Registered" in row.group(1) and "Мәңгілік Ел 55" in html.unescape(row.group(1))

    downloaded = client.get(f"{page_of(application_id)}/document.json")
    assert downloaded.get_data() == document.encode("utf-8")
    signature = client.get(f"{page_of(application_id)}/signature.cms").get_data()
    assert signature.startswith(b"-----BEGIN CMS-----")
    der = base64.b64decode(b"".join(signature.splitlines()[1:-1]))
    authority = ctx.ca()
    kept = verify_cms(
        der, content=downloaded.get_data(), trust_roots=[authority.root_cert], at=ctx.now(), revocation="none"
    )
    assert kept.ok and kept.signer.iin == OWN_HOME


def test_the_verdict_still_shows_a_signature_made_before_its_certificate_was_revoked(client, ctx, clock):
    browser = signed_in(client, ctx, OWN_HOME)
    application_id = file_on_page(browser, ZHUMABEKOV_HOME)
    signed_by_agent(ctx, browser, application_id)
    clock.advance(60)
    sign_certificate = certificates_for(ctx, OWN_HOME).sign
    ctx.ca().store.revoke(f"{sign_certificate.serial_number:x}", "key_compromise", now=clock.now())
    result = browser.get(page_of(application_id))
    assert page_text(result, "verdict-summary") == "The signature is valid."  # as of its signing
    assert page_text(result, "verdict-revocation").startswith("Not revoked (OCSP")


def test_a_signature_the_page_cannot_accept_says_why_and_leaves_the_draft(client, ctx):
    browser = signed_in(client, ctx, OWN_HOME)
    applicant = certificates_for(ctx, OWN_HOME)
    stranger = certificates_for(ctx, STRANGER_IIN)
    application_id = file_on_page(browser, ZHUMABEKOV_HOME)
    document = application_document(ctx, application_id).encode()

    someone_else = sign_with_eds(browser, application_id, stranger.cms(document))
    assert someone_else.status_code == 422
    assert someone_else.get_json()["code"] == "signer_mismatch"
    assert "another person's certificate" in someone_else.get_json()["message"]
    auth_key = sign_with_eds(browser, application_id, applicant.cms(document, profile="auth"))
    assert auth_key.get_json()["message"] == (
        "The signature was not accepted: This is not a SIGN certificate: sign with your SIGN key "
        "(RSA256_…), not AUTH."
    )
    assert sign_with_eds(browser, application_id, "not a CMS").get_json()["code"] == "signature_unreadable"
    assert describe(ctx, application_id).status == "draft"


def test_sms_signature_then_the_owner_confirms_on_their_page(app, client, ctx, outbox, clock):
    browser = signed_in(client, ctx, GUEST)
    application_id = file_on_page(browser, ZHUMABEKOV_HOME)
    page = page_of(application_id)

    sent = browser.post(page, f"{page}/signing-code")
    assert sent.status_code == 302
    review = browser.get(page)
    assert "a code was sent to it from 1414" in page_text(review, "page-notice")
    wrong = browser.post(page, f"{page}/sms-signature", code="000000")
    assert wrong.status_code == 422
    wrong_page = wrong.get_data(as_text=True)
    assert "The code is wrong" in page_text(wrong_page, "page-error")
    assert (
        'id="code" name="code"' in wrong_page
        and 'aria-invalid="true" aria-describedby="page-error"' in wrong_page
    )
    signed = browser.post(page, f"{page}/sms-signature", code=code_for(outbox, GUEST_PHONE))
    assert signed.status_code == 302
    result = browser.get(page)
    assert page_text(result, "application-status") == "Waiting for the owner's consent"
    assert "has until" in page_text(result, "application-outcome")
    assert page_text(result, "signed-with") == "One-time SMS code"
    assert 'id="verdict"' not in result and 'id="download-signature"' not in result

    owner_client = app.test_client()
    owner = signed_in(owner_client, ctx, OWN_HOME)
    history = owner.get("/cabinet/services/history")
    assert f'href="/cabinet/services/consents/{application_id}"' in history
    consent_page = f"/cabinet/services/consents/{application_id}"
    consent = owner.get(consent_page)
    assert "Smagulova Aigerim Nurlanovna" in page_text(consent, "consent-request")
    assert page_text(consent, "document-text") == application_document(ctx, application_id)
    assert "Confirm or refuse by" in page_text(consent, "consent-deadline")
    wrong = owner.post(consent_page, f"{consent_page}/decision", code="000000", decision="confirm")
    assert wrong.status_code == 422 and 'aria-invalid="true"' in wrong.get_data(as_text=True)
    clock.advance(10 * 60)  # the first code (5 minutes) expired: the owner asks for another
    expired = owner.post(
        consent_page, f"{consent_page}/decision", code=code_for(outbox, OWN_PHONE), decision="confirm"
    )
    assert "expired" in page_text(expired.get_data(as_text=True), "page-error")
    assert owner.post(consent_page, f"{consent_page}/code").status_code == 302
    confirmed = owner.post(
        consent_page, f"{consent_page}/decision", code=code_for(outbox, OWN_PHONE), decision="confirm"
    )
    assert confirmed.status_code == 302
    decided = owner.get(consent_page)
    assert page_text(decided, "page-notice") == "You confirmed the registration at your home."
    assert page_text(decided, "application-status") == "Registered"
    assert page_text(browser.get(page), "application-status") == "Registered"
    assert "The owner of the home confirmed" in page_text(browser.get(page), "application-outcome")
    assert f"/consents/{application_id}" not in owner.get("/cabinet/services/history")


def test_the_owner_refuses_and_after_the_hour_it_is_returned(app, client, ctx, outbox, clock):
    browser = signed_in(client, ctx, GUEST)
    owner_client = app.test_client()
    owner = signed_in(owner_client, ctx, OWN_HOME)

    def signed_for_the_owner() -> str:
        clock.advance(61)  # one code a minute to a phone
        application_id = file_on_page(browser, ZHUMABEKOV_HOME)
        page = page_of(application_id)
        browser.post(page, f"{page}/signing-code")
        signed = browser.post(page, f"{page}/sms-signature", code=code_for(outbox, GUEST_PHONE))
        assert signed.status_code == 302
        return application_id

    refused_id = signed_for_the_owner()
    consent_page = f"/cabinet/services/consents/{refused_id}"
    owner.post(consent_page, f"{consent_page}/decision", code=code_for(outbox, OWN_PHONE), decision="decline")
    assert describe(ctx, refused_id).status == "rejected"
    assert "The owner of the home refused" in page_text(
        browser.get(page_of(refused_id)), "application-outcome"
    )

    late_id = signed_for_the_owner()
    late_page = f"/cabinet/services/consents/{late_id}"
    code = code_for(outbox, OWN_PHONE)
    clock.advance(dt.timedelta(hours=1).total_seconds())
    browser, owner = signed_in(client, ctx, GUEST), signed_in(owner_client, ctx, OWN_HOME)  # sessions ended
    shown = owner.get(late_page)
    assert page_text(shown, "application-status") == "Returned" and 'id="code"' not in shown
    too_late = owner.post(NEW, f"{late_page}/decision", code=code, decision="confirm")  # a form kept open
    assert too_late.status_code == 409
    assert "did not confirm within one hour" in page_text(too_late.get_data(as_text=True), "page-error")
    history = browser.get("/cabinet/services/history")
    assert f'data-application="{late_id}" data-status="returned"' in history
    assert f'data-application="{refused_id}" data-status="rejected"' in history


def test_the_rules_decide_on_the_pages_and_say_why(client, ctx):
    """A parent registers a 15-year-old (registered) but not a 13-year-old (refused, with the Civil Code's
    explanation before and after signing); an applicant not on a state rental contract is returned; an
    address part-owned by a minor goes to a service centre."""
    people = Registers(ctx)
    parent, fifteen, thirteen = people.person(44), people.person(15), people.person(13)
    people.parent_of(parent, fifteen)
    people.parent_of(parent, thirteen)
    family_home = people.owned((parent, "1"))
    mother, minor = people.person(39), people.person(12)
    shared_home = people.owned((mother, "1/2"), (minor, "1/2"))
    parent_browser = signed_in(client, ctx, parent)

    registered_id = file_on_page(parent_browser, family_home, person_iin=fifteen)
    review = parent_browser.get(page_of(registered_id))
    assert page_text(review, "application-person") == f"Тестова Person{fifteen[-4:]}, IIN {fifteen}"
    assert page_text(review, "preview-outcome") == "It will be registered"
    signed_by_agent(ctx, parent_browser, registered_id)
    assert page_text(parent_browser.get(page_of(registered_id)), "application-status") == "Registered"

    refused_id = file_on_page(parent_browser, family_home, person_iin=thirteen)
    review = parent_browser.get(page_of(refused_id))
    assert page_text(review, "preview-outcome") == "It will be refused"
    assert "article 16 of the Civil Code" in page_text(review, "preview-message")
    signed_by_agent(ctx, parent_browser, refused_id)
    result = parent_browser.get(page_of(refused_id))
    assert page_text(result, "application-status") == "Refused"
    assert page_text(result, "application-outcome").startswith(
        "Children under 14 are not registered on their own"
    )
    assert "under_14: Refused" in page_text(result, "rules-checks")
    history = parent_browser.get("/cabinet/services/history")
    assert f'data-application="{registered_id}" data-status="registered"' in history
    assert f'data-application="{refused_id}" data-status="refused"' in history

    guest = signed_in(client, ctx, GUEST)
    returned_id = file_on_page(guest, STATE_RENTAL)
    assert page_text(guest.get(page_of(returned_id)), "preview-outcome") == "It will be returned"
    signed_by_agent(ctx, guest, returned_id)
    result = guest.get(page_of(returned_id))
    assert page_text(result, "application-status") == "Returned"
    assert "local executive body (akimat)" in page_text(result, "application-outcome")

    mother_browser = signed_in(client, ctx, mother)
    offline_id = file_on_page(mother_browser, shared_home)
    assert page_text(mother_browser.get(page_of(offline_id)), "preview-outcome") == "It cannot be done online"
    signed_by_agent(ctx, mother_browser, offline_id)
    result = mother_browser.get(page_of(offline_id))
    assert page_text(result, "application-status") == "Only at a service centre"
    assert "only in person, at a public service centre" in page_text(result, "application-outcome")


def test_nobody_else_opens_or_signs_an_application(app, client, ctx):
    browser = signed_in(client, ctx, OWN_HOME)
    other_client = app.test_client()
    other = signed_in(other_client, ctx, GUEST)
    application_id = file_on_page(browser, ZHUMABEKOV_HOME)  # the applicant owns it: no consent asked
    page = page_of(application_id)
    for path in (
        page,
        f"{page}/document.json",
        f"{page}/signature.cms",
        f"/cabinet/services/consents/{application_id}",
    ):
        assert other_client.get(path).status_code == 404, path
    cms = certificates_for(ctx, GUEST).cms(application_document(ctx, application_id).encode())
    token = re.search(r'name="csrf_token" value="([^"]+)"', other.get(NEW)).group(1)
    refused = other_client.post(f"{page}/eds-signature", data={"cms": cms}, headers={"X-CSRFToken": token})
    assert refused.status_code == 404 and refused.get_json()["code"] == "application_not_found"
    assert describe(ctx, application_id).status == "draft"
    assert application_id not in other.get("/cabinet/services/history")


def test_when_a_register_does_not_answer_the_form_says_so_and_keeps_what_was_typed(home, clock):
    nobody_listens = f"http://127.0.0.1:{free_port()}/registry"
    app = create_app(
        make_settings(home, clock, load_demo_registers=True, property_registry_url=nobody_listens)
    )
    client, ctx = app.test_client(), service(app).flow
    browser = signed_in(client, ctx, GUEST)
    down = browser.post(NEW, NEW, person="self", address_id=ZHUMABEKOV_HOME)
    page = down.get_data(as_text=True)
    assert down.status_code == 503
    assert page_text(page, "page-error") == (
        "The registers cannot be checked right now. Nothing was changed; please try again later."
    )
    assert f'value="{ZHUMABEKOV_HOME}"' in page and 'id="person-self" value="self" checked' in page
    assert application_count(ctx) == 0
