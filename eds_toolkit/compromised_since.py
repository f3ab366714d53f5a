"""The "compromised since" day a holder or an officer gives with a revocation (RFC 5280 5.3.2,
invalidityDate): a day in the service's zone, not after today, not before the certificates were issued.
It counts from the start of that day; the store never puts it before a certificate's notBefore.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from eds_toolkit.core.refusals import InvalidInput

FIELD = "compromised_since"
"""The form field's name, on the console's and the cabinet's revocation pages."""


@dataclass(frozen=True)
class CompromisedSince:
    """The day as given, and the moment it starts (UTC): the invalidity date stored."""

    day: dt.date
    moment: dt.datetime


def compromised_since(
    text: str | None, *, issued: dt.datetime, now: dt.datetime, time_zone: str
) -> CompromisedSince | None:
    """The typed day (YYYY-MM-DD, as a date field sends it), checked against ``now`` and the certificates'
    notBefore ``issued``; None when left empty. Refusals are ``InvalidInput`` with codes
    ``compromise_date_invalid``, ``compromise_date_in_future``, ``compromise_date_before_issue``."""
    text = (text or "").strip()
    if not text:
        return None
    zone = ZoneInfo(time_zone)
    try:
        day = dt.date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        day = None
    if day is None:
        raise InvalidInput(
            "The “compromised since” date is not a date: choose a day (year-month-day).",
            code="compromise_date_invalid",
        )
    if day > now.astimezone(zone).date():
        raise InvalidInput(
            "The “compromised since” date cannot be in the future.", code="compromise_date_in_future"
        )
    first = issued.astimezone(zone).date()
    if day < first:
        raise InvalidInput(
            f"The “compromised since” date cannot be before the certificates were issued ({first}).",
            code="compromise_date_before_issue",
            issued=first.isoformat(),
        )
    return CompromisedSince(day, dt.datetime.combine(day, dt.time(), zone).astimezone(dt.UTC))
