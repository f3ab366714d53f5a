"""A whole enrolment through the JSON API, and each refusal with its message and the state unchanged."""

from __future__ import annotations

import io
import zipfile

from cryptography import x509
from cryptography.x509.oid import NameOID
from flow_helpers import (
    GOOD_PASSWORD,
    GOOD_PIN,
    KNOWN_IIN,
    KNOWN_PHONE,
    NEW_PHONE,
    NO_PHONE_IIN,
    UNKNOWN_IIN,
    api_start,
    api_to_pin_set,
    code_for,
    make_csr_pem,
    read_outbox,
    wait_for_sms,
)
from sqlalchemy import func, select

from ca.store import CertificateRecord
from eds_toolkit.core.audit_models import AuditEvent
from eds_toolkit.flow import State
from eds_toolkit.flow.models import DigitalIdAccount
from eds_toolkit.web.context import service
from tests.evidence_free import mark_identified


def problem(response) -> dict:
    assert response.mimetype == "application/problem+json", response.data
    body = response.get_json()
    assert set(body) >= {"type", "title", "status", "detail", "code"}
    assert body["status"] == response.status_code
    return body


def certificates_of_enrolment(ctx, enrolment_id: str) -> list[CertificateRecord]:
    with ctx.sessions() as session:
        return list(
            session.scalars(select(CertificateRecord).where(CertificateRecord.enrolment_id == enrolment_id))
        )


def test_whole_enrolment_with_citizen_csrs_returns_both_certificates_with_the_subject_from_the_base(
    client, ctx, outbox
):
    enrolment = api_start(client)
    assert enrolment.state() == "started"
    code = code_for(outbox, KNOWN_PHONE)
    assert read_outbox(outbox)[-1]["sender"] == "1414"

    response = enrolment.post("code", {"code": code})
    assert response.status_code == 200
    assert response.get_json()["state"] == "phone_confirmed"
    assert response.get_json()["next_step"] == "identification"

    mark_identified(ctx, enrolment.id)
    assert enrolment.state() == "face_matched"
    assert enrolment.post("pin", {"pin": GOOD_PIN, "pin_confirmation": GOOD_PIN}).status_code == 200
    assert enrolment.post("application/confirm").status_code == 200

    # The CSRs name somebody else: the certificates must carry the base's name anyway.
    response = enrolment.post(
        "certificates",
        {"auth_csr": make_csr_pem(KNOWN_IIN).decode(), "sign_csr": make_csr_pem(KNOWN_IIN).decode()},
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    auth = x509.load_pem_x509_certificate(body["auth_certificate"].encode())
    sign = x509.load_pem_x509_certificate(body["sign_certificate"].encode())
    chain = x509.load_pem_x509_certificates(body["chain"].encode())
    assert len(chain) == 2
    for certificate in (auth, sign):
        assert certificate.subject.get_attributes_for_oid(NameOID.SURNAME)[0].value == "ЖҰМАБЕКОВ"
        assert certificate.subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)[0].value == "IIN" + KNOWN_IIN
        assert certificate.issuer == chain[0].subject
    assert int(body["auth_serial"], 16) == auth.serial_number
    assert int(body["sign_serial"], 16) == sign.serial_number

    view = client.get(f"/api/v1/enrolments/{enrolment.id}", headers=enrolment.auth).get_json()
    assert view["state"] == "issued"
    assert view["next_step"] is None
    assert sorted(c["profile"] for c in view["certificates"]) == ["auth", "sign"]
    assert len(certificates_of_enrolment(ctx, enrolment.id)) == 2


