"""A new number for an IIN whose base has one: the old number is told, the change is held (the PIN and
the certificates wait with it), the old number can confirm it at once or stop it; and the owner is told
of every PIN reset and issuance, which revokes the IIN's earlier certificates (superseded)."""

from __future__ import annotations

import re

import pytest
from flow_helpers import (
    GOOD_PIN,
    KNOWN_IIN,
    KNOWN_PHONE,
    NEW_PHONE,
    api_start,
    code_for,
    make_csr_pem,
    read_outbox,
    submit,
)
from sqlalchemy import select

from ca.store import CertificateRecord
from eds_toolkit.flow.models import DigitalIdAccount
from eds_toolkit.web.context import service
from tests.evidence_free import mark_identified

PIN = {"pin": GOOD_PIN, "pin_confirmation": GOOD_PIN}
NEW_PIN = {"pin": "739184", "pin_confirmation": "739184"}
HOLD = 72 * 3600


def csrs() -> dict:
    return {"auth_csr": make_csr_pem(KNOWN_IIN).decode(), "sign_csr": make_csr_pem(KNOWN_IIN).decode()}


def texts_to(outbox, phone: str) -> list[str]:
    return [m["text"] for m in read_outbox(outbox) if m["phone"] == phone]


def owner_code(outbox) -> str:
    """The 8-digit code of the latest phone-change notice to the number on record."""
    notice = [t for t in texts_to(outbox, KNOWN_PHONE) if "changing the phone number" in t][-1]
    return re.search(r"code (\d{8})", notice).group(1)


def pin_hash(ctx) -> str | None:
    with ctx.sessions() as session:
        account = session.get(DigitalIdAccount, KNOWN_IIN)
        return account.pin_hash if account else None


def owner_enrolment(client, ctx, outbox, clock) -> list[str]:
    """The owner's own earlier enrolment through the number on record: a PIN and a valid pair."""
    enrolment = api_start(client, KNOWN_IIN)
    assert enrolment.post("code", {"code": code_for(outbox, KNOWN_PHONE)}).status_code == 200
    mark_identified(ctx, enrolment.id)
    assert enrolment.post("pin", PIN).status_code == 200
    assert enrolment.post("application/confirm").status_code == 200
    body = enrolment.post("certificates", csrs()).get_json()
    clock.advance(3600)
    return [body["auth_serial"], body["sign_serial"]]


def changed_phone_enrolment(client, ctx, outbox):
    """An enrolment of KNOWN_IIN through a new number, identified (through the library) and with a PIN."""
    enrolment = api_start(client, KNOWN_IIN)
    assert enrolment.post("phone", {"phone": NEW_PHONE}).status_code == 202
    assert enrolment.post("phone/confirm", {"code": code_for(outbox, NEW_PHONE)}).status_code == 200
    mark_identified(ctx, enrolment.id)
    assert enrolment.post("pin", NEW_PIN).status_code == 200
    assert enrolment.post("application/confirm").status_code == 200
    return enrolment


def statuses(ctx, serials: list[str]) -> list[tuple[str, str | None]]:
    with ctx.sessions() as session:
        return [
            tuple(
                session.execute(
                    select(CertificateRecord.status, CertificateRecord.revocation_reason).where(
                        CertificateRecord.serial == s
                    )
                ).one()
            )
            for s in serials
        ]


def test_a_new_number_is_held_nothing_is_issued_and_the_old_number_is_told(client, ctx, outbox, clock):
    old_pair = owner_enrolment(client, ctx, outbox, clock)
    old_pin = pin_hash(ctx)
    enrolment = changed_phone_enrolment(client, ctx, outbox)

    view = client.get(f"/api/v1/enrolments/{enrolment.id}", headers=enrolment.auth).get_json()
    assert view["state"] == "pin_set" and view["phone_change_release_at"].startswith("2026-03-05T11:00")
    refused = enrolment.post("certificates", csrs())
    assert refused.status_code == 409 and refused.get_json()["code"] == "phone_change_pending"
    assert "05.03.2026 11:00 UTC" in refused.get_json()["detail"]
    server = enrolment.post("certificates", {"key_generation": "server", "password": "Tulpar-Kokpar-2026"})
    assert server.get_json()["code"] == "phone_change_pending"
    assert ctx.citizens.lookup(KNOWN_IIN).phone == KNOWN_PHONE  # the base keeps the number on record
    assert pin_hash(ctx) == old_pin  # the account keeps its PIN
    assert statuses(ctx, old_pair) == [("valid", None), ("valid", None)]
    notice = [t for t in texts_to(outbox, KNOWN_PHONE) if "changing the phone number" in t]
    assert len(notice) == 1 and "+770******77" in notice[0] and "/phone-change/stop" in notice[0]


