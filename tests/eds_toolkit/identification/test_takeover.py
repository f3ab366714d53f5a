"""The account takeover of issue 8, replayed end to end with real frames, on SQLite and PostgreSQL.

The victim (demo IIN 850314312017) has a phone in the base, a Digital ID PIN and valid certificates
from an earlier enrolment; the state photo of the IIN is the victim's (here: Obama's portrait). The
attacker knows only the IIN. They register their own phone, confirm it with the code sent to it, and
go through identification live, with their own face (the d18 clip) and a card photo of themselves.
It stops at the face match against the state photo, and nothing of the victim's changes; the victim
is told on the number on record.
"""

from __future__ import annotations

import pytest
from flow_helpers import (
    GOOD_PIN,
    KNOWN_IIN,
    KNOWN_PHONE,
    api_start,
    code_for,
    make_csr_pem,
    make_settings,
    read_outbox,
)
from identify_helpers import new_task, problem, send_frames, send_image
from pg_server import empty_database
from sqlalchemy import select, update

from eds_toolkit.citizens import Citizen
from eds_toolkit.flow.models import DigitalIdAccount
from eds_toolkit.web import create_app
from eds_toolkit.web.context import service
from tests.evidence_free import mark_identified

ATTACKER_PHONE = "+77075550101"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def app(request, home, clock, identify_config):
    overrides = {}
    if request.param == "postgresql":
        server = request.getfixturevalue("postgres")
        empty_database(server.url)
        overrides["database_url"] = server.url
    return create_app(make_settings(home, clock, identify=identify_config, **overrides))


def victim_with_pin_and_certificates(client, ctx, outbox, clock, state_photo: bytes) -> dict:
    """The victim's own earlier enrolment (identified through the library), and their state photo."""
    enrolment = api_start(client, KNOWN_IIN)
    assert enrolment.post("code", {"code": code_for(outbox, KNOWN_PHONE)}).status_code == 200
    mark_identified(ctx, enrolment.id)
    assert enrolment.post("pin", {"pin": GOOD_PIN, "pin_confirmation": GOOD_PIN}).status_code == 200
    assert enrolment.post("application/confirm").status_code == 200
    csrs = {"auth_csr": make_csr_pem(KNOWN_IIN).decode(), "sign_csr": make_csr_pem(KNOWN_IIN).decode()}
    issued = enrolment.post("certificates", csrs)
    assert issued.status_code == 201
    with ctx.sessions() as session:
        session.execute(update(Citizen).where(Citizen.iin == KNOWN_IIN).values(photo=state_photo))
        session.commit()
    clock.advance(3600)  # a day in the victim's life later
    return {
        "pin_hash": account_pin_hash(ctx),
        "serials": [issued.get_json()["auth_serial"], issued.get_json()["sign_serial"]],
    }


def account_pin_hash(ctx) -> str:
    with ctx.sessions() as session:
        return session.get(DigitalIdAccount, KNOWN_IIN).pin_hash


def certificate_statuses(ctx, serials: list[str]) -> list[str]:
    from ca.store import CertificateRecord

    with ctx.sessions() as session:
        return [
            session.scalar(select(CertificateRecord.status).where(CertificateRecord.serial == s))
            for s in serials
        ]


def test_an_attacker_who_knows_only_the_iin_cannot_take_the_account_over(
    app, clock, outbox, obama_jpeg, selfie_jpeg, d18_frames, id_photo_jpeg
):
    client, ctx = app.test_client(), service(app).flow
    victim = victim_with_pin_and_certificates(client, ctx, outbox, clock, state_photo=obama_jpeg)
    texts_to_victim_before = len([m for m in read_outbox(outbox) if m["phone"] == KNOWN_PHONE])

    # The attacker: the IIN, then "No code came? Register or change your phone number".
    attack = api_start(client, KNOWN_IIN)
    assert attack.post("phone", {"phone": ATTACKER_PHONE}).status_code == 202
    assert attack.post("phone/confirm", {"code": code_for(outbox, ATTACKER_PHONE)}).status_code == 200
    # The victim hears of it at once, on the number on record.
    to_victim = [m["text"] for m in read_outbox(outbox) if m["phone"] == KNOWN_PHONE][texts_to_victim_before:]
    assert to_victim[0].startswith("Your one-time code")  # the start's code, which the attacker never saw
    assert len(to_victim) == 2 and "changing the phone number of IIN ...2017" in to_victim[1]

    # Live, with their own face and their own "identity card": the checks they control pass...
    assert send_image(attack, "selfie", selfie_jpeg).status_code == 200
    assert send_frames(attack, new_task(attack)["nonce"], d18_frames).status_code == 200
    # ...and the first step that should stop them does: the state photo is not their face.
    for attempt in range(3):
        body = problem(send_image(attack, "id-photo", id_photo_jpeg))
        assert body["reasons"] == ["no_match_record"]
    assert body["code"] == "identification_failed" and attack.state() == "failed"
    assert (
        problem(attack.post("pin", {"pin": "739184", "pin_confirmation": "739184"}))["code"]
        == "enrolment_failed"
    )

    # Nothing of the victim's changed.
    assert ctx.citizens.lookup(KNOWN_IIN).phone == KNOWN_PHONE
    assert account_pin_hash(ctx) == victim["pin_hash"]
    assert certificate_statuses(ctx, victim["serials"]) == ["valid", "valid"]
    from eds_toolkit.flow.phone_change_models import PhoneChange

    with ctx.sessions() as session:
        change = session.scalars(select(PhoneChange)).one()
    assert (change.old_phone, change.new_phone, change.applied_at) == (KNOWN_PHONE, ATTACKER_PHONE, None)


def test_without_a_state_photo_the_same_attack_stops_right_after_the_attackers_own_code(app, clock, outbox):
    """The run of the issue: all demo citizens used to have no state photo, and the attacker's own card
    was then the only reference. Now there is nothing to identify against: a service centre."""
    client, ctx = app.test_client(), service(app).flow
    victim = victim_with_pin_and_certificates(client, ctx, outbox, clock, state_photo=None)

    attack = api_start(client, KNOWN_IIN)
    assert attack.post("phone", {"phone": ATTACKER_PHONE}).status_code == 202
    refused = attack.post("phone/confirm", {"code": code_for(outbox, ATTACKER_PHONE)})
    assert refused.status_code == 409 and problem(refused)["code"] == "service_centre_required"
    assert attack.state() == "failed"
    assert problem(attack.post("liveness"))["code"] == "enrolment_failed"

    assert ctx.citizens.lookup(KNOWN_IIN).phone == KNOWN_PHONE
    assert account_pin_hash(ctx) == victim["pin_hash"]
    assert certificate_statuses(ctx, victim["serials"]) == ["valid", "valid"]
    assert (
        "changing the phone number"
        in [m for m in read_outbox(outbox) if m["phone"] == KNOWN_PHONE][-1]["text"]
    )
