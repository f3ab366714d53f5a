"""A code whose process died between its commit and its SMS (the start answered "we sent you a code") is
sent again, fresh, by a serving process once it waited longer than a send takes: the citizen is not
left waiting for an SMS that never comes. Once, however many processes look at the same time."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from flow_helpers import (
    KNOWN_IIN,
    KNOWN_PHONE,
    NO_PHONE_IIN,
    ApiEnrolment,
    api_start,
    read_outbox,
    wait_for_sms,
)
from sqlalchemy import update

from eds_toolkit.flow.unsent_codes import UnsentCodeSweeper, send_unsent_codes
from eds_toolkit.otp import OneTimeCode
from eds_toolkit.sms.dispatcher import SmsDispatcher

WAITED = dt.timedelta(seconds=30)


class DyingDispatcher(SmsDispatcher):
    """The process dies right after the answer: the send handed over after the commit never happens."""

    def submit(self, phone, job) -> None:
        return None


def start_whose_sms_is_lost(client, ctx, iin: str = KNOWN_IIN) -> ApiEnrolment:
    alive, ctx.deliveries = ctx.deliveries, DyingDispatcher()
    try:
        started = client.post("/api/v1/enrolments", json={"iin": iin})
    finally:
        ctx.deliveries = alive
    assert started.status_code == 201
    return ApiEnrolment(client, started.get_json()["id"], started.get_json()["token"])


def codes_in(outbox) -> list[str]:
    return [m["text"].split(": ")[1][:6] for m in read_outbox(outbox) if m["phone"] == KNOWN_PHONE]


def test_a_code_never_sent_is_sent_fresh_once_it_waited_and_that_code_works(client, ctx, outbox, clock):
    enrolment = start_whose_sms_is_lost(client, ctx)
    assert codes_in(outbox) == []
    assert send_unsent_codes(ctx, waited=WAITED) == 0  # a send in progress elsewhere is not second-guessed
    clock.advance(31)
    assert send_unsent_codes(ctx, waited=WAITED) == 1
    (code,) = codes_in(outbox)
    assert send_unsent_codes(ctx, waited=WAITED) == 0, "sent: never again"
    confirmed = enrolment.post("code", {"code": code})
    assert confirmed.status_code == 200, confirmed.get_json()


@pytest.mark.parametrize("typed", ["first", "second"])
def test_when_the_dead_process_had_sent_it_after_all_both_codes_work(client, ctx, outbox, clock, typed):
    """Handed to the provider, then killed before recording it: the citizen gets two SMS, and whichever
    code they type works (before the fix of the first version, the first one stopped working)."""
    enrolment = api_start(client)
    wait_for_sms()
    with ctx.session() as session:  # the record of the send is what the kill took
        session.execute(update(OneTimeCode).values(sent_at=None))
        session.commit()
    clock.advance(31)
    assert send_unsent_codes(ctx, waited=WAITED) == 1
    first, second = codes_in(outbox)
    confirmed = enrolment.post("code", {"code": first if typed == "first" else second})
    assert confirmed.status_code == 200, confirmed.get_json()


def test_two_processes_looking_at_once_send_it_once(client, ctx, outbox, clock):
    start_whose_sms_is_lost(client, ctx)
    clock.advance(31)
    together = threading.Barrier(2)
    counts: list[int] = []

    def sweep() -> None:
        together.wait()
        counts.append(send_unsent_codes(ctx, waited=WAITED))

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(counts) == [0, 1]
    assert len(codes_in(outbox)) == 1


def test_codes_sent_sent_nowhere_or_expired_are_left_alone(client, ctx, outbox, clock):
    client.post("/api/v1/enrolments", json={"iin": KNOWN_IIN})  # sent normally
    wait_for_sms()  # its send (on a delivery thread) recorded before anyone looks for unsent codes
    start_whose_sms_is_lost(client, ctx, NO_PHONE_IIN)  # no phone: a code made but sent nowhere
    clock.advance(31)
    assert send_unsent_codes(ctx, waited=WAITED) == 0
    assert len(codes_in(outbox)) == 1

    clock.advance(60)
    start_whose_sms_is_lost(client, ctx)  # a second start of the IIN (its first code was sent)
    clock.advance(5 * 60 + 1)  # the unsent code expired meanwhile: the citizen starts again
    assert send_unsent_codes(ctx, waited=WAITED) == 0


def test_the_sweeper_thread_sends_it_and_stops(client, ctx, outbox, clock):
    start_whose_sms_is_lost(client, ctx)
    clock.advance(31)
    sweeper = UnsentCodeSweeper(ctx, waited=WAITED, every=0.05)
    sweeper.start()
    try:
        deadline = time.monotonic() + 10
        while not codes_in(outbox) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(codes_in(outbox)) == 1
    finally:
        sweeper.stop()
        sweeper.join(timeout=5)
    assert not sweeper.is_alive()
