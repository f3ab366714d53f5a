"""A service centre's decision on an application sent offline (an address owned by a minor or someone
found incapable): a registration officer records in the console, after a review step, that it was
registered (with what was checked) or refused (with a reason and a note). One decision per application,
only by a registration officer who is not a party to it, only on a ``sent_offline`` application; the
citizen's History of services, the API and an SMS tell the outcome."""

from __future__ import annotations

import base64
import json
import re

import pytest
from flow_helpers import code_for, make_settings, race, read_outbox
from page_helpers import Registers, signed_in
from registration_helpers import certificates_for
from sqlalchemy import select

from eds_toolkit.core.audit_models import AuditEvent
from eds_toolkit.operators.offline_decisions import OfflineDecision, decide
from eds_toolkit.operators.registry import add_operator, operator_by_iin
from eds_toolkit.operators.signin import SignedIn
from eds_toolkit.web import create_app
from eds_toolkit.web.context import service
from eds_toolkit.web.history_text import sentence_for
from tests.eds_toolkit.operator_console.operator_helpers import challenge, post_signature

OFFICER_IIN = "650509366054"  # a demo citizen with no part in the applications below
SECOND_OFFICER_IIN = "781102444036"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
TOKEN = re.compile(r'name="review_token" value="([^"]+)"')
ACTION = "application.service_centre_decision"
BOTH_CHECKS = ["identity_document", "owner_permission"]
WITHDRAWN = {"reason": "service_centre_withdrawn", "note": "Заявитель отозвал заявление"}
_phones = iter(range(3_000_000, 4_000_000))


class Offline:
    """An application a test's own applicant signed by SMS at an address half-owned by their child of 10:
    the rules sent it to a service centre."""

    def __init__(self, client, ctx, outbox, registers: Registers, *, co_owner: str | None = None) -> None:
        self.client, self.ctx = client, ctx
        self.phone = f"+7702{next(_phones):07d}"
        self.applicant = registers.person(40, phone=self.phone)
        child = registers.person(10)
        owners = [(self.applicant, "1/2"), (child, "1/4" if co_owner else "1/2")]
        if co_owner:
            owners.append((co_owner, "1/4"))
        address_id = registers.owned(*owners)
        filed = client.post(
            "/api/v1/applications", json={"applicant_iin": self.applicant, "address_id": address_id}
        )
        assert filed.status_code == 201, filed.get_json()
        self.id, self.token = filed.get_json()["id"], filed.get_json()["token"]
        assert self.post("signing-code").status_code == 202
        signed = self.post("signature", {"method": "sms", "code": code_for(outbox, self.phone)})
        assert signed.get_json()["status"] == "sent_offline", signed.get_json()

    def post(self, step: str, body: dict | None = None):
        return self.client.post(
            f"/api/v1/applications/{self.id}/{step}",
            json=body or {},
            headers={"Authorization": f"Bearer {self.token}"},
        )

    def api(self) -> dict:
        answer = self.client.get(
            f"/api/v1/applications/{self.id}", headers={"Authorization": f"Bearer {self.token}"}
        )
        return answer.get_json()

    @property
    def page(self) -> str:
        return f"/operator/applications/{self.id}/service-centre"


@pytest.fixture
def registers(ctx) -> Registers:
    return Registers(ctx)


@pytest.fixture
def offline(client, ctx, outbox, registers):
    def make(**kwargs) -> Offline:
        return Offline(client, ctx, outbox, registers, **kwargs)

    return make


def console(app, ctx, iin: str, roles: str):
    """A browser of its own signed in to the console as ``iin`` with ``roles``."""
    browser = app.test_client()
    add_operator(ctx, iin, "Тестов Офицер", roles, added_by="tests")
    holder = certificates_for(ctx, iin)
    issued = challenge(browser)
    cms = holder.cms(base64.b64decode(issued["challenge_base64"]), profile="auth")
    assert post_signature(browser, issued, cms).status_code == 200
    return browser


