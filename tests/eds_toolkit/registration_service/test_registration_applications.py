"""The residence-registration application: EDS or SMS signature, the owner's hour, refusals, audit."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from flow_helpers import code_for
from registration_helpers import (
    ADDRESS,
    APPLICANT_IIN,
    APPLICANT_PHONE,
    NO_PHONE_IIN,
    OWNER_IIN,
    OWNER_PHONE,
    STRANGER_IIN,
    certificates_for,
    file,
)
from sqlalchemy import select

from eds_toolkit.core.audit_models import AuditEvent
from eds_toolkit.registration import ResidenceApplication, return_overdue
from eds_toolkit.sms import read_outbox


def audit_events(ctx, application_id: str) -> list[AuditEvent]:
    with ctx.session() as session:
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.action.like("application.%")).order_by(AuditEvent.id)
        ).all()
    return [event for event in events if json.loads(event.detail)["application"] == application_id]


def stored(ctx, application_id: str) -> ResidenceApplication:
    with ctx.session() as session:
        return session.get(ResidenceApplication, application_id)


def test_eds_signed_application_of_the_owner_is_registered(client, ctx):
    applicant = certificates_for(ctx, APPLICANT_IIN)
    application = file(client)
    document = json.loads(application.document)
    assert document["applicant_iin"] == APPLICANT_IIN and document["address"] == ADDRESS
    assert application.status() == "draft"

    response = application.post(
        "signature", {"method": "eds", "cms": applicant.cms(application.document.encode())}
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["status"], body["signed_with"], body["outcome_reason"]) == (
        "registered",
        "eds",
        "applicant_owns",
    )
    row = stored(ctx, application.id)
    assert row.signer_serial == f"{applicant.sign.serial_number:x}"
    assert row.signature_cms  # kept for re-verification
    trail = [
        (event.action, event.from_state, event.to_state, event.outcome)
        for event in audit_events(ctx, application.id)
    ]
    assert trail == [
        ("application.file", None, "draft", "ok"),
        ("application.sign_eds", "draft", "submitted", "ok"),
        ("application.register", "submitted", "registered", "ok"),
    ]


def test_attached_cms_over_the_document_is_accepted_too(client, ctx):
    applicant = certificates_for(ctx, APPLICANT_IIN)
    application = file(client)
    cms = applicant.cms(application.document.encode(), attached=True)
    response = application.post("signature", {"method": "eds", "cms": cms})
    assert response.get_json()["status"] == "registered"


def test_sms_signed_application_waits_for_the_owner_who_confirms_in_time(client, ctx, outbox, clock):
    application = file(client, owner=OWNER_IIN)
    assert application.post("signing-code").status_code == 202
    code = code_for(outbox, APPLICANT_PHONE)
    response = application.post("signature", {"method": "sms", "code": code})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["status"], body["signed_with"]) == ("awaiting_owner", "sms")
    assert body["owner_deadline"] == (clock.now() + dt.timedelta(hours=1)).isoformat()

    clock.advance(3 * 60)
    owner_code = code_for(outbox, OWNER_PHONE)  # sent at submission
    response = application.post("owner-decision", {"code": owner_code}, token=False)
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"id": application.id, "status": "registered"}
    assert application.get().get_json()["outcome_reason"] == "owner_confirmed"
    actions = [event.action for event in audit_events(ctx, application.id)]
    assert actions == [
        "application.file",
        "application.signing_code",
        "application.sign_sms",
        "application.await_owner",
        "application.owner_decision",
    ]
    owner_events = [e for e in audit_events(ctx, application.id) if e.action == "application.owner_decision"]
    assert owner_events[0].iin_hash == ctx.iin_hash(OWNER_IIN)


def test_owner_can_ask_for_a_new_code_late_in_the_hour(client, ctx, outbox, clock):
    application = file(client, owner=OWNER_IIN)
    application.post("signing-code")
    application.post("signature", {"method": "sms", "code": code_for(outbox, APPLICANT_PHONE)})
    first = code_for(outbox, OWNER_PHONE)
    clock.advance(55 * 60)  # the first code (5 minutes) has expired
    expired = application.post("owner-decision", {"code": first}, token=False)
    assert expired.status_code == 422 and expired.get_json()["code"] == "code_expired"
    assert application.post("owner-code", token=False).status_code == 202
    clock.advance(4 * 60)  # 59 minutes after submission
    response = application.post("owner-decision", {"code": code_for(outbox, OWNER_PHONE)}, token=False)
    assert response.get_json()["status"] == "registered"


def test_owner_too_late_the_application_is_returned(client, ctx, outbox, clock):
    application = file(client, owner=OWNER_IIN)
    application.post("signing-code")
    application.post("signature", {"method": "sms", "code": code_for(outbox, APPLICANT_PHONE)})
    owner_code = code_for(outbox, OWNER_PHONE)
    clock.advance(3600)  # exactly one hour: too late
    response = application.post("owner-decision", {"code": owner_code}, token=False)
    assert response.status_code == 409
    assert response.get_json()["code"] == "application_not_open"
    assert "did not confirm within one hour" in response.get_json()["detail"]
    body = application.get().get_json()
    assert (body["status"], body["outcome_reason"]) == ("returned", "owner_not_confirmed")
    assert application.post("owner-code", token=False).status_code == 409  # no new codes either
    returned = [e for e in audit_events(ctx, application.id) if e.action == "application.return"]
    assert [(e.from_state, e.to_state) for e in returned] == [("awaiting_owner", "returned")]


def test_overdue_applications_are_returned_by_the_sweep(client, ctx, outbox, clock):
    waiting = file(client, owner=OWNER_IIN)
    waiting.post("signing-code")
    waiting.post("signature", {"method": "sms", "code": code_for(outbox, APPLICANT_PHONE)})
    clock.advance(59 * 60)
    assert return_overdue(ctx) == 0
    clock.advance(60)
    assert return_overdue(ctx) == 1
    assert stored(ctx, waiting.id).status == "returned"
    assert return_overdue(ctx) == 0


def test_owner_declines_the_application_is_rejected(client, ctx, outbox):
    application = file(client, owner=OWNER_IIN)
    application.post("signing-code")
    application.post("signature", {"method": "sms", "code": code_for(outbox, APPLICANT_PHONE)})
    response = application.post(
        "owner-decision", {"code": code_for(outbox, OWNER_PHONE), "decision": "decline"}, token=False
    )
    assert response.get_json()["status"] == "rejected"
    assert application.get().get_json()["outcome_reason"] == "owner_declined"


def test_signature_with_another_persons_certificate_is_refused(client, ctx):
    stranger = certificates_for(ctx, STRANGER_IIN)
    application = file(client)
    response = application.post(
        "signature", {"method": "eds", "cms": stranger.cms(application.document.encode())}
    )
    assert response.status_code == 422
    assert response.get_json()["code"] == "signer_mismatch"
    assert application.status() == "draft"
    refused = audit_events(ctx, application.id)[-1]
    assert (refused.action, refused.outcome, refused.reason) == (
        "application.sign_eds",
        "refused",
        "signer_mismatch",
    )


def test_auth_certificate_signature_is_refused(client, ctx):
    applicant = certificates_for(ctx, APPLICANT_IIN)
    application = file(client)
    cms = applicant.cms(application.document.encode(), profile="auth")
    response = application.post("signature", {"method": "eds", "cms": cms})
    assert response.status_code == 422
    assert response.get_json()["reasons"] == ["wrong_profile"]
    assert application.status() == "draft"


def test_signature_over_another_document_is_refused(client, ctx):
    applicant = certificates_for(ctx, APPLICANT_IIN)
    application = file(client)
    other = application.document.replace("кв. 12", "кв. 13").encode()
    detached = application.post("signature", {"method": "eds", "cms": applicant.cms(other)})
    assert detached.status_code == 422 and detached.get_json()["reasons"] == ["content_modified"]
    attached = application.post("signature", {"method": "eds", "cms": applicant.cms(other, attached=True)})
    assert attached.status_code == 422 and attached.get_json()["code"] == "signature_unreadable"
    assert application.status() == "draft"


def test_revoked_certificate_is_refused_by_the_ocsp_check(client, ctx):
    applicant = certificates_for(ctx, APPLICANT_IIN)
    ctx.ca().store.revoke(f"{applicant.sign.serial_number:x}", "key_compromise")
    application = file(client)
    response = application.post(
        "signature", {"method": "eds", "cms": applicant.cms(application.document.encode())}
    )
    assert response.status_code == 422
    assert response.get_json()["reasons"] == ["certificate_revoked"]


def test_replayed_codes_are_refused(client, ctx, outbox):
    application = file(client, owner=OWNER_IIN)
    application.post("signing-code")
    applicant_code = code_for(outbox, APPLICANT_PHONE)
    application.post("signature", {"method": "sms", "code": applicant_code})
    again = application.post("signature", {"method": "sms", "code": applicant_code})
    assert again.status_code == 409 and again.get_json()["code"] == "application_not_open"
    # the applicant's code is not the owner's: it is bound to the applicant's signature
    crossed = application.post("owner-decision", {"code": applicant_code}, token=False)
    assert crossed.status_code == 422 and crossed.get_json()["code"] == "code_wrong"
    owner_code = code_for(outbox, OWNER_PHONE)
    assert application.post("owner-decision", {"code": owner_code}, token=False).status_code == 200
    replay = application.post("owner-decision", {"code": owner_code, "decision": "decline"}, token=False)
    assert replay.status_code == 409
    assert application.status() == "registered"


def test_a_code_is_used_once_even_for_a_draft(client, ctx, outbox):
    """Code level: the OTP component marks the code used, a second draft sign-in with it fails."""
    from eds_toolkit import otp
    from eds_toolkit.registration.service import applicant_code_key

    application = file(client)
    application.post("signing-code")
    code = code_for(outbox, APPLICANT_PHONE)
    with ctx.session() as session:
        otp.verify_code(
            session,
            enrolment_id=applicant_code_key(application.id),
            purpose="login",
            code=code,
            clock=ctx.clock,
            secret=ctx.otp_key,
        )
        session.commit()
    response = application.post("signature", {"method": "sms", "code": code})
    assert response.status_code == 422 and response.get_json()["code"] == "code_already_used"
    assert application.status() == "draft"


def test_codes_never_reach_the_audit_log(client, ctx, outbox):
    application = file(client, owner=OWNER_IIN)
    application.post("signing-code")
    code = code_for(outbox, APPLICANT_PHONE)
    wrong = "000000" if code != "000000" else "111111"
    assert application.post("signature", {"method": "sms", "code": wrong}).status_code == 422
    application.post("signature", {"method": "sms", "code": code})
    owner_code = code_for(outbox, OWNER_PHONE)
    application.post("owner-decision", {"code": owner_code}, token=False)
    for event in audit_events(ctx, application.id):
        text = " ".join(str(value) for value in vars(event).values())
        assert code not in text and owner_code not in text and application.token not in text
        assert APPLICANT_IIN not in text and OWNER_IIN not in text


def test_signing_code_answer_is_the_same_without_a_phone(client, outbox):
    with_phone = file(client).post("signing-code")
    before = len(read_outbox(outbox))
    without_phone = file(client, applicant=NO_PHONE_IIN).post("signing-code")
    assert (with_phone.status_code, with_phone.get_json()) == (
        without_phone.status_code,
        without_phone.get_json(),
    )
    assert len(read_outbox(outbox)) == before  # nothing sent anywhere


def test_token_is_required_and_must_match(client):
    application = file(client)
    assert client.get(f"/api/v1/applications/{application.id}").status_code == 401
    wrong = client.get(f"/api/v1/applications/{application.id}", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 404 and wrong.mimetype == "application/problem+json"
    other = file(client)
    assert client.get(f"/api/v1/applications/{other.id}", headers=application.auth).status_code == 404


@pytest.mark.parametrize(
    "body, field",
    [
        ({"applicant_iin": "123456789011", "address": ADDRESS}, "applicant_iin"),
        ({"applicant_iin": APPLICANT_IIN, "address": "   "}, "address"),
        ({"applicant_iin": APPLICANT_IIN, "address": "x" * 301}, "address"),
        ({"applicant_iin": APPLICANT_IIN, "address": ADDRESS, "owner_iin": "12"}, "owner_iin"),
    ],
)
def test_invalid_applications_are_refused_and_nothing_is_stored(client, ctx, body, field):
    response = client.post("/api/v1/applications", json=body)
    assert response.status_code == 422
    assert response.get_json()["field"] == field
    with ctx.session() as session:
        assert session.scalars(select(ResidenceApplication)).all() == []


def test_signing_a_registered_application_again_is_refused(client, ctx):
    applicant = certificates_for(ctx, APPLICANT_IIN)
    application = file(client)
    cms = applicant.cms(application.document.encode())
    application.post("signature", {"method": "eds", "cms": cms})
    again = application.post("signature", {"method": "eds", "cms": cms})
    assert again.status_code == 409


def test_garbage_signature_is_a_clear_refusal(client):
    application = file(client)
    response = application.post("signature", {"method": "eds", "cms": "bm90IGEgc2lnbmF0dXJl"})
    assert response.status_code == 422 and response.get_json()["code"] == "signature_unreadable"
    missing = application.post("signature", {"method": "fax"})
    assert missing.status_code == 422


class _UnreachableBase:
    def lookup(self, iin):
        from eds_toolkit.citizens import CitizensRegistryError

        raise CitizensRegistryError("registry timed out")


class _BrokenSms:
    def send(self, phone, text, *, sender="1414"):
        from eds_toolkit.sms import SmsDeliveryError

        raise SmsDeliveryError("provider down")


def test_unreachable_citizens_base_is_a_503_and_nothing_is_sent(client, ctx, outbox, monkeypatch):
    application = file(client)
    monkeypatch.setattr(ctx, "citizens", _UnreachableBase())
    response = application.post("signing-code")
    assert response.status_code == 503 and response.get_json()["code"] == "citizens_base_unavailable"
    assert read_outbox(outbox) == []
    assert application.status() == "draft"


def test_failed_sms_is_a_503_and_the_code_never_existed(client, ctx, outbox, monkeypatch):
    from eds_toolkit.otp import OneTimeCode

    application = file(client)
    monkeypatch.setattr(ctx, "sms", _BrokenSms())
    response = application.post("signing-code")
    assert response.status_code == 503 and response.get_json()["code"] == "sms_failed"
    assert response.get_json()["detail"] == (
        "We could not send the SMS right now. Nothing was changed; please try again later."
    )
    with ctx.session() as session:
        assert session.scalars(select(OneTimeCode)).all() == []
    steps = [(event.action, event.outcome, event.reason) for event in audit_events(ctx, application.id)]
    assert steps[-3:] == [  # append-only: the step, its undo, the refusal the applicant got
        ("application.signing_code", "ok", None),
        ("application.signing_code", "undone", "sms_failed"),
        ("application.signing_code", "refused", "sms_failed"),
    ]
    assert application.status() == "draft"
    monkeypatch.undo()
    assert application.post("signing-code").status_code == 202  # no "resend too soon": nothing was sent


def test_owner_sms_failure_leaves_the_application_waiting_and_the_owner_can_ask_again(
    client, ctx, outbox, monkeypatch
):
    from eds_toolkit.otp import OneTimeCode

    application = file(client, owner=OWNER_IIN)
    application.post("signing-code")
    code = code_for(outbox, APPLICANT_PHONE)
    monkeypatch.setattr(ctx, "sms", _BrokenSms())
    response = application.post("signature", {"method": "sms", "code": code})
    assert response.get_json()["status"] == "awaiting_owner"
    with ctx.session() as session:
        owner_codes = session.scalars(
            select(OneTimeCode).where(OneTimeCode.enrolment_id == f"app:{application.id}:owner")
        ).all()
    assert owner_codes == []  # the code that could not be sent was not kept
    monkeypatch.undo()
    assert application.post("owner-code", token=False).status_code == 202
    response = application.post("owner-decision", {"code": code_for(outbox, OWNER_PHONE)}, token=False)
    assert response.get_json()["status"] == "registered"


def test_the_sms_says_what_the_code_confirms(client, outbox):
    application = file(client, owner=OWNER_IIN)
    application.post("signing-code", {"language": "ru"})
    to_applicant = read_outbox(outbox)[-1]
    reference = application.id[:8].upper()
    assert to_applicant["sender"] == "1414"
    assert "заявления о регистрации" in to_applicant["text"] and reference in to_applicant["text"]
    application.post("signature", {"method": "sms", "code": code_for(outbox, APPLICANT_PHONE)})
    to_owner = read_outbox(outbox)[-1]
    assert to_owner["phone"] == OWNER_PHONE
    assert (
        ADDRESS in to_owner["text"]
        and "Жұмабеков Асқар" in to_owner["text"]
        and reference in to_owner["text"]
    )
    assert to_owner["text"].startswith(f"Code {code_for(outbox, OWNER_PHONE)}:")
