"""SMS codes (NIST SP 800-63B): wrong codes are counted per enrolment and per IIN, across resends,
purposes and new enrolments; a code that was never sent confirms nothing."""

from __future__ import annotations

import pytest
from flow_helpers import (
    KNOWN_PHONE,
    NEW_PHONE,
    NO_PHONE_IIN,
    ApiEnrolment,
    api_start,
    code_for,
    make_settings,
)
from pg_server import empty_database
from sqlalchemy import select

from eds_toolkit import otp
from eds_toolkit.core.audit_models import AuditEvent
from eds_toolkit.web import create_app
from eds_toolkit.web.context import service

OTHER_IIN = "920721433024"  # demo citizen with a phone of her own
OTHER_PHONE = "+77051234568"
DAY = 24 * 3600


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def unsent_code(ctx, enrolment_id: str, purpose: str = "login") -> str:
    """Give the enrolment a new code sent nowhere (what a start without a phone makes); its digits."""
    with ctx.sessions() as session:
        _, code = otp.issue_code(
            session,
            enrolment_id=enrolment_id,
            purpose=purpose,
            phone=otp.UNSENT_PHONE,
            clock=ctx.clock,
            secret=ctx.otp_key,
        )
        session.commit()
    return code


def enter_wrong_codes(enrolment: ApiEnrolment, step: str, count: int, code: str = "000000") -> list[int]:
    """Enter ``count`` wrong codes at ``step``; their statuses."""
    return [enrolment.post(step, {"code": wrong(code)}).status_code for _ in range(count)]


def failure_events(ctx, enrolment_id: str) -> list[tuple[str | None, str | None]]:
    with ctx.sessions() as session:
        return session.execute(
            select(AuditEvent.to_state, AuditEvent.reason).where(
                AuditEvent.enrolment_id == enrolment_id,
                AuditEvent.outcome == "ok",
                AuditEvent.to_state == "failed",
            )
        ).all()


def test_the_right_digits_of_a_code_sent_nowhere_get_exactly_a_wrong_codes_answer(client, ctx, clock):
    quiet = api_start(client, NO_PHONE_IIN)
    other = api_start(client, NO_PHONE_IIN)
    clock.advance(61)
    code = unsent_code(ctx, quiet.id)
    unsent_code(ctx, other.id)

    right_digits = quiet.post("code", {"code": code})
    wrong_digits = other.post("code", {"code": wrong(code)})
    assert right_digits.status_code == wrong_digits.status_code == 422
    assert right_digits.get_json() == wrong_digits.get_json()
    assert right_digits.get_json()["code"] == "code_wrong"
    assert quiet.state() == "started"
    with ctx.sessions() as session:
        row = session.scalars(
            select(otp.OneTimeCode)
            .where(otp.OneTimeCode.enrolment_id == quiet.id)
            .order_by(otp.OneTimeCode.id.desc())
        ).first()
    assert row.attempts == 1 and row.used_at is None  # the try counted


def test_wrong_codes_count_across_resends_and_purposes_and_ten_end_the_enrolment(client, ctx, clock, outbox):
    enrolment = api_start(client)
    assert enter_wrong_codes(enrolment, "code", 4) == [422] * 4
    clock.advance(61)
    assert enrolment.post("code/resend").status_code == 202  # a fresh code, not fresh tries
    assert enter_wrong_codes(enrolment, "code", 3) == [422] * 3
    assert enrolment.post("phone", {"phone": NEW_PHONE}).status_code == 202
    new_code = code_for(outbox, NEW_PHONE)
    body = enrolment.post("phone/confirm", {"code": wrong(new_code)}).get_json()
    assert body["code"] == "code_wrong" and body["remaining"] == 2  # the enrolment's tries, not the code's
    assert enter_wrong_codes(enrolment, "phone/confirm", 1, new_code) == [422]

    tenth = enrolment.post("phone/confirm", {"code": wrong(new_code)})
    assert tenth.status_code == 429
    body = tenth.get_json()
    assert body["code"] == "too_many_wrong_codes"
    assert "start again" in body["detail"] and "service centre" in body["detail"]
    assert enrolment.state() == "failed"
    assert failure_events(ctx, enrolment.id) == [("failed", "too_many_wrong_codes")]
    # even the right code no longer helps
    after = enrolment.post("phone/confirm", {"code": new_code})
    assert after.status_code == 409 and after.get_json()["code"] == "enrolment_failed"


