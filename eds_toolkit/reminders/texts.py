"""The reminder's SMS: the expiry date in local time and where to renew, in the citizen's language."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from eds_toolkit.translations import N_, gettext_in

# TRANSLATORS: an SMS; {tail} is the IIN's last 4 digits, {date} the expiry in local time, {url} the page
REMINDER = N_(
    "eds: the EDS certificates of IIN ...{tail} expire on {date}. Renew them before then at {url} "
    "with your current AUTH key; once they expire only a service centre can issue new ones."
)


def reminder_text(language: str, *, iin: str, not_after: dt.datetime, zone: ZoneInfo, url: str) -> str:
    """The reminder in ``language`` (en, kk, ru) or, for ``kk+ru``, in Kazakh then Russian."""
    date = not_after.astimezone(zone).strftime("%d.%m.%Y %H:%M")
    languages = language.split("+")
    return "\n".join(gettext_in(one, REMINDER, tail=iin[-4:], date=date, url=url) for one in languages)