def test_server_side_keys_come_as_a_zip_of_two_keystores_and_again_only_with_the_same_password(
    client, ctx, outbox, clock
):
    from keystore.pkcs12 import open_keystore

    enrolment = api_to_pin_set(client, ctx, outbox)
    response = enrolment.post("certificates", {"key_generation": "server", "password": GOOD_PASSWORD})
    assert response.status_code == 201
    assert response.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        names = sorted(archive.namelist())
        assert len(names) == 2
        assert names[0].startswith("AUTH_RSA256_") and names[1].startswith("RSA256_")
        for name in names:
            opened = open_keystore(archive.read(name), GOOD_PASSWORD)
            serial = opened.certificate.subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)[0].value
            assert serial == "IIN" + KNOWN_IIN
            assert len(opened.chain) == 2

    assert response.headers["Cache-Control"] == "no-store"

    # The answer was lost (a crash, a dropped connection): asked again with the same password, the very
    # same files come back, and nothing is issued a second time.
    again = enrolment.post("certificates", {"key_generation": "server", "password": GOOD_PASSWORD})
    assert again.status_code == 200 and again.data == response.data
    other = enrolment.post("certificates", {"key_generation": "server", "password": GOOD_PASSWORD + "x"})
    assert other.status_code == 422 and problem(other)["code"] == "keystore_password_differs"
    assert len(certificates_of_enrolment(ctx, enrolment.id)) == 2

    clock.advance(15 * 60)  # EDS_KEYSTORE_PICKUP_MINUTES: the kept copy is no longer handed out
    late = enrolment.post("certificates", {"key_generation": "server", "password": GOOD_PASSWORD})
    assert late.status_code == 409 and problem(late)["code"] == "already_issued"
    assert len(certificates_of_enrolment(ctx, enrolment.id)) == 2


def test_bad_iin_is_refused_with_its_reason_and_nothing_is_created(client, ctx):
    for bad, fragment in (
        ("12345", "12 digits"),
        ("850314312018", "check digit"),
        ("85031431201x", "12 digits"),
    ):
        response = client.post("/api/v1/enrolments", json={"iin": bad})
        assert response.status_code == 422
        body = problem(response)
        assert body["code"] == "invalid_iin"
        assert fragment in body["detail"]
    assert client.post("/api/v1/enrolments", data="iin=1", content_type="text/plain").status_code == 422
    with ctx.sessions() as session:
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == 0


def test_unknown_iin_gets_the_same_answer_as_a_known_one(client, outbox):
    known = client.post("/api/v1/enrolments", json={"iin": KNOWN_IIN})
    unknown = client.post("/api/v1/enrolments", json={"iin": UNKNOWN_IIN})
    no_phone = client.post("/api/v1/enrolments", json={"iin": NO_PHONE_IIN})
    answers = [r.get_json() for r in (known, unknown, no_phone)]
    assert known.status_code == unknown.status_code == no_phone.status_code == 201

    def shape(body: dict) -> dict:
        return {k: v for k, v in body.items() if k not in ("id", "token")}

    assert shape(answers[0]) == shape(answers[1]) == shape(answers[2])
    assert len(read_outbox(outbox)) == 1  # only the known citizen's phone got an SMS

    # Later steps do not tell them apart either: a wrong code is just a wrong code.
    for body in answers:
        response = client.post(
            f"/api/v1/enrolments/{body['id']}/code",
            json={"code": "000000"},
            headers={"Authorization": f"Bearer {body['token']}"},
        )
        assert response.status_code == 422
        assert problem(response)["code"] == "code_wrong"


def test_wrong_code_is_refused_with_tries_left_and_the_state_is_unchanged(client, outbox):
    enrolment = api_start(client)
    right = code_for(outbox, KNOWN_PHONE)
    wrong = "111111" if right != "111111" else "222222"
    response = enrolment.post("code", {"code": wrong})
    assert response.status_code == 422
    body = problem(response)
    assert body["code"] == "code_wrong"
    assert body["remaining"] == 4
    assert "4 tries left" in body["detail"]
    assert enrolment.state() == "started"
    assert enrolment.post("code", {"code": right}).status_code == 200


def test_malformed_code_does_not_count_as_a_try(client, outbox):
    enrolment = api_start(client)
    response = enrolment.post("code", {"code": "12ab"})
    assert response.status_code == 422
    assert problem(response)["code"] == "code_format"
    assert enrolment.post("code", {"code": code_for(outbox, KNOWN_PHONE)}).status_code == 200


def test_expired_code_is_refused(client, outbox, clock):
    enrolment = api_start(client)
    code = code_for(outbox, KNOWN_PHONE)
    clock.advance(5 * 60 + 1)
    response = enrolment.post("code", {"code": code})
    assert response.status_code == 422
    assert problem(response)["code"] == "code_expired"
    assert enrolment.state() == "started"


