"""The owner's consent in the owner's own cabinet: "Consents awaiting me", the consent document shown exactly
as signed, confirming by signing it with the SIGN key through the agent (``basics.sign``: the CMS is made
here by the library, as the agent makes it), with the SMS code as before, or refusing; one decision per
application, the server's hour, every decision audited, officers see the kept consent and its verdict.

Attacks first: nobody but the owner sees or confirms it (another citizen finds it "missing", the applicant
cannot confirm their own), and no signature but the owner's valid SIGN signature over this consent counts."""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
import threading

import pytest
from flow_helpers import code_for, make_settings, race
from page_helpers import NEW, ZHUMABEKOV_HOME, file_on_page, officer_signed_in, page_text, signed_in
from pg_server import empty_database
from registration_helpers import (
    APPLICANT_IIN,
    APPLICANT_PHONE,
    OWNER_IIN,
    STRANGER_IIN,
    certificates_for,
)
from sqlalchemy import select

from eds_toolkit.core.audit_models import AuditEvent
from eds_toolkit.registration import (
    ResidenceApplication,
    application_document,
    describe,
    file_application,
    owner_decides,
    sign_with_eds,
)
from eds_toolkit.registration.models import OwnerDecision
from eds_toolkit.registration.owner_consent import confirm_with_eds, consent_document, decline
from eds_toolkit.web import create_app
from eds_toolkit.web.context import service
from eds_toolkit.web.history_text import STEP_RECORDED, sentence_for

# the demo registers: AST-1001 is Жұмабеков's home; Smagulova asks to be registered there
OWNER, OWNER_PHONE = APPLICANT_IIN, APPLICANT_PHONE  # Жұмабеков Асқар Серікұлы
APPLICANT = OWNER_IIN  # Smagulova Aigerim Nurlanovna (the helpers' names are the API tests' roles)
CONSENTS = "/cabinet/services/consents"


@pytest.fixture
def app(home, clock):
    return create_app(make_settings(home, clock, load_demo_registers=True))


def consent_page(application_id: str) -> str:
    return f"{CONSENTS}/{application_id}"


def awaiting_owner(app, ctx) -> str:
    """Smagulova files at Жұмабеков's home and signs with her EDS: the application waits for him."""
    applicant = signed_in(app.test_client(), ctx, APPLICANT)
    application_id = file_on_page(applicant, ZHUMABEKOV_HOME)
    cms = certificates_for(ctx, APPLICANT).cms(
        application_document(ctx, application_id).encode(), attached=True
    )
    page = f"/cabinet/services/applications/{application_id}"
    signed = applicant.post_json_form(page, f"{page}/eds-signature", cms=cms)
    assert signed.status_code == 200, signed.get_json()
    assert describe(ctx, application_id).status == "awaiting_owner"
    return application_id


def consent_cms(ctx, signer_iin: str, document: str, *, profile: str = "sign") -> str:
    """What eds agent's basics.sign returns for ``document`` (inside the CMS), base64."""
    return certificates_for(ctx, signer_iin).cms(document.encode("utf-8"), profile=profile, attached=True)


def sign_consent(browser, application_id: str, cms: str):
    """What the consent page's script posts (the CSRF token in X-CSRFToken, as any page of the session
    has it)."""
    token = re.search(r'name="csrf_token" value="([^"]+)"', browser.get(NEW)).group(1)
    return browser.client.post(
        f"{consent_page(application_id)}/eds-signature", data={"cms": cms}, headers={"X-CSRFToken": token}
    )


def decisions(ctx, application_id: str) -> list[OwnerDecision]:
    with ctx.session() as session:
        return list(
            session.scalars(select(OwnerDecision).where(OwnerDecision.application_id == application_id))
        )


def owner_events(ctx, application_id: str) -> list[tuple[str, str, str | None]]:
    with ctx.session() as session:
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.action.like("application.owner%")).order_by(AuditEvent.id)
        ).all()
    return [
        (event.action, event.outcome, event.to_state)
        for event in events
        if f'"{application_id}"' in (event.detail or "")
    ]


# ----- attacks -----