def form_csrf(browser, path: str) -> str:
    page = browser.get(path)
    assert page.status_code == 200, (path, page.status_code)
    return CSRF.search(page.get_data(as_text=True)).group(1)


def review(browser, application: Offline, **fields):
    """The form's review step (its CSRF token from the console's home: a form an officer may not open
    has none to take)."""
    data = {"csrf_token": form_csrf(browser, "/operator/"), "step": "review", **fields}
    return browser.post(application.page, data=data)


def confirm(browser, application: Offline, reviewed) -> object:
    """The review page's own confirm form, posted as it stands."""
    text = reviewed.get_data(as_text=True)
    assert reviewed.status_code == 200, text
    data = {
        "csrf_token": CSRF.search(text).group(1),
        "step": "confirm",
        "review_token": TOKEN.search(text).group(1),
    }
    return browser.post(application.page, data=data)


def decide_on_page(browser, application: Offline, **fields):
    return confirm(browser, application, review(browser, application, **fields))


def events(ctx, action: str = ACTION) -> list[AuditEvent]:
    with ctx.session() as session:
        return list(
            session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id))
        )


def status_of(ctx, application: Offline) -> str:
    from eds_toolkit.registration.models import ResidenceApplication

    with ctx.session() as session:
        return session.get(ResidenceApplication, application.id).status


# ----- what an officer does -----


def test_an_officer_registers_an_offline_application_after_the_review_and_the_citizen_is_told(
    app, ctx, offline, outbox
):
    application = offline()
    officer = console(app, ctx, OFFICER_IIN, "registration_officer")
    assert f'href="{application.page}"' in officer.get(f"/operator/applications/{application.id}").get_data(
        as_text=True
    )
    reviewed = review(officer, application, outcome="registered", checks=BOTH_CHECKS)
    assert status_of(ctx, application) == "sent_offline"  # the review changes nothing
    assert "This cannot be undone" in reviewed.get_data(as_text=True)
    done = confirm(officer, application, reviewed)
    assert done.status_code == 302 and done.headers["Location"].endswith(
        f"/operator/applications/{application.id}"
    )
    body = application.api()
    assert (body["status"], body["outcome_reason"]) == ("registered", "service_centre_registered")
    assert body["decided_at_service_centre"] is True and body["decided_at"] is not None
    assert "public service centre" in body["outcome_message"]
    [event] = events(ctx)
    detail = json.loads(event.detail)
    operator = operator_by_iin(ctx, OFFICER_IIN)
    assert detail["operator_id"] == operator.id and detail["operator_certificate"]
    assert detail["checks"] == BOTH_CHECKS and detail["application"] == application.id
    assert (event.from_state, event.to_state, event.outcome) == ("sent_offline", "registered", "ok")
    assert event.iin_hash == ctx.iin_hash(application.applicant)  # in the applicant's own history
    assert sentence_for(ACTION, "ok", event.reason) == "Residence registered at a public service centre"
    sms = [m for m in read_outbox(outbox) if m["phone"] == application.phone][-1]
    assert application.id[:8].upper() in sms["text"] and "registered" in sms["text"]
    assert application.applicant not in sms["text"] and "Астана" not in sms["text"]
    history = signed_in(app.test_client(), ctx, application.applicant).get("/cabinet/services/history")
    row = re.search(rf'data-application="{application.id}".*?</tr>', history, re.S).group(0)
    assert "Registered" in row and "decided at a public service centre" in row


