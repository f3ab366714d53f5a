"""The renewal wave ahead: valid certificates expiring within 7, 30 or 90 days, by week, and as CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from console_certificates_helpers import (
    detail,
    events,
    issue_pair,
    make_console_operator,
    person_iin,
    serial_of,
    set_not_after,
    signed_in,
)

DAYS_AHEAD = {20: 3, 21: 10, 22: 25, 23: 40, 24: 85}  # test person -> their pair expires in N days


@pytest.fixture
def officer(ctx):
    return make_console_operator(ctx, 60, "registration_officer", "Тіркеуші Сәуле")


@pytest.fixture
def wave(ctx):
    """Five pairs expiring 3, 10, 25, 40 and 85 days from now (one revoked pair of them: never counted)."""
    pairs = {}
    for n, days in DAYS_AHEAD.items():
        holder = issue_pair(ctx, person_iin(n), surname="Мерзімова", given_name="Ару")
        for certificate in (holder.auth, holder.sign):
            set_not_after(ctx, serial_of(certificate), ctx.now() + dt.timedelta(days=days))
        pairs[n] = holder
    revoked = issue_pair(ctx, person_iin(25))
    for certificate in (revoked.auth, revoked.sign):
        set_not_after(ctx, serial_of(certificate), ctx.now() + dt.timedelta(days=5))
        ctx.ca().store.revoke(serial_of(certificate), reason="superseded")
    return pairs


def total(html: str) -> int:
    return int(html.split('id="expiring-total" data-total="')[1].split('"')[0])


@pytest.mark.parametrize(("days", "expected"), [(None, 6), (7, 2), (30, 6), (90, 10)])
def test_the_window_counts_valid_certificates_only(app, officer, wave, days, expected):
    client = signed_in(app, officer)
    page = client.get("/operator/expiring", query_string={"days": days} if days else {})
    assert page.status_code == 200
    assert total(page.get_data(as_text=True)) == expected


def test_counts_by_week_start_on_a_local_monday(app, ctx, officer, wave):
    html = signed_in(app, officer).get("/operator/expiring?days=90").get_data(as_text=True)
    zone = ZoneInfo("Asia/Almaty")
    expected: dict[str, int] = {}
    for days in DAYS_AHEAD.values():
        local = (ctx.now() + dt.timedelta(days=days)).astimezone(zone).date()
        monday = (local - dt.timedelta(days=local.weekday())).isoformat()
        expected[monday] = expected.get(monday, 0) + 2
    for monday, count in expected.items():
        assert f'<tr data-week="{monday}"><td>{monday}</td><td class="count">{count}</td></tr>' in html
    weeks = html.count("<tr data-week=")
    assert weeks in (13, 14, 15)  # every week of the 90 days is listed, empty ones too
    assert html.index(serial_of(wave[20].auth)) < html.index(serial_of(wave[24].auth))  # soonest first


def test_the_csv_lists_the_window_and_its_download_is_audited(app, ctx, officer, wave):
    client = signed_in(app, officer)
    answer = client.get("/operator/expiring.csv?days=30")
    assert answer.status_code == 200
    assert answer.mimetype == "text/csv"
    assert 'filename="expiring-30-days.csv"' in answer.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(answer.get_data(as_text=True))))
    assert len(rows) == 6
    assert {row["iin"] for row in rows} == {person_iin(n) for n in (20, 21, 22)}
    assert rows[0]["serial"] in (serial_of(wave[20].auth), serial_of(wave[20].sign))
    assert rows[0]["holder"] == "МЕРЗІМОВА АРУ" and rows[0]["profile"] in ("AUTH", "SIGN")
    assert rows[0]["not_after_local"].endswith("+05:00") and rows[0]["not_after_utc"].endswith("+00:00")
    exported = events(ctx, "operator_export_expiring")[-1]
    assert exported.iin_hash == ctx.iin_hash(officer.iin)
    assert detail(exported)["days"] == 30 and detail(exported)["rows"] == 6


@pytest.mark.parametrize("days", ["15", "abc", "-7", "0"])
def test_another_window_is_refused(app, officer, days):
    client = signed_in(app, officer)
    page = client.get("/operator/expiring", query_string={"days": days})
    assert page.status_code == 422 and "Choose 7, 30 or 90 days." in page.get_data(as_text=True)
    assert client.get("/operator/expiring.csv", query_string={"days": days}).status_code == 422


def test_without_signing_in_there_is_no_list_and_no_csv(client):
    for path in ("/operator/expiring", "/operator/expiring.csv"):
        answer = client.get(path)
        assert answer.status_code == 302 and answer.headers["Location"].startswith("/operator/login")


def test_the_list_pages(app, ctx, officer):
    for n in range(30, 56):  # 26 pairs: 52 certificates, expiring in 20 days
        holder = issue_pair(ctx, person_iin(n))
        for certificate in (holder.auth, holder.sign):
            set_not_after(ctx, serial_of(certificate), ctx.now() + dt.timedelta(days=20))
    client = signed_in(app, officer)
    first = client.get("/operator/expiring").get_data(as_text=True)
    assert total(first) == 52 and first.count('<tr data-serial="') == 50 and "Page 1 of 2" in first
    second = client.get("/operator/expiring?days=30&page=2").get_data(as_text=True)
    assert second.count('<tr data-serial="') == 2
