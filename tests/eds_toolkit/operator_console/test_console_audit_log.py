"""The audit log in the console: filters (action, outcome, time, operator, a typed IIN matched through its
keyed hash), newest first in pages, the chain's state, the JSON-lines export; reading and exporting are
audited; no IIN is shown in clear except the one typed."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from operator_helpers import make_operator, sign_in
from oversight_helpers import ABILOVA, SMAGULOVA, form_token, iins_shown
from sqlalchemy import select, text

from eds_toolkit.core import audit, audit_chain
from eds_toolkit.core.audit_models import AuditEvent
from eds_toolkit.operators import audit_log
from eds_toolkit.operators.registry import add_operator, operator_by_iin


@pytest.fixture
def auditor(client, ctx, outbox):
    return make_operator(client, ctx, outbox, roles="auditor")


def record(ctx, iin: str, action: str, outcome: str = audit.OK, detail: dict | None = None) -> None:
    with ctx.session() as session:
        audit.record(ctx, session, iin=iin, action=action, outcome=outcome, detail=detail)
        session.commit()


def rows(page: str) -> list[dict]:
    """The events table: position, action, outcome and the person column of each row."""
    found = []
    for seq, cells in re.findall(r'<tr data-seq="(\d+)">(.*?)</tr>', page, re.S):
        values = [
            re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", cells, re.S)
        ]
        found.append({"seq": int(seq), "action": values[2], "outcome": values[3], "person": values[5]})
    return found


def show(client, **filters):
    """The page's filter form, submitted."""
    page = client.get("/operator/audit").get_data(as_text=True)
    return client.post("/operator/audit", data={"csrf_token": form_token(page), **filters})


def events_where(ctx, *conditions) -> list[AuditEvent]:
    with ctx.session() as session:
        return list(session.scalars(select(AuditEvent).where(*conditions).order_by(AuditEvent.seq)))


def test_a_typed_iin_matches_only_its_own_events_and_only_it_is_shown(client, ctx, auditor):
    record(ctx, SMAGULOVA.iin, "phone_change", detail={"note": f"asked by {ABILOVA.iin}"})
    record(ctx, ABILOVA.iin, "phone_change")
    record(ctx, SMAGULOVA.iin, "start", audit.REFUSED)
    assert sign_in(client, auditor).status_code == 200

    own = events_where(ctx, AuditEvent.iin_hash == ctx.iin_hash(SMAGULOVA.iin))
    answer = show(client, iin=SMAGULOVA.iin)
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200
    shown = rows(page)
    assert [row["seq"] for row in shown] == [event.seq for event in reversed(own)]  # newest first
    assert [row["action"] for row in shown] == ["start", "phone_change"]
    assert all(row["person"] == SMAGULOVA.iin for row in shown)
    assert iins_shown(page, allowed=(SMAGULOVA.iin,)) == []  # the other IIN in the detail is hidden

    unfiltered = client.get("/operator/audit").get_data(as_text=True)
    assert iins_shown(unfiltered) == []  # the operator's own IIN neither
    assert len(rows(unfiltered)) > len(shown)


def test_reading_the_log_is_audited_without_the_typed_iin(client, ctx, auditor):
    record(ctx, SMAGULOVA.iin, "phone_change")
    assert sign_in(client, auditor).status_code == 200
    assert show(client, iin=SMAGULOVA.iin, outcome="ok").status_code == 200
    (viewed,) = events_where(
        ctx, AuditEvent.action == "audit_log_viewed", AuditEvent.iin_hash == ctx.iin_hash(SMAGULOVA.iin)
    )
    detail = json.loads(viewed.detail)
    assert detail["filters"] == {"outcome": "ok", "iin": "typed"} and detail["shown"] == 1
    assert detail["operator_id"] == operator_by_iin(ctx, auditor.iin).id
    assert SMAGULOVA.iin not in viewed.detail
    # the next search for that IIN shows the reading among the citizen's events
    assert [row["action"] for row in rows(show(client, iin=SMAGULOVA.iin).get_data(as_text=True))] == [
        "audit_log_viewed",
        "phone_change",
    ]


