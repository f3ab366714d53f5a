"""Registration-service codes are committed first and the SMS sent after: a slow provider holds no
SQLite write lock, and a failed send keeps nothing (no code, no ``ok`` audit event, earlier codes live)."""

from __future__ import annotations

import threading
import time

from flow_helpers import code_for
from registration_helpers import APPLICANT_PHONE, OWNER_IIN, OWNER_PHONE, file
from sms_gateways import PROVIDER_DELAY, SlowGateway, SwitchableGateway
from sqlalchemy import select

from eds_toolkit.core.audit_models import AuditEvent
from eds_toolkit.otp import OneTimeCode
from eds_toolkit.sms import OutboxGateway, read_outbox


def test_a_slow_sms_provider_does_not_hold_the_write_lock_for_the_signing_code(app, ctx, monkeypatch):
    application = file(app.test_client())
    gateway = SlowGateway()
    monkeypatch.setattr(ctx, "sms", gateway)
    answers: dict[str, int] = {}

    def ask_for_code() -> None:
        answers["code"] = application.post("signing-code").status_code

    application.client = app.test_client()  # a client of its own for the thread
    slow = threading.Thread(target=ask_for_code)
    slow.start()
    assert gateway.sending.wait(10), "the signing code's SMS was never sent"
    began = time.monotonic()
    other = file(app.test_client(), applicant=OWNER_IIN)  # a write to the same SQLite database
    waited = time.monotonic() - began
    slow.join()
    assert answers["code"] == 202 and other.status() == "draft"
    assert gateway.sent == [APPLICANT_PHONE]
    # with the SMS sent inside the transaction, filing queued behind the provider for PROVIDER_DELAY
    assert waited < PROVIDER_DELAY / 2, f"filing waited {waited:.2f} s for the SMS provider"


def test_a_failed_owner_resend_keeps_nothing_and_the_earlier_code_still_works(
    client, ctx, outbox, clock, monkeypatch
):
    gateway = SwitchableGateway(OutboxGateway(outbox, clock=clock))
    monkeypatch.setattr(ctx, "sms", gateway)
    application = file(client, owner=OWNER_IIN)
    application.post("signing-code")
    application.post("signature", {"method": "sms", "code": code_for(outbox, APPLICANT_PHONE)})
    first = code_for(outbox, OWNER_PHONE)
    clock.advance(61)
    gateway.broken = True
    failed = application.post("owner-code", token=False)
    assert failed.status_code == 503 and failed.get_json()["code"] == "sms_failed"
    with ctx.session() as session:
        owner_codes = session.scalars(
            select(OneTimeCode).where(OneTimeCode.enrolment_id == f"app:{application.id}:owner")
        ).all()
        steps = session.execute(
            select(AuditEvent.action, AuditEvent.outcome)
            .where(AuditEvent.action == "application.owner_code")
            .order_by(AuditEvent.id)
        ).all()
    assert len(owner_codes) == 1  # only the first code
    # append-only: the resend, its undo (the SMS failed), the refusal the owner got
    assert steps == [
        ("application.owner_code", "ok"),
        ("application.owner_code", "undone"),
        ("application.owner_code", "refused"),
    ]
    assert len(read_outbox(outbox)) == 2  # the applicant's code and the owner's first one
    gateway.broken = False
    response = application.post("owner-decision", {"code": first}, token=False)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == "registered"


def test_a_failed_owner_resend_can_be_retried_at_once(client, ctx, outbox, clock, monkeypatch):
    gateway = SwitchableGateway(OutboxGateway(outbox, clock=clock))
    monkeypatch.setattr(ctx, "sms", gateway)
    application = file(client, owner=OWNER_IIN)
    application.post("signing-code")
    application.post("signature", {"method": "sms", "code": code_for(outbox, APPLICANT_PHONE)})
    clock.advance(61)
    gateway.broken = True
    assert application.post("owner-code", token=False).status_code == 503
    gateway.broken = False
    assert application.post("owner-code", token=False).status_code == 202  # no 60-second wait
    response = application.post("owner-decision", {"code": code_for(outbox, OWNER_PHONE)}, token=False)
    assert response.get_json()["status"] == "registered"