def test_another_citizen_finds_the_consent_missing_and_cannot_confirm_it(app, ctx):
    application_id = awaiting_owner(app, ctx)
    stranger = signed_in(app.test_client(), ctx, STRANGER_IIN)
    document = consent_document(ctx, application_id)
    missing = "0" * 32
    assert application_id not in stranger.get(CONSENTS)
    assert stranger.client.get(consent_page(application_id)).status_code == 404
    page_of_theirs = stranger.client.get(consent_page(application_id)).get_data(as_text=True)
    page_of_none = stranger.client.get(consent_page(missing)).get_data(as_text=True)
    assert page_of_theirs.replace(application_id, missing) == page_of_none  # nothing says it exists

    theirs = sign_consent(stranger, application_id, consent_cms(ctx, STRANGER_IIN, document))
    none = sign_consent(stranger, missing, "x")
    assert theirs.status_code == none.status_code == 404
    assert theirs.get_json() == none.get_json()
    assert theirs.get_json()["code"] == "application_not_found"
    for decision in ("confirm", "decline"):
        refused = stranger.post(NEW, f"{consent_page(application_id)}/decision", decision=decision, code="")
        assert refused.status_code == 404
    assert describe(ctx, application_id).status == "awaiting_owner" and decisions(ctx, application_id) == []


def test_the_applicant_cannot_confirm_their_own_application(app, ctx):
    application_id = awaiting_owner(app, ctx)
    applicant = signed_in(app.test_client(), ctx, APPLICANT)
    document = consent_document(ctx, application_id)
    assert application_id not in applicant.get(CONSENTS)
    assert applicant.client.get(consent_page(application_id)).status_code == 404
    own = sign_consent(applicant, application_id, consent_cms(ctx, APPLICANT, document))
    assert own.status_code == 404
    declined = applicant.post(NEW, f"{consent_page(application_id)}/decision", decision="decline", code="")
    assert declined.status_code == 404
    # nor by handing their own signature to the owner's page
    owner = signed_in(app.test_client(), ctx, OWNER)
    handed = sign_consent(owner, application_id, consent_cms(ctx, APPLICANT, document))
    assert handed.status_code == 422 and handed.get_json()["code"] == "signer_mismatch"
    assert describe(ctx, application_id).status == "awaiting_owner" and decisions(ctx, application_id) == []


def test_no_signature_but_the_owners_valid_sign_signature_over_this_consent_counts(app, ctx, clock):
    application_id = awaiting_owner(app, ctx)
    other_id = awaiting_owner(app, ctx)
    owner = signed_in(app.test_client(), ctx, OWNER)
    document = consent_document(ctx, application_id)

    someone_else = sign_consent(owner, application_id, consent_cms(ctx, STRANGER_IIN, document))
    assert someone_else.status_code == 422 and someone_else.get_json()["code"] == "signer_mismatch"
    assert "owner" in someone_else.get_json()["message"]

    auth_key = sign_consent(owner, application_id, consent_cms(ctx, OWNER, document, profile="auth"))
    assert auth_key.status_code == 422
    assert "not a SIGN certificate" in auth_key.get_json()["message"]

    the_application = sign_consent(
        owner, application_id, consent_cms(ctx, OWNER, application_document(ctx, application_id))
    )
    another_consent = sign_consent(
        owner, application_id, consent_cms(ctx, OWNER, consent_document(ctx, other_id))
    )
    for over_another_document in (the_application, another_consent):
        assert over_another_document.status_code == 422
        assert over_another_document.get_json()["code"] == "signature_unreadable"
        assert "not this" in over_another_document.get_json()["message"]

    revoked = certificates_for(ctx, OWNER)
    ctx.ca().store.revoke(f"{revoked.sign.serial_number:x}", "key_compromise", now=clock.now())
    clock.advance(1)
    refused = sign_consent(owner, application_id, revoked.cms(document.encode(), attached=True))
    assert refused.status_code == 422 and refused.get_json()["code"] == "signature_refused"
    assert "had been revoked" in refused.get_json()["message"]
    assert sign_consent(owner, application_id, "not a CMS").get_json()["code"] == "signature_unreadable"

    assert describe(ctx, application_id).status == "awaiting_owner" and decisions(ctx, application_id) == []
    refusals = owner_events(ctx, application_id)
    assert len(refusals) == 6
    assert {(action, outcome) for action, outcome, _ in refusals} == {
        ("application.owner_sign_eds", "refused")
    }


