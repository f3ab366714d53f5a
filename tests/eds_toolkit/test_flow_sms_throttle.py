"""SMS codes are throttled per destination number across every enrolment (no SMS bombing of one phone)."""

from __future__ import annotations

import datetime as dt

import pytest
from flow_helpers import (
    KNOWN_IIN,
    KNOWN_PHONE,
    NEW_PHONE,
    UNKNOWN_IIN,
    ApiEnrolment,
    api_start,
    make_settings,
    race,
    read_outbox,
)
from pg_server import empty_database

from eds_toolkit import flow
from eds_toolkit.web import create_app
from eds_toolkit.web.context import service
from national_profile.iin import make_iin


def other_iins(count: int) -> list[str]:
    """Valid IINs that are not in the demo citizens base, all different."""
    iins = []
    serial = 4000
    while len(iins) < count:
        iin = make_iin(dt.date(1991, 5, 17), "M", serial)
        serial = int(iin[7:11]) + 1
        if iin not in iins:
            iins.append(iin)
    return iins


def test_six_enrolments_registering_one_number_send_it_one_sms(client, outbox, clock):
    enrolments = [api_start(client, iin) for iin in other_iins(6)]
    assert enrolments[0].post("phone", {"phone": NEW_PHONE}).status_code == 202
    for enrolment in enrolments[1:]:
        response = enrolment.post("phone", {"phone": NEW_PHONE})
        assert response.status_code == 429
        body = response.get_json()
        assert body["code"] == "resend_too_soon"
        assert int(response.headers["Retry-After"]) == body["retry_after"] == 60
    assert [message["phone"] for message in read_outbox(outbox)] == [NEW_PHONE]

    # a minute apart, 5 codes an hour reach the number, whichever enrolments ask
    for enrolment in enrolments[1:5]:
        clock.advance(61)
        assert enrolment.post("phone", {"phone": NEW_PHONE}).status_code == 202
    clock.advance(61)
    refused = enrolments[5].post("phone", {"phone": NEW_PHONE})
    assert refused.status_code == 429 and refused.get_json()["code"] == "too_many_resends"
    assert len(read_outbox(outbox)) == 5
    # another number is not affected
    assert enrolments[5].post("phone", {"phone": "+77017770000"}).status_code == 202


def test_start_of_a_known_iin_whose_phone_is_throttled_answers_as_any_iin_and_sends_nothing(
    client, outbox, clock
):
    squatter = api_start(client, other_iins(1)[0])
    assert squatter.post("phone", {"phone": KNOWN_PHONE}).status_code == 202
    assert len(read_outbox(outbox)) == 1

    known = client.post("/api/v1/enrolments", json={"iin": KNOWN_IIN})
    unknown = client.post("/api/v1/enrolments", json={"iin": UNKNOWN_IIN})
    assert known.status_code == unknown.status_code == 201

    def shape(body: dict) -> dict:
        return {k: v for k, v in body.items() if k not in ("id", "token")}

    assert shape(known.get_json()) == shape(unknown.get_json())
    assert len(read_outbox(outbox)) == 1  # no second SMS to the throttled number

    # once the minute has passed, the citizen's resend reaches the phone in the base
    clock.advance(61)
    body = known.get_json()
    enrolment = ApiEnrolment(client, body["id"], body["token"])
    assert enrolment.post("code/resend").status_code == 202
    assert [message["phone"] for message in read_outbox(outbox)] == [KNOWN_PHONE, KNOWN_PHONE]


def race_to_one_number(client, ctx, outbox) -> None:
    enrolments = [api_start(client, iin) for iin in other_iins(6)]
    turn = iter(enrolments)
    outcomes = race(6, lambda: flow.register_phone(ctx, next(turn).id, NEW_PHONE))
    assert sorted(outcomes) == ["ok"] + ["resend_too_soon"] * 5
    assert [message["phone"] for message in read_outbox(outbox)] == [NEW_PHONE]


def test_enrolments_racing_to_one_number_send_it_one_sms(client, ctx, outbox):
    race_to_one_number(client, ctx, outbox)


@pytest.mark.postgres
def test_enrolments_racing_to_one_number_send_it_one_sms_on_postgresql(home, clock, outbox, postgres):
    empty_database(postgres.url)
    app = create_app(make_settings(home, clock, database_url=postgres.url))
    race_to_one_number(app.test_client(), service(app).flow, outbox)
