"""The SMS is sent after the code is committed: a slow provider holds no database lock, and a failed
send leaves nothing usable behind."""

from __future__ import annotations

import threading
import time

from flow_helpers import KNOWN_IIN, KNOWN_PHONE, NEW_PHONE, UNKNOWN_IIN, api_start, make_settings
from sqlalchemy import func, select

from eds_toolkit.flow.models import AuditEvent
from eds_toolkit.otp import OneTimeCode
from eds_toolkit.sms import OutboxGateway, SmsDeliveryError, read_outbox
from eds_toolkit.web import create_app

PROVIDER_DELAY = 4.0  # seconds the slow provider takes to accept an SMS


class SlowGateway:
    """A provider that takes PROVIDER_DELAY seconds to accept each SMS."""

    def __init__(self) -> None:
        self.sending = threading.Event()
        self.sent: list[str] = []

    def send(self, phone: str, text: str, *, sender: str = "1414") -> None:
        self.sending.set()
        time.sleep(PROVIDER_DELAY)
        self.sent.append(phone)


class SwitchableGateway:
    """The outbox gateway, failing while ``broken`` is set."""

    def __init__(self, outbox: OutboxGateway) -> None:
        self.outbox = outbox
        self.broken = False

    def send(self, phone: str, text: str, *, sender: str = "1414") -> None:
        if self.broken:
            raise SmsDeliveryError("provider answered 500")
        self.outbox.send(phone, text, sender=sender)


def test_a_slow_sms_provider_does_not_hold_up_another_enrolment_on_sqlite(home, clock):
    gateway = SlowGateway()
    app = create_app(make_settings(home, clock, sms=gateway))
    answers: dict[str, int] = {}

    def known_start() -> None:
        answers["known"] = app.test_client().post("/api/v1/enrolments", json={"iin": KNOWN_IIN}).status_code

    slow = threading.Thread(target=known_start)
    slow.start()
    assert gateway.sending.wait(10), "the known IIN's SMS was never sent"
    began = time.monotonic()
    parallel = app.test_client().post("/api/v1/enrolments", json={"iin": UNKNOWN_IIN})
    waited = time.monotonic() - began
    slow.join()
    assert parallel.status_code == 201 and answers["known"] == 201
    assert gateway.sent == [KNOWN_PHONE]
    # before the fix the parallel write queued behind the provider call for the whole PROVIDER_DELAY
    assert waited < PROVIDER_DELAY / 2, f"the parallel start waited {waited:.2f} s for the SMS provider"


def test_a_failed_resend_keeps_nothing_and_can_be_retried_at_once(home, clock, outbox):
    gateway = SwitchableGateway(OutboxGateway(outbox, clock=clock))
    app = create_app(make_settings(home, clock, sms=gateway))
    client, ctx = app.test_client(), app.extensions["eds_flow"]
    enrolment = api_start(client)
    clock.advance(61)
    gateway.broken = True
    failed = enrolment.post("code/resend")
    assert failed.status_code == 503 and failed.get_json()["code"] == "sms_failed"
    with ctx.sessions() as session:
        assert session.scalar(select(func.count()).select_from(OneTimeCode)) == 1  # only the first code
        actions = session.execute(select(AuditEvent.action, AuditEvent.outcome).order_by(AuditEvent.id)).all()
    assert ("resend_code", "ok") not in actions and ("resend_code", "refused") in actions
    gateway.broken = False
    assert enrolment.post("code/resend").status_code == 202  # no 60-second wait after a failed send
    assert len(read_outbox(outbox)) == 2


def test_a_failed_phone_registration_leaves_no_pending_number(home, clock, outbox):
    gateway = SwitchableGateway(OutboxGateway(outbox, clock=clock))
    app = create_app(make_settings(home, clock, sms=gateway))
    client, ctx = app.test_client(), app.extensions["eds_flow"]
    enrolment = api_start(client, UNKNOWN_IIN)
    gateway.broken = True
    failed = enrolment.post("phone", {"phone": NEW_PHONE})
    assert failed.status_code == 503 and failed.get_json()["code"] == "sms_failed"
    view = client.get(f"/api/v1/enrolments/{enrolment.id}", headers=enrolment.auth).get_json()
    assert view["code_sent_to_new_phone"] is False and view["state"] == "started"
    with ctx.sessions() as session:
        phones = session.scalars(select(OneTimeCode.phone)).all()
        registered = session.scalar(
            select(func.count()).where(AuditEvent.action == "register_phone", AuditEvent.outcome == "ok")
        )
    assert NEW_PHONE not in phones and registered == 0
    gateway.broken = False
    assert enrolment.post("phone", {"phone": NEW_PHONE}).status_code == 202
    assert [m["phone"] for m in read_outbox(outbox)] == [NEW_PHONE]
