"""The right code sent five times at once revokes once, on SQLite and on a real PostgreSQL (where the
migrations make the table); the wrong tries of racing requests are all counted."""

from __future__ import annotations

import datetime as dt

import pytest
from cabinet_helpers import ASKAR, ASKAR_PHONE, audit_events, citizen_with_pair, status_of
from flow_helpers import make_settings, race
from pg_server import empty_database

from eds_toolkit.flow import cabinet, self_revocation
from eds_toolkit.sms import last_code_for
from eds_toolkit.web import create_app
from eds_toolkit.web.context import service


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def race_ctx(request, home, clock):
    """The service context on SQLite, or on the session's PostgreSQL (a fresh database)."""
    if request.param == "sqlite":
        app = create_app(make_settings(home, clock))
    else:
        postgres = request.getfixturevalue("postgres")  # the module's database, emptied for each test
        empty_database(postgres.url)
        app = create_app(make_settings(home, clock, database_url=postgres.url))
    ctx = service(app).flow
    assert service(app).engine.dialect.name == request.param
    return ctx


def test_the_right_code_at_once_five_times_revokes_once(race_ctx, outbox):
    ctx = race_ctx
    askar = citizen_with_pair(ctx, ASKAR, "askar")
    token = cabinet.open_session(ctx, ASKAR[0], lifetime=dt.timedelta(hours=1))
    pending = self_revocation.request_revocation(ctx, ASKAR[0], token, askar.auth_serial, confirmed=True)
    code = last_code_for(outbox, ASKAR_PHONE)

    outcomes = race(5, lambda: self_revocation.confirm_revocation(ctx, ASKAR[0], token, pending.id, code))

    assert outcomes.count("ok") == 1, outcomes
    assert set(outcomes) - {"ok"} <= {"code_already_used", "revocation_done", "revocation_not_needed"}
    assert status_of(ctx, askar.auth_serial) == ("revoked", "key_compromise")
    assert status_of(ctx, askar.sign_serial) == ("revoked", "key_compromise")
    assert [event for event in audit_events(ctx, ASKAR[0], "self_revocation") if event[0] == "ok"] == [
        ("ok", "key_lost")
    ]


def test_racing_wrong_codes_are_each_counted(race_ctx, outbox):
    ctx = race_ctx
    askar = citizen_with_pair(ctx, ASKAR, "askar")
    token = cabinet.open_session(ctx, ASKAR[0], lifetime=dt.timedelta(hours=1))
    pending = self_revocation.request_revocation(ctx, ASKAR[0], token, askar.auth_serial, confirmed=True)
    wrong = "000000" if last_code_for(outbox, ASKAR_PHONE) != "000000" else "111111"

    outcomes = race(8, lambda: self_revocation.confirm_revocation(ctx, ASKAR[0], token, pending.id, wrong))

    assert sorted(outcomes) == ["code_wrong"] * 4 + ["too_many_attempts"] * 4, outcomes
    assert status_of(ctx, askar.auth_serial) == ("valid", None)