def test_filters_by_action_outcome_and_time(client, ctx, clock, auditor):
    start = clock.now()
    record(ctx, SMAGULOVA.iin, "phone_change", audit.REFUSED)
    clock.advance(3600)
    record(ctx, SMAGULOVA.iin, "phone_change", audit.OK)
    clock.advance(3600)
    record(ctx, SMAGULOVA.iin, "phone_change", audit.UNDONE)
    assert sign_in(client, auditor).status_code == 200

    by_action = rows(show(client, action="phone_change").get_data(as_text=True))
    assert [row["outcome"] for row in by_action] == ["undone", "ok", "refused"]
    refused = rows(show(client, action="phone_change", outcome="refused").get_data(as_text=True))
    assert [row["outcome"] for row in refused] == ["refused"]

    local = dt.timezone(dt.timedelta(hours=5))  # the service's zone: Asia/Almaty, UTC+5
    since = (start + dt.timedelta(minutes=30)).astimezone(local).strftime("%Y-%m-%dT%H:%M")
    until = (start + dt.timedelta(minutes=90)).astimezone(local).strftime("%Y-%m-%dT%H:%M")
    middle = rows(show(client, action="phone_change", since=since, until=until).get_data(as_text=True))
    assert [row["outcome"] for row in middle] == ["ok"]

    backwards = show(client, since=until, until=since)
    assert backwards.status_code == 422 and "ends before it starts" in backwards.get_data(as_text=True)
    assert show(client, since="yesterday").status_code == 422
    assert show(client, iin="12345").status_code == 422


def test_filter_by_operator(client, ctx, auditor):
    add_operator(ctx, SMAGULOVA.iin, SMAGULOVA.name, "auditor", added_by="tests")
    me, colleague = operator_by_iin(ctx, auditor.iin), operator_by_iin(ctx, SMAGULOVA.iin)
    note = f'a note that says "operator_id": {colleague.id}, to fool the filter'
    record(ctx, ABILOVA.iin, "console_action", detail={"operator_id": me.id, "note": note})
    record(ctx, ABILOVA.iin, "console_action", detail={"operator_id": colleague.id})
    assert sign_in(client, auditor).status_code == 200

    mine = rows(show(client, action="console_action", operator=str(me.id)).get_data(as_text=True))
    theirs = rows(show(client, action="console_action", operator=str(colleague.id)).get_data(as_text=True))
    assert len(mine) == 1 and len(theirs) == 1 and mine[0]["seq"] < theirs[0]["seq"]
    # the sign-in was the auditor's own, so are the readings of the log since
    actions = {row["action"] for row in rows(show(client, operator=str(me.id)).get_data(as_text=True))}
    assert {"operator_signin", "audit_log_viewed", "console_action"} <= actions


def test_pages_go_back_newest_first_without_repeating(client, ctx, auditor):
    for number in range(audit_log.PAGE_SIZE + 7):
        record(ctx, ABILOVA.iin, "bulk_test", detail={"n": number})
    assert sign_in(client, auditor).status_code == 200
    first_page = show(client, action="bulk_test").get_data(as_text=True)
    first = rows(first_page)
    assert len(first) == audit_log.PAGE_SIZE
    assert 'id="older-events"' in first_page
    older_form = first_page[first_page.index('id="older-events"') :]
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', older_form))
    assert fields["action"] == "bulk_test" and int(fields["before"]) == first[-1]["seq"]
    second = rows(client.post("/operator/audit", data=fields).get_data(as_text=True))
    assert len(second) == 7
    seqs = [row["seq"] for row in first + second]
    assert seqs == sorted(seqs, reverse=True) and len(set(seqs)) == len(seqs)


def test_the_chain_state_names_the_first_changed_event(client, ctx, auditor):
    for action in ("one", "two", "three"):
        record(ctx, ABILOVA.iin, action)
    assert sign_in(client, auditor).status_code == 200
    page = client.get("/operator/audit").get_data(as_text=True)
    assert 'data-chain="intact"' in page
    (changed,) = events_where(ctx, AuditEvent.action == "two")
    with ctx.session() as session:
        session.execute(
            text("UPDATE audit_events SET outcome = 'refused' WHERE id = :id"), {"id": changed.id}
        )
        session.commit()
    page = show(client, check="whole").get_data(as_text=True)
    assert 'data-chain="broken"' in page
    assert f"event {changed.id} (chain position {changed.seq}) does not match its hash: changed" in page
    # it stays named on the next views (a broken chain is walked whole each time)
    assert f"event {changed.id} (chain position {changed.seq})" in client.get("/operator/audit").get_data(
        as_text=True
    )


def test_an_event_appended_outside_the_chain_shows_at_the_next_view(client, ctx, auditor):
    assert sign_in(client, auditor).status_code == 200
    assert 'data-chain="intact"' in client.get("/operator/audit").get_data(as_text=True)
    with ctx.session() as session:
        session.execute(
            text(
                "INSERT INTO audit_events (iin_hash, action, outcome, at) "
                "VALUES ('forged', 'forged', 'ok', '2026-01-01 00:00:00')"
            )
        )
        session.commit()
    page = client.get("/operator/audit").get_data(as_text=True)
    assert 'data-chain="broken"' in page and "has no place in the chain: inserted" in page