def test_an_officer_refuses_with_a_reason_and_a_note(app, ctx, offline, outbox):
    application = offline()
    officer = console(app, ctx, OFFICER_IIN, "registration_officer")
    done = decide_on_page(
        officer,
        application,
        outcome="refused",
        reason="service_centre_no_guardianship_permission",
        note="Разрешение органа опеки не представлено",
    )
    assert done.status_code == 302
    body = application.api()
    assert (body["status"], body["outcome_reason"]) == (
        "refused",
        "service_centre_no_guardianship_permission",
    )
    assert body["decided_at_service_centre"] is True
    [event] = events(ctx)
    assert json.loads(event.detail)["note"] == "Разрешение органа опеки не представлено"
    assert sentence_for(ACTION, "ok", event.reason) == "Application refused at a public service centre"
    sms = [m for m in read_outbox(outbox) if m["phone"] == application.phone][-1]
    assert "refused" in sms["text"] and "опеки" not in sms["text"]  # the note stays with the officers


# ----- who may not -----


@pytest.mark.parametrize("roles", ["auditor", "ca_admin"])
def test_an_auditor_or_a_ca_administrator_cannot_decide(app, ctx, offline, roles):
    application = offline()
    other = console(app, ctx, OFFICER_IIN, roles)
    assert other.get(application.page).status_code == 403
    token = form_csrf(other, "/operator/")
    for step in ("review", "confirm"):
        answer = other.post(
            application.page,
            data={"csrf_token": token, "step": step, "outcome": "registered", "checks": BOTH_CHECKS},
        )
        assert answer.status_code == 403
    assert status_of(ctx, application) == "sent_offline" and events(ctx) == []


def test_an_officer_cannot_decide_an_application_they_filed_or_at_an_address_they_part_own(app, ctx, offline):
    own = offline()
    theirs = console(app, ctx, own.applicant, "registration_officer")
    assert theirs.get(own.page).status_code == 403
    refused = review(theirs, own, outcome="registered", checks=BOTH_CHECKS)
    assert refused.status_code == 403 and "party to this application" in refused.get_data(as_text=True)
    at_their_home = offline(co_owner=OFFICER_IIN)
    officer = console(app, ctx, OFFICER_IIN, "registration_officer")
    assert officer.get(at_their_home.page).status_code == 403
    assert review(officer, at_their_home, outcome="refused", **WITHDRAWN).status_code == 403
    assert status_of(ctx, own) == status_of(ctx, at_their_home) == "sent_offline"
    assert [e.outcome for e in events(ctx)] == ["refused", "refused"]  # tried, and audited as refused


def test_only_an_application_sent_offline_is_decided_at_a_service_centre(
    app, ctx, client, offline, outbox, clock
):
    from registration_helpers import APPLICANT_PHONE, OWNER_IIN, file

    officer = console(app, ctx, OFFICER_IIN, "registration_officer")
    registered, refused = offline(), offline()
    assert decide_on_page(officer, registered, outcome="registered", checks=BOTH_CHECKS).status_code == 302
    assert (
        decide_on_page(
            officer,
            refused,
            outcome="refused",
            reason="service_centre_identity_not_confirmed",
            note="Нет паспорта",
        ).status_code
        == 302
    )
    awaiting = file(client, owner=OWNER_IIN)
    awaiting.post("signing-code")
    awaiting.post("signature", {"method": "sms", "code": code_for(outbox, APPLICANT_PHONE)})
    assert awaiting.status() == "awaiting_owner"
    awaiting_page = Offline.__new__(Offline)
    awaiting_page.id = awaiting.id
    assert officer.get(awaiting_page.page).status_code == 409
    answer = review(officer, registered, outcome="refused", reason="service_centre_withdrawn", note="again")
    assert answer.status_code == 409 and "already decided" in answer.get_data(as_text=True)
    clock.advance(3601)
    assert awaiting.status() == "returned"
    officer = console(app, ctx, OFFICER_IIN, "registration_officer")  # the console session ended meanwhile
    for application, status in (
        (registered, "registered"),
        (refused, "refused"),
        (awaiting_page, "returned"),
    ):
        assert officer.get(application.page).status_code == 409
        assert status_of(ctx, application) == status
    assert [e.outcome for e in events(ctx)].count("ok") == 2