def test_replayed_code_is_refused_and_does_not_move_anything(client, ctx, outbox):
    enrolment = api_start(client)
    code = code_for(outbox, KNOWN_PHONE)
    assert enrolment.post("code", {"code": code}).status_code == 200
    replay = enrolment.post("code", {"code": code})
    assert replay.status_code == 409  # the code step is over for this enrolment
    assert problem(replay)["code"] == "step_out_of_order"
    assert enrolment.state() == "phone_confirmed"
    # nor does it open another enrolment of the same citizen: codes are bound to their enrolment
    other = api_start(client)
    fresh = code_for(outbox, KNOWN_PHONE)
    if fresh != code:
        refused = other.post("code", {"code": code})
        assert problem(refused)["code"] == "code_wrong"
        assert other.state() == "started"


def test_five_wrong_tries_then_a_new_code_is_needed(client, outbox, clock):
    enrolment = api_start(client)
    right = code_for(outbox, KNOWN_PHONE)
    wrong = "111111" if right != "111111" else "222222"
    codes = [problem(enrolment.post("code", {"code": wrong}))["code"] for _ in range(5)]
    assert codes == ["code_wrong"] * 4 + ["too_many_attempts"]
    after = enrolment.post("code", {"code": right})
    assert problem(after)["code"] == "too_many_attempts"
    assert "new one" in problem(after)["detail"]
    assert enrolment.state() == "started"
    clock.advance(61)
    assert enrolment.post("code/resend").status_code == 202
    assert enrolment.post("code", {"code": code_for(outbox, KNOWN_PHONE)}).status_code == 200


def test_resend_too_soon_is_refused_with_retry_after(client, outbox, clock):
    enrolment = api_start(client)
    first = code_for(outbox, KNOWN_PHONE)
    response = enrolment.post("code/resend")
    assert response.status_code == 429
    body = problem(response)
    assert body["code"] == "resend_too_soon"
    assert int(response.headers["Retry-After"]) == body["retry_after"] == 60
    assert len(read_outbox(outbox)) == 1
    clock.advance(60)
    assert enrolment.post("code/resend").status_code == 202
    second = code_for(outbox, KNOWN_PHONE)
    assert len(read_outbox(outbox)) == 2
    if first != second:  # the old code stopped working
        assert problem(enrolment.post("code", {"code": first}))["code"] in {"code_wrong", "code_expired"}
    assert enrolment.post("code", {"code": second}).status_code == 200


def test_skipped_steps_are_refused_with_what_to_do_first(client, ctx, outbox):
    enrolment = api_start(client)
    for step, body in (
        ("pin", {"pin": GOOD_PIN, "pin_confirmation": GOOD_PIN}),
        ("certificates", {"key_generation": "server", "password": GOOD_PASSWORD}),
    ):
        response = enrolment.post(step, body)
        assert response.status_code == 409
        assert problem(response)["code"] == "step_out_of_order"
        assert "SMS code" in problem(response)["detail"]
    assert enrolment.post("code", {"code": code_for(outbox, KNOWN_PHONE)}).status_code == 200
    # Identification is not done: the PIN and issuance stay closed.
    response = enrolment.post("pin", {"pin": GOOD_PIN, "pin_confirmation": GOOD_PIN})
    assert response.status_code == 409
    assert "identification" in problem(response)["detail"]
    assert enrolment.state() == "phone_confirmed"
    with ctx.sessions() as session:
        assert session.get(DigitalIdAccount, KNOWN_IIN) is None
        refused = session.scalars(select(AuditEvent).where(AuditEvent.outcome == "refused")).all()
        assert {e.action for e in refused} == {"set_pin", "issue_on_server"}


def test_no_endpoint_sets_an_identification_state_directly(app):
    """``mark_identified`` is a library call; the only ways forward are the webcam checks themselves."""
    rules = [rule.rule for rule in app.url_map.iter_rules()]
    assert not [r for r in rules if any(s in r for s in ("identified", "mark", "state", "face_matched"))]


