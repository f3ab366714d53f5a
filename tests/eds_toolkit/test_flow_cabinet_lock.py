"""The cabinet's sign-in lock tells the citizen the right number of minutes, in their language."""

from __future__ import annotations

import re

import pytest
from flow_helpers import GOOD_PIN, KNOWN_IIN, api_to_pin_set

from eds_toolkit.flow import cabinet
from eds_toolkit.flow.errors import InvalidInput, TooManyRequests


def lock(ctx) -> None:
    for _ in range(5):
        with pytest.raises(InvalidInput):
            cabinet.sign_in(ctx, KNOWN_IIN, "000001", lockout_seconds=900)


def test_a_fifteen_minute_lock_says_fifteen_minutes_then_counts_down(client, ctx, outbox, clock):
    api_to_pin_set(client, ctx, outbox)
    lock(ctx)
    with pytest.raises(TooManyRequests) as locked:
        cabinet.sign_in(ctx, KNOWN_IIN, GOOD_PIN, lockout_seconds=900)
    assert "15 minutes" in str(locked.value) and locked.value.extra["retry_after"] == 900
    clock.advance(14 * 60 + 30)
    with pytest.raises(TooManyRequests) as later:
        cabinet.sign_in(ctx, KNOWN_IIN, GOOD_PIN, lockout_seconds=900)
    assert "1 minutes" in str(later.value) and later.value.extra["retry_after"] == 30
    clock.advance(30)
    assert cabinet.sign_in(ctx, KNOWN_IIN, GOOD_PIN) == KNOWN_IIN


def test_the_lock_message_on_the_russian_page_has_the_minutes(client, ctx, outbox):
    api_to_pin_set(client, ctx, outbox)
    lock(ctx)
    client.get("/language/ru?next=/cabinet/login")
    page = client.get("/cabinet/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    locked = client.post("/cabinet/login", data={"csrf_token": csrf, "iin": KNOWN_IIN, "pin": GOOD_PIN})
    assert locked.status_code == 429
    assert "Повторите через 15 мин." in locked.get_data(as_text=True)