def test_after_the_deadline_nothing_can_be_confirmed(app, ctx, clock, outbox):
    application_id = awaiting_owner(app, ctx)
    document = consent_document(ctx, application_id)
    sms_code = code_for(outbox, OWNER_PHONE)
    clock.advance(3600)  # the server's clock: exactly one hour after signing
    owner = signed_in(app.test_client(), ctx, OWNER)
    late = sign_consent(owner, application_id, consent_cms(ctx, OWNER, document))
    assert late.status_code == 409 and late.get_json()["code"] == "application_not_open"
    assert "did not confirm within one hour" in late.get_json()["message"]
    page = consent_page(application_id)
    by_code = owner.post(NEW, f"{page}/decision", decision="confirm", code=sms_code)  # a form kept open
    assert by_code.status_code == 409
    declined = owner.post(NEW, f"{page}/decision", decision="decline", code="")
    assert declined.status_code == 409
    assert describe(ctx, application_id).status == "returned" and decisions(ctx, application_id) == []
    assert application_id not in owner.get(CONSENTS)


def test_one_second_before_the_deadline_the_signature_still_counts(app, ctx, clock):
    """The hour is the server's: the deadline stored at signing against the server's clock. Here the stored
    deadline is moved to one second ahead (the test CA's OCSP answers with the real time, so the clock stays
    near it); a second later the same signature is refused."""
    application_id, late_id = awaiting_owner(app, ctx), awaiting_owner(app, ctx)
    with ctx.session() as session:
        for row in (
            session.get(ResidenceApplication, application_id),
            session.get(ResidenceApplication, late_id),
        ):
            row.owner_deadline = clock.now() + dt.timedelta(seconds=1)
        session.commit()
    owner = signed_in(app.test_client(), ctx, OWNER)
    answer = sign_consent(
        owner, application_id, consent_cms(ctx, OWNER, consent_document(ctx, application_id))
    )
    assert answer.status_code == 200, answer.get_json()
    assert describe(ctx, application_id).status == "registered"
    cms = consent_cms(ctx, OWNER, consent_document(ctx, late_id))
    clock.advance(1)
    assert sign_consent(owner, late_id, cms).status_code == 409
    assert describe(ctx, late_id).status == "returned"


# ----- the owner's cabinet -----


def test_consents_awaiting_me_lists_the_owners_open_requests(app, ctx):
    application_id = awaiting_owner(app, ctx)
    owner = signed_in(app.test_client(), ctx, OWNER)
    home = owner.get("/cabinet/")
    assert f'href="{CONSENTS}"' in home
    listed = owner.get(CONSENTS)
    row = re.search(rf'<tr data-application="{application_id}">(.*?)</tr>', listed, re.S)
    assert row, listed
    cells = dict(re.findall(r'<td class="([a-z-]+)">(.*?)</td>', row.group(1), re.S))
    assert cells["applicant"] == "Aigerim S***"  # masked: "Smagulova" is not on the list
    assert "Smagulova" not in listed and APPLICANT not in listed
    assert "Мәңгілік Ел 55" in cells["address"]
    assert cells["person"] == "The applicant"
    deadline = describe(ctx, application_id).owner_deadline
    assert re.fullmatch(r"[A-Z][a-z]{2} \d{1,2}, \d{4}, \d\d:\d\d GMT\+05:00", cells["deadline"]), cells
    assert cells["deadline"].endswith(f"{(deadline.hour + 5) % 24:02d}:{deadline.minute:02d} GMT+05:00")
    assert f'href="{consent_page(application_id)}"' in row.group(1)

    empty = signed_in(app.test_client(), ctx, STRANGER_IIN).get(CONSENTS)
    assert 'id="no-consents"' in empty


