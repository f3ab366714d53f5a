"""The renewal wave ahead: valid certificates whose notAfter falls within the next N days (7, 30 or
90), counted by week (weeks start on Monday in the service's time zone), one page at a time, or all of
them as CSV. The CSV holds IINs, so its download is audited."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from ca import search as store_search
from eds_toolkit.core.context import ServiceContext
from eds_toolkit.core.refusals import InvalidInput
from eds_toolkit.operators.actions import record_action
from eds_toolkit.operators.certificates import CertificateRow
from eds_toolkit.operators.signin import SignedIn

WINDOWS = (7, 30, 90)  # days
DEFAULT_WINDOW = 30
PAGE_SIZE = 50
CSV_COLUMNS = ("serial", "iin", "holder", "profile", "not_after_utc", "not_after_local", "enrolment_id")


def window(days: str | int | None) -> int:
    """The days asked for (default 30), one of 7, 30, 90; anything else is refused."""
    if days in (None, ""):
        return DEFAULT_WINDOW
    try:
        value = int(days)
    except (TypeError, ValueError):
        value = -1
    if value not in WINDOWS:
        raise InvalidInput("Choose 7, 30 or 90 days.", code="invalid_window")
    return value


@dataclass(frozen=True)
class Week:
    starts: dt.date  # the Monday, local
    count: int


@dataclass(frozen=True)
class ExpiringReport:
    days: int
    now: dt.datetime
    until: dt.datetime
    total: int
    weeks: list[Week]
    rows: list[CertificateRow]
    page: int
    pages: int


def report(ctx: ServiceContext, days: int, time_zone: str, *, page: int = 1) -> ExpiringReport:
    """Counts by week over the whole window and one page of the certificates, soonest first."""
    now = ctx.now()
    until = now + dt.timedelta(days=days)
    zone = ZoneInfo(time_zone)
    page = max(1, page)
    with ctx.session() as session:
        counts: Counter[dt.date] = Counter(
            _monday(moment, zone) for moment in store_search.expiry_dates(session, now, until)
        )
        found = store_search.expiring(session, now, until, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE)
        rows = [CertificateRow.of(record, now) for record in found.records]
    weeks = []
    monday = _monday(now, zone)
    while monday <= _monday(until, zone):
        weeks.append(Week(monday, counts.get(monday, 0)))
        monday += dt.timedelta(days=7)
    pages = max(1, -(-found.total // PAGE_SIZE))
    return ExpiringReport(days, now, until, found.total, weeks, rows, page, pages)


def csv_export(
    ctx: ServiceContext, who: SignedIn, days: int, time_zone: str, *, client_address: str | None = None
) -> Iterator[str]:
    """The CSV of every certificate in the window, soonest first, as text chunks (streamed). The export
    is audited (about the operator, naming the window and the count) before the first row is read."""
    now = ctx.now()
    until = now + dt.timedelta(days=days)
    with ctx.session() as session:
        total = store_search.expiring(session, now, until, limit=0).total
        record_action(
            ctx,
            session,
            who,
            "operator_export_expiring",
            iin=who.operator.iin,
            client_address=client_address,
            detail={"days": days, "rows": total},
        )
        session.commit()
    return _csv_rows(ctx, now, until, ZoneInfo(time_zone))


def _csv_rows(ctx: ServiceContext, now: dt.datetime, until: dt.datetime, zone: ZoneInfo) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    with ctx.session() as session:
        for count, record in enumerate(store_search.all_expiring(session, now, until), start=1):
            row = CertificateRow.of(record, now)
            writer.writerow(
                (
                    row.serial,
                    row.iin,
                    _no_formula(row.holder),
                    row.profile,
                    row.not_after.isoformat(),
                    row.not_after.astimezone(zone).isoformat(),
                    row.enrolment_id or "",
                )
            )
            if count % 500 == 0:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
    yield buffer.getvalue()


def _monday(moment: dt.datetime, zone: ZoneInfo) -> dt.date:
    local = moment.astimezone(zone).date()
    return local - dt.timedelta(days=local.weekday())


def _no_formula(text: str) -> str:
    """A spreadsheet would run a cell starting with = + - @ as a formula (CSV injection): quote it."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text