def test_double_issuance_is_refused_and_no_second_pair_exists(client, ctx, outbox):
    enrolment = api_to_pin_set(client, ctx, outbox)
    csrs = {"auth_csr": make_csr_pem(KNOWN_IIN).decode(), "sign_csr": make_csr_pem(KNOWN_IIN).decode()}
    assert enrolment.post("certificates", csrs).status_code == 201
    again = enrolment.post("certificates", csrs)
    assert again.status_code == 409
    assert problem(again)["code"] == "already_issued"
    assert "cabinet" in problem(again)["detail"]
    assert len(certificates_of_enrolment(ctx, enrolment.id)) == 2


def test_refused_csr_issues_nothing_and_a_retry_then_succeeds(client, ctx, outbox):
    enrolment = api_to_pin_set(client, ctx, outbox)
    good = make_csr_pem(KNOWN_IIN).decode()
    response = enrolment.post(
        "certificates", {"auth_csr": good, "sign_csr": "-----BEGIN CERTIFICATE REQUEST-----"}
    )
    assert response.status_code == 422
    assert "SIGN" in problem(response)["detail"]
    assert enrolment.state() == "pin_set"
    assert certificates_of_enrolment(ctx, enrolment.id) == []
    other_iin = make_csr_pem("920721433024").decode()
    response = enrolment.post("certificates", {"auth_csr": good, "sign_csr": other_iin})
    assert response.status_code == 422
    assert problem(response)["code"] == "iin_mismatch"
    assert certificates_of_enrolment(ctx, enrolment.id) == []
    ok = enrolment.post("certificates", {"auth_csr": good, "sign_csr": make_csr_pem(KNOWN_IIN).decode()})
    assert ok.status_code == 201
    assert len(certificates_of_enrolment(ctx, enrolment.id)) == 2


def test_weak_pins_are_refused_with_the_rule_and_nothing_is_stored(client, ctx, outbox):
    from tests.evidence_free import mark_identified

    enrolment = api_start(client)
    enrolment.post("code", {"code": code_for(outbox, KNOWN_PHONE)})
    mark_identified(ctx, enrolment.id)
    for pin in ("111111", "123456", "654321", "850314", "12345", "12345a"):
        response = enrolment.post("pin", {"pin": pin, "pin_confirmation": pin})
        assert response.status_code == 422, pin
        body = problem(response)
        assert body["code"] == "weak_pin"
        assert body["detail"].startswith("The PIN")
        if pin == "850314":
            assert "birth" in body["detail"].lower()
    mismatch = enrolment.post("pin", {"pin": GOOD_PIN, "pin_confirmation": "385928"})
    assert problem(mismatch)["code"] == "pin_mismatch"
    assert enrolment.state() == "face_matched"
    with ctx.sessions() as session:
        assert session.get(DigitalIdAccount, KNOWN_IIN) is None


def test_weak_keystore_password_is_refused_before_anything_is_issued(client, ctx, outbox):
    enrolment = api_to_pin_set(client, ctx, outbox)
    response = enrolment.post("certificates", {"key_generation": "server", "password": "password"})
    assert response.status_code == 422
    assert problem(response)["code"] == "weak_password"
    assert enrolment.state() == "pin_set"
    assert certificates_of_enrolment(ctx, enrolment.id) == []


def test_phone_registration_for_a_citizen_without_a_phone(client, ctx, outbox):
    from eds_toolkit.citizens import TableCitizensBase

    enrolment = api_start(client, NO_PHONE_IIN)
    assert read_outbox(outbox) == []
    bad = enrolment.post("phone", {"phone": "12345"})
    assert bad.status_code == 422
    assert problem(bad)["code"] == "invalid_phone"
    assert enrolment.post("phone", {"phone": "8 (701) 999-88-77"}).status_code == 202
    view = client.get(f"/api/v1/enrolments/{enrolment.id}", headers=enrolment.auth).get_json()
    assert view["code_sent_to_new_phone"] is True
    # the base-phone code endpoint is not the way to confirm a new number
    assert problem(enrolment.post("code", {"code": code_for(outbox, NEW_PHONE)}))["code"] == (
        "code_for_new_phone_expected"
    )
    assert enrolment.post("phone/confirm", {"code": code_for(outbox, NEW_PHONE)}).status_code == 200
    assert enrolment.state() == "phone_confirmed"
    base = TableCitizensBase(ctx.sessions)
    assert base.lookup(NO_PHONE_IIN).phone is None  # not before identification
    mark_identified(ctx, enrolment.id)
    assert enrolment.post("pin", {"pin": GOOD_PIN, "pin_confirmation": GOOD_PIN}).status_code == 200
    assert base.lookup(NO_PHONE_IIN).phone == NEW_PHONE