# ----- forged requests and bad input -----


def test_a_confirm_without_the_review_token_or_without_csrf_or_of_another_officer_is_refused(
    app, ctx, offline
):
    application = offline()
    officer = console(app, ctx, OFFICER_IIN, "registration_officer")
    token = form_csrf(officer, application.page)
    fields = {"step": "confirm", "outcome": "registered", "checks": BOTH_CHECKS}
    no_review = officer.post(application.page, data={"csrf_token": token, **fields})
    assert no_review.status_code == 400 and "Review the decision" in no_review.get_data(as_text=True)
    forged = officer.post(application.page, data={"csrf_token": token, "review_token": "x" * 40, **fields})
    assert forged.status_code == 400
    reviewed = review(officer, application, outcome="registered", checks=BOTH_CHECKS)
    review_token = TOKEN.search(reviewed.get_data(as_text=True)).group(1)
    no_csrf = officer.post(application.page, data={"step": "confirm", "review_token": review_token})
    assert no_csrf.status_code == 400
    second = console(app, ctx, SECOND_OFFICER_IIN, "registration_officer")
    theirs = second.post(
        application.page,
        data={
            "csrf_token": form_csrf(second, application.page),
            "step": "confirm",
            "review_token": review_token,
        },
    )
    assert theirs.status_code == 400  # a review is its officer's own
    assert status_of(ctx, application) == "sent_offline" and [e.outcome for e in events(ctx)] == []


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        (
            {"outcome": "registered", "checks": ["identity_document"]},
            "check-owner_permission",
            "Tick every check",
        ),
        ({"outcome": "registered"}, "check-identity_document", "Tick every check"),
        ({"outcome": "refused", "reason": "bribe_missing", "note": "x"}, "reason", "Choose the reason"),
        ({"outcome": "refused", "reason": "service_centre_withdrawn", "note": " "}, "note", "Write a note"),
        ({"outcome": "maybe"}, "outcome-registered", "Choose the outcome"),
    ],
)
def test_bad_input_is_a_clear_error_at_its_field_and_changes_nothing(
    app, ctx, offline, fields, field, message
):
    application = offline()
    officer = console(app, ctx, OFFICER_IIN, "registration_officer")
    answer = review(officer, application, **fields)
    text = answer.get_data(as_text=True)
    assert answer.status_code == 422 and message in text
    assert re.search(rf'id="{field}"[^>]*aria-invalid="true"', text), field
    assert "review_token" not in text
    assert status_of(ctx, application) == "sent_offline" and events(ctx) == []


# ----- two at once -----


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_app(request, home, clock):
    overrides = {}
    if request.param == "postgresql":
        overrides["database_url"] = request.getfixturevalue("postgres").url
    return create_app(make_settings(home, clock, **overrides))


def test_two_officers_deciding_at_once_make_one_decision(database_app, outbox):
    ctx = service(database_app).flow
    application = Offline(database_app.test_client(), ctx, outbox, Registers(ctx))
    officers = []
    for iin in (OFFICER_IIN, SECOND_OFFICER_IIN):
        add_operator(ctx, iin, "Тестов Офицер", "registration_officer", added_by="tests")
        officers.append(SignedIn(operator_by_iin(ctx, iin), f"serial-{iin}"))
    decisions = iter(
        [
            OfflineDecision(application.id, "registered", tuple(BOTH_CHECKS), None, ""),
            OfflineDecision(application.id, "refused", (), "service_centre_withdrawn", "Отозвано"),
        ]
    )
    pairs = iter(zip(officers, decisions, strict=True))
    outcomes = race(2, lambda: decide(ctx, *next(pairs)))
    assert sorted(outcomes) == ["application_not_open", "ok"]
    decided = [e for e in events(ctx) if e.outcome == "ok"]
    assert len(decided) == 1 and status_of(ctx, application) == decided[0].to_state