def test_after_the_hold_the_change_takes_effect_the_pin_too_and_the_old_pair_is_superseded(
    client, ctx, outbox, clock
):
    old_pair = owner_enrolment(client, ctx, outbox, clock)
    old_pin = pin_hash(ctx)
    enrolment = changed_phone_enrolment(client, ctx, outbox)
    clock.advance(HOLD)
    # the enrolment outlived its one-hour lifetime: it waits for the hold
    issued = enrolment.post("certificates", csrs())
    assert issued.status_code == 201, issued.get_json()
    assert sorted(issued.get_json()["superseded_serials"]) == sorted(old_pair)
    assert statuses(ctx, old_pair) == [("revoked", "superseded"), ("revoked", "superseded")]
    assert ctx.citizens.lookup(KNOWN_IIN).phone == NEW_PHONE
    assert pin_hash(ctx) != old_pin
    to_old = texts_to(outbox, KNOWN_PHONE)
    assert "PIN of IIN ...2017 was changed" in to_old[-2]
    assert (
        "certificates (AUTH and SIGN) were issued" in to_old[-1]
        and "earlier certificates were revoked" in to_old[-1]
    )


def test_the_old_numbers_code_releases_the_change_at_once(client, ctx, outbox, clock):
    enrolment = changed_phone_enrolment(client, ctx, outbox)
    wrong = enrolment.post("phone-change/confirm", {"code": "00000000"})
    assert wrong.status_code == 422 and wrong.get_json()["code"] == "code_wrong"
    assert enrolment.post("certificates", csrs()).status_code == 409
    assert enrolment.post("phone-change/confirm", {"code": owner_code(outbox)}).status_code == 200
    assert enrolment.post("certificates", csrs()).status_code == 201
    assert ctx.citizens.lookup(KNOWN_IIN).phone == NEW_PHONE


def test_five_wrong_owner_codes_leave_only_the_hold(client, ctx, outbox):
    enrolment = changed_phone_enrolment(client, ctx, outbox)
    for _ in range(5):
        assert enrolment.post("phone-change/confirm", {"code": "12345678"}).status_code == 422
    locked = enrolment.post("phone-change/confirm", {"code": owner_code(outbox)})
    assert locked.get_json()["code"] == "owner_code_locked"
    assert enrolment.post("certificates", csrs()).get_json()["code"] == "phone_change_pending"


def test_the_owner_stops_the_change_with_the_code_and_nothing_happens(client, ctx, outbox, clock):
    old_pair = owner_enrolment(client, ctx, outbox, clock)
    enrolment = changed_phone_enrolment(client, ctx, outbox)
    wrong = submit(client, "/phone-change/stop", "/phone-change/stop", iin=KNOWN_IIN, code="11112222")
    assert wrong.status_code == 422 and "does not stop any change" in wrong.get_data(as_text=True)
    stopped = submit(
        client, "/phone-change/stop", "/phone-change/stop", iin=KNOWN_IIN, code=owner_code(outbox)
    )
    assert stopped.status_code == 200 and "The change is stopped" in stopped.get_data(as_text=True)
    assert enrolment.state() == "failed"
    clock.advance(HOLD)
    assert enrolment.post("certificates", csrs()).get_json()["code"] == "enrolment_failed"
    assert ctx.citizens.lookup(KNOWN_IIN).phone == KNOWN_PHONE
    assert statuses(ctx, old_pair) == [("valid", None), ("valid", None)]


def test_the_stop_page_says_nothing_about_whether_a_change_exists(client, outbox):
    answers = []
    for iin in (KNOWN_IIN, "920721433024"):  # a change pending for the first one only
        if iin == KNOWN_IIN:
            enrolment = api_start(client, KNOWN_IIN)
            enrolment.post("phone", {"phone": NEW_PHONE})
            enrolment.post("phone/confirm", {"code": code_for(outbox, NEW_PHONE)})
        page = submit(client, "/phone-change/stop", "/phone-change/stop", iin=iin, code="11112222")
        answers.append((page.status_code, re.sub(r'value="[^"]*"', "", page.get_data(as_text=True))))
    assert answers[0] == answers[1]


def test_a_later_enrolment_with_the_same_new_number_continues_the_same_hold(client, ctx, outbox, clock):
    first = changed_phone_enrolment(client, ctx, outbox)
    release = client.get(f"/api/v1/enrolments/{first.id}", headers=first.auth).get_json()[
        "phone_change_release_at"
    ]
    clock.advance(2 * 3600)  # the citizen lost the browser session and starts again
    second = changed_phone_enrolment(client, ctx, outbox)
    view = client.get(f"/api/v1/enrolments/{second.id}", headers=second.auth).get_json()
    assert view["phone_change_release_at"] == release
    assert len([t for t in texts_to(outbox, KNOWN_PHONE) if "changing the phone number" in t]) == 1
    clock.advance(HOLD - 2 * 3600)
    assert second.post("certificates", csrs()).status_code == 201