def test_the_owner_signs_the_consent_shown_and_it_is_kept_audited_and_seen_by_officers(app, ctx):
    application_id = awaiting_owner(app, ctx)
    owner = signed_in(app.test_client(), ctx, OWNER)
    document = consent_document(ctx, application_id)
    fields = json.loads(document)
    assert fields["type"] == "residence_owner_consent" and fields["owner_iin"] == OWNER
    assert fields["application_id"] == application_id and fields["applicant_iin"] == APPLICANT

    response = owner.client.get(consent_page(application_id))
    page = response.get_data(as_text=True)
    assert page_text(page, "consent-document-text") == document  # exactly as signed
    assert page_text(page, "document-text") == application_document(ctx, application_id)
    assert base64.b64decode(re.search(r'data-document="([^"]+)"', page).group(1)) == document.encode()
    assert f'data-iin="{OWNER}"' in page  # only the owner's SIGN key is offered
    assert 'src="/static/residence_sign.js"' in page and 'src="/static/agent_signing.js"' in page
    agent_url = app.extensions["eds"].settings.agent_url
    assert agent_url in response.headers["Content-Security-Policy"]

    owner_holder = certificates_for(ctx, OWNER)
    answer = sign_consent(owner, application_id, owner_holder.cms(document.encode(), attached=True))
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json() == {"ok": True, "next": consent_page(application_id)}
    view = describe(ctx, application_id)
    assert (view.status, view.outcome_reason) == ("registered", "owner_confirmed")
    decided = owner.get(consent_page(application_id))
    assert page_text(decided, "page-notice") == "You confirmed the registration at your home."
    assert page_text(decided, "application-status") == "Registered"
    assert application_id not in owner.get(CONSENTS)

    [kept] = decisions(ctx, application_id)
    assert (kept.decision, kept.method, kept.owner_iin) == ("confirmed", "eds", OWNER)
    assert kept.document == document and kept.signature_cms
    assert kept.signer_serial == f"{owner_holder.sign.serial_number:x}"
    verdict = json.loads(kept.verdict)
    assert verdict["ok"] is True and verdict["signer"]["iin"] == OWNER
    assert verdict["revocation"]["status"] == "good"
    assert owner_events(ctx, application_id) == [("application.owner_sign_eds", "ok", "registered")]
    assert sentence_for("application.owner_sign_eds", "ok") != STEP_RECORDED
    with ctx.session() as session:
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "application.owner_sign_eds")
        ).one()
    assert event.iin_hash == ctx.iin_hash(OWNER) and "BEGIN" not in (event.detail or "")

    applicant = signed_in(app.test_client(), ctx, APPLICANT)
    assert f'data-application="{application_id}" data-status="registered"' in applicant.get(
        "/cabinet/services/history"
    )
    result = applicant.get(f"/cabinet/services/applications/{application_id}")
    assert (
        page_text(result, "owner-consent") == "The owner confirmed it by signing the consent with their EDS."
    )

    officer_client = app.test_client()
    officer_signed_in(officer_client, ctx, "registration_officer", iin=STRANGER_IIN)
    officer = officer_client.get(f"/operator/applications/{application_id}").get_data(as_text=True)
    assert (
        page_text(officer, "owner-decision-text")
        == "Confirmed: signed with the owner's EDS (SIGN certificate)"
    )
    assert page_text(officer, "consent-document-text") == document
    assert page_text(officer, "consent-verdict-summary") == "The signature is valid."
    assert page_text(officer, "consent-verdict-iin") == f"{OWNER} — the owner's IIN"
    assert page_text(officer, "consent-verdict-revocation").startswith("Not revoked (OCSP")
    assert page_text(officer, "verdict-iin") == f"{APPLICANT} — the applicant's IIN"  # the application's own
    assert "eds" in page_text(
        officer_client.get("/operator/applications").get_data(as_text=True), f"owner-{application_id}"
    )


def test_one_decision_per_application(app, ctx, outbox):
    application_id = awaiting_owner(app, ctx)
    owner = signed_in(app.test_client(), ctx, OWNER)
    document = consent_document(ctx, application_id)
    sms_code = code_for(outbox, OWNER_PHONE)
    assert sign_consent(owner, application_id, consent_cms(ctx, OWNER, document)).status_code == 200
    again = sign_consent(owner, application_id, consent_cms(ctx, OWNER, document))
    assert again.status_code == 409 and again.get_json()["code"] == "application_not_open"
    page = consent_page(application_id)
    by_code = owner.post(NEW, f"{page}/decision", decision="confirm", code=sms_code)  # forms kept open
    refused = owner.post(NEW, f"{page}/decision", decision="decline", code="")
    assert by_code.status_code == refused.status_code == 409
    assert describe(ctx, application_id).status == "registered" and len(decisions(ctx, application_id)) == 1