def test_confirming_a_phone_before_registering_one_is_refused(client):
    enrolment = api_start(client, NO_PHONE_IIN)
    response = enrolment.post("phone/confirm", {"code": "123456"})
    assert response.status_code == 409
    assert "phone number first" in problem(response)["detail"]


def test_expired_enrolment_is_refused_and_marked_expired(client, outbox, clock):
    enrolment = api_start(client)
    code = code_for(outbox, KNOWN_PHONE)
    clock.advance(3601)
    response = enrolment.post("code", {"code": code})
    assert response.status_code == 409
    assert problem(response)["code"] == "enrolment_expired"
    assert enrolment.state() == "expired"


def test_requests_without_or_with_a_wrong_token_are_refused(client):
    enrolment = api_start(client)
    no_token = client.get(f"/api/v1/enrolments/{enrolment.id}")
    assert no_token.status_code == 401
    assert no_token.headers["WWW-Authenticate"] == "Bearer"
    assert problem(no_token)["code"] == "unauthenticated"
    wrong = client.get(f"/api/v1/enrolments/{enrolment.id}", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 404
    other = api_start(client)
    stolen = client.post(
        f"/api/v1/enrolments/{enrolment.id}/code", json={"code": "123456"}, headers=other.auth
    )
    assert stolen.status_code == 404
    assert enrolment.state() == "started"


def test_missing_field_and_unknown_resource_are_problems(client):
    enrolment = api_start(client)
    assert problem(enrolment.post("code", {}))["code"] == "field_missing"
    assert problem(client.get("/api/v1/nothing-here"))["status"] == 404
    wrong_method = client.get(f"/api/v1/enrolments/{enrolment.id}/code", headers=enrolment.auth)
    assert problem(wrong_method)["code"] == "method_not_allowed"
    assert "POST" in wrong_method.headers["Allow"]


def test_oversized_body_is_refused_with_413(client):
    response = client.post("/api/v1/enrolments", json={"iin": KNOWN_IIN, "padding": "x" * 70_000})
    assert response.status_code == 413
    assert "too large" in problem(response)["detail"]
    with service(client.application).flow.sessions() as session:
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == 0


def test_audit_events_record_transitions_without_secrets(client, ctx, outbox):
    enrolment = api_to_pin_set(client, ctx, outbox)
    code = code_for(outbox, KNOWN_PHONE)
    enrolment.post("certificates", {"key_generation": "server", "password": GOOD_PASSWORD})
    wait_for_sms()  # the owner's notice is sent (and audited) after the answer
    with ctx.sessions() as session:
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.enrolment_id == enrolment.id).order_by(AuditEvent.id)
        ).all()
    assert [(e.action, e.to_state) for e in events if e.outcome == "ok"] == [
        ("start", "started"),
        ("submit_code", "phone_confirmed"),
        ("identification_selfie_ok", "selfie_ok"),
        ("identification_liveness_ok", "liveness_ok"),
        ("identification_face_matched", "face_matched"),
        ("set_pin", "pin_set"),
        ("confirm_application", "pin_set"),  # the citizen confirmed the name and IIN shown
        ("issue_on_server", "issued"),
        ("owner_notice", None),  # the number on record is told of the issuance
    ]
    assert all(e.client_address for e in events if e.action in ("start", "submit_code", "set_pin"))
    dump = " ".join(str(vars(e)) for e in events)
    for secret in (code, GOOD_PIN, GOOD_PASSWORD, KNOWN_IIN):
        assert secret not in dump


def test_a_second_tab_racing_the_first_is_refused(ctx, client, outbox):
    from eds_toolkit.core.refusals import ConcurrentChange
    from eds_toolkit.flow.machine import load_for_step, transition

    enrolment = api_start(client)
    with ctx.session() as first_tab, ctx.session() as second_tab:
        seen_by_first = load_for_step(ctx, first_tab, enrolment.id, {State.STARTED})
        seen_by_second = load_for_step(ctx, second_tab, enrolment.id, {State.STARTED})
        transition(ctx, first_tab, seen_by_first, State.PHONE_CONFIRMED, action="submit_code")
        first_tab.commit()
        try:
            transition(ctx, second_tab, seen_by_second, State.PHONE_CONFIRMED, action="submit_code")
        except ConcurrentChange as error:
            assert error.status == 409
            assert "another window or tab" in str(error)
        else:
            raise AssertionError("the second tab's transition was not refused")
    assert enrolment.state() == "phone_confirmed"