def test_a_pin_reset_by_the_owner_through_the_number_on_record_is_told_to_that_number(
    client, ctx, outbox, clock
):
    owner_enrolment(client, ctx, outbox, clock)
    before = pin_hash(ctx)
    enrolment = api_start(client, KNOWN_IIN)
    assert enrolment.post("code", {"code": code_for(outbox, KNOWN_PHONE)}).status_code == 200
    mark_identified(ctx, enrolment.id)
    view = client.get(f"/api/v1/enrolments/{enrolment.id}", headers=enrolment.auth).get_json()
    assert view["replaces_pin"] is True  # said before the citizen types a PIN
    assert enrolment.post("pin", NEW_PIN).status_code == 200
    assert pin_hash(ctx) != before
    assert "PIN of IIN ...2017 was changed" in texts_to(outbox, KNOWN_PHONE)[-1]


def test_the_certificates_page_says_which_certificates_a_new_pair_revokes(client, ctx, outbox, clock):
    old_pair = owner_enrolment(client, ctx, outbox, clock)
    submit(client, "/", "/start", iin=KNOWN_IIN)
    submit(client, "/code", "/code", code=code_for(outbox, KNOWN_PHONE))
    with client.session_transaction() as session:
        mark_identified(ctx, session["enrolment_id"])
    assert "replaces its PIN" in client.get("/pin").get_data(as_text=True)
    submit(client, "/pin", "/pin", **PIN)
    submit(client, "/certificates/review", "/certificates/review")
    page = client.get("/certificates").get_data(as_text=True)
    assert "revokes the ones you hold now" in page
    assert all(serial in page for serial in old_pair)


def test_the_held_page_offers_the_old_numbers_code(client, ctx, outbox):
    submit(client, "/", "/start", iin=KNOWN_IIN)
    submit(client, "/phone", "/phone", phone=NEW_PHONE)
    submit(client, "/phone/confirm", "/phone/confirm", code=code_for(outbox, NEW_PHONE))
    with client.session_transaction() as session:
        mark_identified(ctx, session["enrolment_id"])
    submit(client, "/pin", "/pin", **NEW_PIN)
    page = client.get("/certificates").get_data(as_text=True)
    assert "not in effect yet" in page and "Mar 5, 2026, 15:00 GMT+05:00" in page  # 10:00 UTC, in Almaty
    released = submit(client, "/certificates", "/certificates/owner-code", code=owner_code(outbox))
    assert released.status_code == 302
    assert "not in effect yet" not in client.get("/certificates").get_data(as_text=True)


@pytest.mark.parametrize("hold_hours", [0])
def test_a_hold_of_zero_hours_releases_at_once(home, clock, hold_hours):
    from flow_helpers import make_settings

    from eds_toolkit.web import create_app

    app = create_app(make_settings(home, clock, phone_change_hold_hours=hold_hours))
    client, ctx = app.test_client(), service(app).flow
    enrolment = changed_phone_enrolment(client, ctx, home / "outbox.jsonl")
    assert enrolment.post("certificates", csrs()).status_code == 201


def test_a_change_left_unused_a_week_after_its_release_is_not_continued(client, ctx, outbox, clock):
    first = changed_phone_enrolment(client, ctx, outbox)
    released = client.get(f"/api/v1/enrolments/{first.id}", headers=first.auth).get_json()
    clock.advance(HOLD + 8 * 24 * 3600)
    later = changed_phone_enrolment(client, ctx, outbox)
    view = client.get(f"/api/v1/enrolments/{later.id}", headers=later.auth).get_json()
    assert view["phone_change_release_at"] > released["phone_change_release_at"]  # a new hold
    assert len([t for t in texts_to(outbox, KNOWN_PHONE) if "changing the phone number" in t]) == 2
    assert later.post("certificates", csrs()).get_json()["code"] == "phone_change_pending"


class SlowToTheNumberOnRecord:
    """The outbox gateway, taking 4 s for every SMS to the number on record."""

    def __init__(self, outbox) -> None:
        from eds_toolkit.sms import OutboxGateway

        self.outbox = OutboxGateway(outbox)

    def send(self, phone: str, text: str, *, sender: str = "1414") -> None:
        import time

        if phone == KNOWN_PHONE:
            time.sleep(4.0)
        self.outbox.send(phone, text, sender=sender)


def test_the_owners_notice_is_sent_after_the_answer_so_a_slow_provider_tells_nothing(home, clock, outbox):
    """Confirming a new number for an IIN with a number on record (a notice goes there) answers as fast
    as for one without (no notice): the answer does not tell whether the base had a number."""
    import time

    from flow_helpers import NO_PHONE_IIN, make_settings

    from eds_toolkit.web import create_app

    app = create_app(make_settings(home, clock, sms=SlowToTheNumberOnRecord(outbox)))
    client = app.test_client()
    took = []
    for iin, phone in ((KNOWN_IIN, NEW_PHONE), (NO_PHONE_IIN, "+77019998866")):
        enrolment = api_start(client, iin)
        assert enrolment.post("phone", {"phone": phone}).status_code == 202
        code = code_for(outbox, phone)
        began = time.perf_counter()
        assert enrolment.post("phone/confirm", {"code": code}).status_code == 200
        took.append(time.perf_counter() - began)
    assert took[0] < 2.0, f"the answer waited {took[0]:.2f} s for the notice to the number on record"
    assert "changing the phone number" in texts_to(outbox, KNOWN_PHONE)[-1]  # sent, after the answer