def test_the_sms_code_still_confirms_and_is_kept_as_the_owners_decision(app, ctx, outbox):
    application_id = awaiting_owner(app, ctx)
    owner = signed_in(app.test_client(), ctx, OWNER)
    page = consent_page(application_id)
    confirmed = owner.post(page, f"{page}/decision", decision="confirm", code=code_for(outbox, OWNER_PHONE))
    assert confirmed.status_code == 302
    assert describe(ctx, application_id).status == "registered"
    [kept] = decisions(ctx, application_id)
    assert (kept.decision, kept.method, kept.signature_cms) == ("confirmed", "sms", None)
    assert owner_events(ctx, application_id)[-1] == ("application.owner_decision", "ok", "registered")
    applicant = signed_in(app.test_client(), ctx, APPLICANT)
    result = applicant.get(f"/cabinet/services/applications/{application_id}")
    assert page_text(result, "owner-consent") == "The owner confirmed it with the code sent to them by SMS."


def test_the_owner_refuses_from_the_cabinet_without_a_code(app, ctx):
    application_id = awaiting_owner(app, ctx)
    owner = signed_in(app.test_client(), ctx, OWNER)
    page = consent_page(application_id)
    refused = owner.post(page, f"{page}/decision", decision="decline", code="")
    assert refused.status_code == 302
    assert page_text(owner.get(page), "page-notice") == "You refused the registration at your home."
    view = describe(ctx, application_id)
    assert (view.status, view.outcome_reason) == ("rejected", "owner_declined")
    [kept] = decisions(ctx, application_id)
    assert (kept.decision, kept.method, kept.document) == ("declined", "cabinet", None)
    assert owner_events(ctx, application_id) == [("application.owner_decline", "ok", "rejected")]
    assert sentence_for("application.owner_decline", "ok") != STEP_RECORDED
    applicant = signed_in(app.test_client(), ctx, APPLICANT)
    assert f'data-application="{application_id}" data-status="rejected"' in applicant.get(
        "/cabinet/services/history"
    )
    confirming_without_a_code = signed_in(app.test_client(), ctx, OWNER)
    other_id = awaiting_owner(app, ctx)
    other = consent_page(other_id)
    no_code = confirming_without_a_code.post(other, f"{other}/decision", decision="confirm", code="")
    assert no_code.status_code == 422 and describe(ctx, other_id).status == "awaiting_owner"


# ----- two decisions at once -----


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def race_ctx(request, home, clock):
    """The service on SQLite, or on the session's PostgreSQL (a fresh database, made by the migrations)."""
    overrides = {}
    if request.param == "postgresql":
        postgres = request.getfixturevalue("postgres")
        empty_database(postgres.url)
        overrides["database_url"] = postgres.url
    app = create_app(make_settings(home, clock, load_demo_registers=True, **overrides))
    assert service(app).engine.dialect.name == request.param
    return service(app).flow


def test_decisions_at_once_one_wins(race_ctx, outbox):
    ctx = race_ctx
    filed = file_application(ctx, applicant_iin=APPLICANT, address_id=ZHUMABEKOV_HOME)
    application_id = filed.application.id
    applicant_cms = consent_cms(ctx, APPLICANT, application_document(ctx, application_id))
    assert sign_with_eds(ctx, application_id, applicant_cms.encode()).status == "awaiting_owner"
    cms = consent_cms(ctx, OWNER, consent_document(ctx, application_id)).encode()
    sms_code = code_for(outbox, OWNER_PHONE)
    steps = iter(
        [
            lambda: confirm_with_eds(ctx, application_id, cms),
            lambda: confirm_with_eds(ctx, application_id, cms),
            lambda: owner_decides(ctx, application_id, sms_code),
            lambda: owner_decides(ctx, application_id, sms_code, accept=False),
            lambda: decline(ctx, application_id),
            lambda: decline(ctx, application_id),
        ]
    )
    lock = threading.Lock()

    def one_of_them():
        with lock:
            step = next(steps)
        step()

    outcomes = race(6, one_of_them)

    assert len(outcomes) == 6 and outcomes.count("ok") == 1, outcomes
    assert set(outcomes) - {"ok"} <= {"application_not_open", "concurrent_change", "code_already_used"}
    [kept] = decisions(ctx, application_id)
    view = describe(ctx, application_id)
    assert view.status == ("registered" if kept.decision == "confirmed" else "rejected")
    decided = [event for event in owner_events(ctx, application_id) if event[1] == "ok"]
    assert len(decided) == 1, decided