def test_rate_limit_per_iin_answers_429(home, clock):
    from flow_helpers import make_settings

    from eds_toolkit.web import create_app

    app = create_app(make_settings(home, clock, ratelimit_enabled=True, ratelimit_per_iin="2/hour"))
    client = app.test_client()
    statuses = [client.post("/api/v1/enrolments", json={"iin": KNOWN_IIN}).status_code for _ in range(3)]
    assert statuses == [201, 201, 429]
    refused = client.post("/api/v1/enrolments", json={"iin": KNOWN_IIN})
    assert problem(refused)["code"] == "rate_limited"
    assert client.post("/api/v1/enrolments", json={"iin": NO_PHONE_IIN}).status_code == 201


def test_rate_limit_per_client_address_answers_429(home, clock):
    from flow_helpers import make_settings

    from eds_toolkit.web import create_app

    app = create_app(make_settings(home, clock, ratelimit_enabled=True, ratelimit_per_address="3/minute"))
    client = app.test_client()
    iins = [KNOWN_IIN, NO_PHONE_IIN, UNKNOWN_IIN, "920721433024"]
    statuses = [client.post("/api/v1/enrolments", json={"iin": iin}).status_code for iin in iins]
    assert statuses == [201, 201, 201, 429]


def test_tabs_submitting_the_right_code_at_once_on_sqlite_confirm_once(client, ctx, outbox):
    from flow_helpers import race

    from eds_toolkit.flow import submit_code

    enrolment = api_start(client)
    code = code_for(outbox, KNOWN_PHONE)
    outcomes = race(4, lambda: submit_code(ctx, enrolment.id, code))
    assert outcomes.count("ok") == 1, outcomes
    assert set(outcomes) - {"ok"} <= {"concurrent_change", "code_already_used", "step_out_of_order"}
    with ctx.sessions() as session:
        moves = session.scalars(
            select(AuditEvent).where(
                AuditEvent.enrolment_id == enrolment.id, AuditEvent.action == "submit_code"
            )
        ).all()
    assert [e.outcome for e in moves].count("ok") == 1


def test_a_failed_start_sms_answers_as_any_start_and_is_undone_after_it(home, clock):
    from flow_helpers import make_settings

    from eds_toolkit.flow.models import Enrolment
    from eds_toolkit.otp import OneTimeCode
    from eds_toolkit.sms import SmsDeliveryError
    from eds_toolkit.web import create_app

    class BrokenGateway:
        def send(self, phone: str, text: str, *, sender: str = "1414") -> None:
            raise SmsDeliveryError("provider answered 500")

    app = create_app(make_settings(home, clock, sms=BrokenGateway()))
    client = app.test_client()
    response = client.post("/api/v1/enrolments", json={"iin": KNOWN_IIN})
    # the SMS is sent after the answer: the answer is a start's, whether or not the provider fails
    assert response.status_code == 201
    assert service(app).flow.deliveries.wait_for_deliveries()
    started = response.get_json()
    view = client.get(
        f"/api/v1/enrolments/{started['id']}", headers={"Authorization": f"Bearer {started['token']}"}
    )
    assert view.get_json()["state"] == "failed"  # the enrolment whose first SMS failed stops
    with service(app).flow.sessions() as session:
        assert session.scalar(select(func.count()).select_from(OneTimeCode)) == 0  # no code survives
        assert session.get(Enrolment, started["id"]).failure_reason == "sms_failed"
        events = session.execute(
            select(AuditEvent.action, AuditEvent.outcome, AuditEvent.reason).order_by(AuditEvent.id)
        ).all()
    # the audit log is append-only: the start stays, a second event says it was undone and why
    assert events == [("start", "ok", None), ("start", "undone", "sms_failed")]
    again = client.post("/api/v1/enrolments", json={"iin": KNOWN_IIN})
    assert again.status_code == 201 and again.get_json()["id"] != started["id"]


