"""A citizen the register no longer knows by the PIN step (removed while they were being identified; an IIN
it never knew stops right after the SMS step, see identification/test_state_photo.py) gets a clear
refusal (visit a service centre) and the enrolment stops; an outage of the register stays a 503 to retry."""

from __future__ import annotations

from flow_helpers import GOOD_PIN, NEW_PHONE, NO_PHONE_IIN, api_start, code_for
from sqlalchemy import delete, select

from eds_toolkit.citizens import Citizen, CitizensRegistryError
from eds_toolkit.core.audit_models import AuditEvent
from tests.evidence_free import mark_identified

PIN = {"pin": GOOD_PIN, "pin_confirmation": GOOD_PIN}


def identified_with_a_new_phone(client, ctx, outbox, iin: str):
    enrolment = api_start(client, iin)
    assert enrolment.post("phone", {"phone": NEW_PHONE}).status_code == 202
    assert enrolment.post("phone/confirm", {"code": code_for(outbox, NEW_PHONE)}).status_code == 200
    mark_identified(ctx, enrolment.id)
    return enrolment


def removed_from_the_register(ctx, iin: str) -> None:
    with ctx.sessions() as session:
        session.execute(delete(Citizen).where(Citizen.iin == iin))
        session.commit()


def test_a_citizen_removed_from_the_register_is_refused_at_the_pin_step_and_the_enrolment_stops(
    client, ctx, outbox
):
    enrolment = identified_with_a_new_phone(client, ctx, outbox, NO_PHONE_IIN)
    removed_from_the_register(ctx, NO_PHONE_IIN)
    response = enrolment.post("pin", PIN)
    assert response.status_code == 409
    body = response.get_json()
    assert body["code"] == "not_in_register"
    assert "service centre" in body["detail"]
    assert enrolment.state() == "failed"
    again = enrolment.post("pin", PIN)
    assert again.status_code == 409 and again.get_json()["code"] == "enrolment_failed"
    assert ctx.citizens.lookup(NO_PHONE_IIN) is None  # nothing was written into the base
    with ctx.sessions() as session:
        stopped = session.scalars(
            select(AuditEvent).where(AuditEvent.enrolment_id == enrolment.id, AuditEvent.to_state == "failed")
        ).first()
    assert stopped.action == "not_in_register" and stopped.reason == "not_in_register"


def test_the_refusal_is_given_in_russian(client, ctx, outbox):
    enrolment = identified_with_a_new_phone(client, ctx, outbox, NO_PHONE_IIN)
    removed_from_the_register(ctx, NO_PHONE_IIN)
    response = client.post(
        f"/api/v1/enrolments/{enrolment.id}/pin",
        json=PIN,
        headers={**enrolment.auth, "Accept-Language": "ru"},
    )
    assert response.status_code == 409
    assert "в ЦОН с удостоверением личности" in response.get_json()["detail"]


class RegisterDown:
    """The citizens base answering lookups while writing a phone fails (an outage)."""

    def __init__(self, base) -> None:
        self.base = base

    def lookup(self, iin: str):
        return self.base.lookup(iin)

    def register_phone(self, iin: str, phone: str) -> None:
        raise CitizensRegistryError("the registry did not answer")


def test_an_outage_of_the_register_is_a_503_and_the_citizen_may_retry(client, ctx, outbox):
    enrolment = identified_with_a_new_phone(client, ctx, outbox, NO_PHONE_IIN)  # in the base, no phone
    working = ctx.citizens
    ctx.citizens = RegisterDown(working)
    try:
        response = enrolment.post("pin", PIN)
    finally:
        ctx.citizens = working
    assert response.status_code == 503 and response.get_json()["code"] == "registry_unavailable"
    assert enrolment.state() == "face_matched"
    assert enrolment.post("pin", PIN).status_code == 200
    assert ctx.citizens.lookup(NO_PHONE_IIN).phone == NEW_PHONE
