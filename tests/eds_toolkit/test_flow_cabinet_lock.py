"""The cabinet's sign-in pause: it gives the right number of minutes in the citizen's language, and it says
nothing about whether the IIN has an account (the pause is kept per IIN, for any IIN tried)."""

from __future__ import annotations

import re

import pytest
from flow_helpers import GOOD_PIN, KNOWN_IIN, api_to_pin_set

from eds_toolkit.core.refusals import InvalidInput
from eds_toolkit.flow import cabinet

NO_ACCOUNT_IIN = "900101300017"  # a valid IIN that never set a PIN
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def lock(ctx, iin: str = KNOWN_IIN) -> None:
    for _ in range(5):
        with pytest.raises(InvalidInput):
            cabinet.sign_in(ctx, iin, "000001", lockout_seconds=900)


def refusal(ctx, iin: str, pin: str) -> InvalidInput:
    with pytest.raises(InvalidInput) as refused:
        cabinet.sign_in(ctx, iin, pin, lockout_seconds=900)
    return refused.value


def test_a_fifteen_minute_lock_says_fifteen_minutes_then_counts_down_to_one_minute(
    client, ctx, outbox, clock
):
    api_to_pin_set(client, ctx, outbox)
    lock(ctx)
    locked = refusal(ctx, KNOWN_IIN, GOOD_PIN)
    assert "try again in 15 minutes." in str(locked) and locked.extra["retry_after"] == 900
    clock.advance(14 * 60 + 30)
    later = refusal(ctx, KNOWN_IIN, GOOD_PIN)
    assert "try again in 1 minute." in str(later) and later.extra["retry_after"] == 30
    assert "1 minutes" not in str(later)
    clock.advance(30)
    assert cabinet.sign_in(ctx, KNOWN_IIN, GOOD_PIN) == KNOWN_IIN


def test_two_minutes_left_is_plural():
    assert cabinet.paused_message(2).endswith("try again in 2 minutes.")
    assert cabinet.paused_message(1).endswith("try again in 1 minute.")


def test_a_locked_account_and_an_iin_without_account_answer_alike(client, ctx, outbox):
    api_to_pin_set(client, ctx, outbox)
    assert vars_of(refusal(ctx, KNOWN_IIN, "000001")) == vars_of(refusal(ctx, NO_ACCOUNT_IIN, "000001"))
    lock(ctx, KNOWN_IIN)
    lock(ctx, NO_ACCOUNT_IIN)
    locked, no_account = refusal(ctx, KNOWN_IIN, GOOD_PIN), refusal(ctx, NO_ACCOUNT_IIN, GOOD_PIN)
    assert vars_of(locked) == vars_of(no_account)
    assert locked.extra["rule"] == "paused" and locked.status == 422


def vars_of(error: InvalidInput) -> tuple:
    return type(error), error.status, error.code, str(error), error.extra


def post_login(client, iin: str, pin: str):
    token = CSRF.search(client.get("/cabinet/login").get_data(as_text=True)).group(1)
    return client.post("/cabinet/login", data={"csrf_token": token, "iin": iin, "pin": pin})


def test_the_pages_answer_alike_for_a_locked_account_and_an_iin_without_account(client, ctx, outbox):
    api_to_pin_set(client, ctx, outbox)
    for iin in (KNOWN_IIN, NO_ACCOUNT_IIN):
        for _ in range(5):
            assert post_login(client, iin, "000001").status_code == 422
    locked, no_account = post_login(client, KNOWN_IIN, GOOD_PIN), post_login(client, NO_ACCOUNT_IIN, GOOD_PIN)
    assert locked.status_code == no_account.status_code == 422
    message = re.compile(r'<p class="error" role="alert"[^>]*>([^<]*)</p>')
    assert message.search(locked.get_data(as_text=True)).group(1) == message.search(
        no_account.get_data(as_text=True)
    ).group(1)
    assert "sign-in is paused" in locked.get_data(as_text=True)


def test_the_lock_message_on_the_russian_page_has_the_minutes(client, ctx, outbox):
    api_to_pin_set(client, ctx, outbox)
    lock(ctx)
    client.get("/language/ru?next=/cabinet/login")
    locked = post_login(client, KNOWN_IIN, GOOD_PIN)
    assert locked.status_code == 422
    assert "вход приостановлен" in locked.get_data(as_text=True)
    assert "повторите через 15 мин." in locked.get_data(as_text=True)