def spend_ten_tries(enrolment: ApiEnrolment, clock) -> list[int]:
    """Ten wrong codes: five on the first code (then it is dead), five on a resent one; their statuses."""
    statuses = enter_wrong_codes(enrolment, "code", 5)
    clock.advance(61)
    assert enrolment.post("code/resend").status_code == 202
    return statuses + enter_wrong_codes(enrolment, "code", 5)


def test_wrong_codes_count_per_iin_across_enrolments_and_lock_new_ones_until_the_window_frees(
    client, ctx, clock, outbox
):
    first = api_start(client)
    assert spend_ten_tries(first, clock) == [422] * 9 + [429]
    assert first.state() == "failed"
    clock.advance(61)
    second = api_start(client)
    assert spend_ten_tries(second, clock) == [422] * 9 + [429]

    clock.advance(61)
    third = api_start(client)  # a new enrolment: the IIN's count stays
    refused = third.post("code", {"code": code_for(outbox, KNOWN_PHONE)})  # even the right code
    assert refused.status_code == 429
    body = refused.get_json()
    assert body["code"] == "too_many_wrong_codes_for_iin"
    assert 0 < body["retry_after"] <= DAY and int(refused.headers["Retry-After"]) == body["retry_after"]
    assert "service centre" in body["detail"]
    assert third.state() == "failed"
    assert failure_events(ctx, third.id) == [("failed", "too_many_wrong_codes_for_iin")]

    other = api_start(client, OTHER_IIN)  # another IIN is not affected
    assert other.post("code", {"code": code_for(outbox, OTHER_PHONE)}).status_code == 200

    clock.advance(body["retry_after"])
    fourth = api_start(client)
    assert fourth.post("code", {"code": code_for(outbox, KNOWN_PHONE)}).status_code == 200
    assert fourth.state() == "phone_confirmed"


def race_the_last_tries(client, ctx, clock) -> None:
    """Eight wrong codes, then five wrong codes at once on a fresh code: exactly two more count."""
    from flow_helpers import race
    from sqlalchemy import func

    from eds_toolkit import flow

    enrolment = api_start(client)
    for _ in range(2):
        assert enter_wrong_codes(enrolment, "code", 4) == [422] * 4
        clock.advance(61)
        assert enrolment.post("code/resend").status_code == 202
    outcomes = race(5, lambda: flow.submit_code(ctx, enrolment.id, "000000"))
    with ctx.sessions() as session:
        counted = session.scalar(
            select(func.sum(otp.OneTimeCode.attempts)).where(otp.OneTimeCode.enrolment_id == enrolment.id)
        )
    assert counted == otp.MAX_WRONG_CODES_PER_ENROLMENT, outcomes
    assert outcomes.count("code_wrong") == 1 and "too_many_wrong_codes" in outcomes, outcomes
    assert enrolment.state() == "failed"


def test_wrong_codes_racing_past_the_limit_on_sqlite_are_counted_one_by_one(client, ctx, clock):
    race_the_last_tries(client, ctx, clock)


@pytest.mark.postgres
def test_wrong_codes_racing_past_the_limit_on_postgresql_are_counted_one_by_one(home, clock, postgres):
    empty_database(postgres.url)
    app = create_app(make_settings(home, clock, database_url=postgres.url))
    race_the_last_tries(app.test_client(), service(app).flow, clock)


def test_the_lock_outs_speak_the_language_the_enrolment_was_started_in(client, clock):
    def start_in(language: str) -> ApiEnrolment:
        body = client.post("/api/v1/enrolments", json={"iin": NO_PHONE_IIN, "language": language}).get_json()
        return ApiEnrolment(client, body["id"], body["token"])

    russian = start_in("ru")
    enter_wrong_codes(russian, "code", 5)
    clock.advance(61)
    russian.post("code/resend")
    enter_wrong_codes(russian, "code", 4)
    body = russian.post("code", {"code": "000000"}).get_json()
    assert body["code"] == "too_many_wrong_codes" and "ЦОН" in body["detail"]

    clock.advance(61)
    kazakh = start_in("kk")
    enter_wrong_codes(kazakh, "code", 5)
    clock.advance(61)
    kazakh.post("code/resend")
    enter_wrong_codes(kazakh, "code", 4)
    body = kazakh.post("code", {"code": "000000"}).get_json()
    assert body["code"] == "too_many_wrong_codes_for_iin" and "ХҚКО" in body["detail"]