def test_the_export_is_the_filtered_events_as_eds_audit_export_writes_them(client, ctx, auditor):
    record(ctx, SMAGULOVA.iin, "phone_change")
    record(ctx, ABILOVA.iin, "phone_change")
    record(ctx, SMAGULOVA.iin, "start", audit.REFUSED)
    assert sign_in(client, auditor).status_code == 200
    page = client.get("/operator/audit").get_data(as_text=True)
    answer = client.post(
        "/operator/audit/export", data={"csrf_token": form_token(page), "iin": SMAGULOVA.iin}
    )
    assert answer.status_code == 200 and answer.mimetype == "application/x-ndjson"
    assert answer.headers["Cache-Control"] == "no-store"
    assert "attachment" in answer.headers["Content-Disposition"]
    lines = answer.get_data(as_text=True).splitlines()
    own = events_where(
        ctx, AuditEvent.iin_hash == ctx.iin_hash(SMAGULOVA.iin), AuditEvent.action != "audit_log_exported"
    )
    assert lines == [audit_chain.export_line(event) for event in own]  # chain order, every column
    parsed = [audit_chain.read_export_line(line) for line in lines]
    assert [event.action for event in parsed] == ["phone_change", "start"]
    assert SMAGULOVA.iin not in answer.get_data(as_text=True)  # the keyed hash, as stored
    (exported,) = events_where(ctx, AuditEvent.action == "audit_log_exported")
    detail = json.loads(exported.detail)
    assert detail["filters"] == {"iin": "typed"} and detail["events"] == 2
    assert exported.iin_hash == ctx.iin_hash(SMAGULOVA.iin) and SMAGULOVA.iin not in exported.detail


def test_no_iin_travels_in_an_address(client, auditor):
    """The filters are POSTed (the search, the older pages, the export): a typed IIN never reaches an
    access log, the browser's history or a Referer."""
    assert sign_in(client, auditor).status_code == 200
    page = show(client, iin=SMAGULOVA.iin).get_data(as_text=True)
    forms = re.findall(r"<form [^>]*>", page)
    assert forms and all('method="post"' in form for form in forms)
    assert not re.search(r'(href|action|formaction|src)="[^"]*' + SMAGULOVA.iin, page)


def test_who_may_read_the_log(client, ctx, outbox):
    assert client.get("/operator/audit").status_code == 302
    operator = make_operator(client, ctx, outbox, roles="ca_admin,registration_officer")
    assert sign_in(client, operator).status_code == 200
    assert client.get("/operator/audit").status_code == 403
    token = form_token(client.get("/operator/").get_data(as_text=True))
    assert client.post("/operator/audit/export", data={"csrf_token": token}).status_code == 403
    assert events_where(ctx, AuditEvent.action.in_(["audit_log_viewed", "audit_log_exported"])) == []


def test_a_long_log_is_walked_beside_the_requests(client, ctx, auditor, monkeypatch):
    monkeypatch.setattr(audit_log, "SYNC_WALK_LIMIT", 0)  # every log is "long"
    assert sign_in(client, auditor).status_code == 200
    first = client.get("/operator/audit")
    assert first.status_code == 200 and 'data-chain="walking"' in first.get_data(as_text=True)
    audit_log._watch_of(ctx.sessions).walker.join(timeout=60)
    assert 'data-chain="intact"' in client.get("/operator/audit").get_data(as_text=True)


def test_a_change_to_an_older_event_shows_after_the_next_whole_walk(client, ctx, auditor, monkeypatch):
    record(ctx, ABILOVA.iin, "older")
    assert sign_in(client, auditor).status_code == 200
    assert 'data-chain="intact"' in client.get("/operator/audit").get_data(as_text=True)
    (older,) = events_where(ctx, AuditEvent.action == "older")
    with ctx.session() as session:
        session.execute(
            text("UPDATE audit_events SET client_address = '198.51.100.1' WHERE id = :id"), {"id": older.id}
        )
        session.commit()
    monkeypatch.setattr(audit_log, "WHOLE_CHAIN_EVERY", 0.0)  # the periodic walk is due at every view
    assert 'data-chain="intact"' in client.get("/operator/audit").get_data(as_text=True)  # appended ones only
    audit_log._watch_of(ctx.sessions).walker.join(timeout=60)
    page = client.get("/operator/audit").get_data(as_text=True)
    assert 'data-chain="broken"' in page and f"event {older.id} (chain position {older.seq})" in page
