"""Reminder fixtures: the service at a fixed moment (11:00 in Almaty), its CA, a policy of 30/7/1 days."""

from __future__ import annotations

import pytest
from reminder_helpers import NOW

from eds_toolkit.clock import FrozenClock
from eds_toolkit.reminders import ReminderPolicy


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(NOW)


@pytest.fixture
def policy() -> ReminderPolicy:
    return ReminderPolicy(days=(30, 7, 1), time_zone="Asia/Almaty", base_url="https://eds.example.kz")


@pytest.fixture
def authority(ctx):
    return ctx.ca()
