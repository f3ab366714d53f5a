"""Which reminder is due for a certificate today: calendar days in the service's time zone.

Reminder ``d`` (one of the policy's days, e.g. 30, 7, 1) is due from local midnight ``d`` calendar days
before the local date of ``notAfter``, so a daily run sends it on that day whatever its hour. Only the
latest due reminder is ever sent: one missed because the job did not run is sent late only while the
next one is not yet due (a pair never gets two or three at once), and none is sent once the
certificate has expired.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from eds_toolkit.settings import DEFAULT_REMINDER_DAYS, DEFAULT_TIME_ZONE, Settings, reminder_days

RENEW_PATH = "/cabinet/renew"  # the cabinet's renewal page, linked from the SMS


@dataclass(frozen=True)
class ReminderPolicy:
    """When reminders are due and how they read: the days, the local zone, the default language."""

    days: tuple[int, ...] = DEFAULT_REMINDER_DAYS
    time_zone: str = DEFAULT_TIME_ZONE
    default_language: str = "kk+ru"
    base_url: str = "http://127.0.0.1:5000"

    def __post_init__(self) -> None:
        object.__setattr__(self, "days", reminder_days(self.days))

    @classmethod
    def from_settings(cls, settings: Settings) -> ReminderPolicy:
        return cls(
            days=settings.renewal_reminder_days,
            time_zone=settings.time_zone,
            default_language=settings.renewal_reminder_language,
            base_url=settings.base_url,
        )

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @property
    def renew_url(self) -> str:
        return self.base_url + RENEW_PATH

    def horizon(self, now: dt.datetime) -> dt.datetime:
        """No certificate expiring after this can have a reminder due at ``now``."""
        return now + dt.timedelta(days=max(self.days) + 1)

    def days_left(self, not_after: dt.datetime, now: dt.datetime) -> int:
        """Calendar days from today to the expiry date, both local (0: it expires today)."""
        zone = self.zone
        return (not_after.astimezone(zone).date() - now.astimezone(zone).date()).days

    def due_slot(self, not_after: dt.datetime, now: dt.datetime) -> int | None:
        """The reminder due at ``now`` (the latest whose day has come), or None (none yet, or expired)."""
        if not_after <= now:
            return None
        left = self.days_left(not_after, now)
        due = [days for days in self.days if days >= left]
        return min(due) if due else None

    def earlier_slots(self, slot: int) -> list[int]:
        """The reminders before ``slot``: missed for good once ``slot`` is due."""
        return [days for days in self.days if days > slot]