def test_logs_hold_no_code_pin_or_password(client, ctx, outbox, caplog):
    import logging

    caplog.set_level(logging.DEBUG)
    enrolment = api_start(client)
    code = code_for(outbox, KNOWN_PHONE)
    enrolment.post("code", {"code": "000000" if code != "000000" else "111111"})
    enrolment.post("code", {"code": code})
    mark_identified(ctx, enrolment.id)
    enrolment.post("pin", {"pin": "111111", "pin_confirmation": "111111"})
    enrolment.post("pin", {"pin": GOOD_PIN, "pin_confirmation": GOOD_PIN})
    enrolment.post("application/confirm")
    enrolment.post("certificates", {"key_generation": "server", "password": "weak"})
    assert (
        enrolment.post("certificates", {"key_generation": "server", "password": GOOD_PASSWORD}).status_code
        == 201
    )
    logged = "\n".join(record.getMessage() for record in caplog.records)
    for secret in (code, GOOD_PIN, GOOD_PASSWORD, "PRIVATE KEY"):
        assert secret not in logged


def test_resend_after_registering_a_phone_goes_to_the_new_number(client, outbox, clock):
    enrolment = api_start(client)
    assert enrolment.post("phone", {"phone": NEW_PHONE}).status_code == 202
    first = code_for(outbox, NEW_PHONE)
    clock.advance(61)
    assert enrolment.post("code/resend").status_code == 202
    entries = read_outbox(outbox)
    assert [e["phone"] for e in entries] == [KNOWN_PHONE, NEW_PHONE, NEW_PHONE]
    second = code_for(outbox, NEW_PHONE)
    if first != second:
        assert enrolment.post("phone/confirm", {"code": first}).status_code == 422
    assert enrolment.post("phone/confirm", {"code": second}).status_code == 200


def test_the_ca_is_loaded_once_per_process(ctx):
    assert ctx.ca() is ctx.ca()


def test_without_a_ca_issuance_is_a_503_and_the_enrolment_waits(tmp_path, clock):
    from flow_helpers import make_settings

    from eds_toolkit.web import create_app

    home = tmp_path / "no-ca"
    home.mkdir()
    app = create_app(make_settings(home, clock, create_test_ca=False))
    client = app.test_client()
    enrolment = api_to_pin_set(client, service(app).flow, home / "outbox.jsonl")
    csrs = {"auth_csr": make_csr_pem(KNOWN_IIN).decode(), "sign_csr": make_csr_pem(KNOWN_IIN).decode()}
    response = enrolment.post("certificates", csrs)
    assert response.status_code == 503
    assert problem(response)["code"] == "ca_unavailable"
    assert "Nothing was issued" in problem(response)["detail"]
    assert enrolment.state() == "pin_set"


def test_client_address_comes_from_trusted_proxies_only(home, clock):
    from flow_helpers import make_settings

    from eds_toolkit.web import create_app

    def audited_address(app) -> str:
        client = app.test_client()
        client.post("/api/v1/enrolments", json={"iin": KNOWN_IIN}, headers={"X-Forwarded-For": "203.0.113.7"})
        with service(app).flow.sessions() as session:
            return session.scalars(select(AuditEvent.client_address).order_by(AuditEvent.id.desc())).first()

    assert audited_address(create_app(make_settings(home, clock))) == "127.0.0.1"
    assert audited_address(create_app(make_settings(home, clock, trusted_proxies=1))) == "203.0.113.7"


def test_racing_issuance_gives_exactly_one_pair(client, ctx, outbox):
    from flow_helpers import race

    from eds_toolkit.flow import issue_with_csrs

    enrolment = api_to_pin_set(client, ctx, outbox)
    csrs = [(make_csr_pem(KNOWN_IIN), make_csr_pem(KNOWN_IIN)) for _ in range(3)]
    pending = iter(csrs)
    outcomes = race(3, lambda: issue_with_csrs(ctx, enrolment.id, *next(pending)))
    assert outcomes.count("ok") == 1, outcomes
    assert set(outcomes) - {"ok"} <= {"concurrent_change", "already_issued"}
    assert len(certificates_of_enrolment(ctx, enrolment.id)) == 2
