"""Times on the pages in the service's zone (``EDS_TIME_ZONE``, Asia/Almaty by default), in the page's
language, with the zone's UTC offset: the store keeps UTC, the citizen reads local time."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime

from eds_toolkit.web.context import settings
from eds_toolkit.web.i18n import current_language


def local_time(value: dt.datetime | str | None) -> str:
    """``value`` (an aware datetime or ISO 8601 text, naive read as UTC) as e.g. "2 мар. 2026 г., 15:00
    GMT+05:00": the locale's medium date, 24-hour time and the offset, so no reader guesses the zone."""
    if value is None or value == "":
        return ""
    moment = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    zone = ZoneInfo(settings().time_zone)
    language = current_language()
    local = moment.astimezone(zone)
    date = format_date(local.date(), "medium", locale=language)
    return f"{date}, {local:%H:%M} {format_datetime(local, 'ZZZZ', tzinfo=zone, locale=language)}"
