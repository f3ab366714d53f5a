"""Renewal on a real PostgreSQL: the migrations make the table, and racing renewals renew once."""

from __future__ import annotations

import pytest
from flow_helpers import make_settings, race
from pg_server import empty_database
from renewal_helpers import certificate_count, enrol_and_issue, new_csrs, status_of

from eds_toolkit.renewal import complete_renewal, start_renewal
from eds_toolkit.web import create_app
from eds_toolkit.web.context import service

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_app(postgres, home, clock):
    empty_database(postgres.url)  # a clean database for each test
    return create_app(make_settings(home, clock, database_url=postgres.url))


def test_racing_renewals_and_a_replay_on_postgresql(pg_app, outbox):
    ctx = service(pg_app).flow
    assert service(pg_app).engine.dialect.name == "postgresql"
    holder = enrol_and_issue(pg_app.test_client(), ctx, outbox)
    challenges = [start_renewal(ctx) for _ in range(4)]
    attempts = [(challenge.id, holder.cms(challenge.data)) for challenge in challenges]
    attempts.append(attempts[0])  # the same challenge twice at once as well
    before = certificate_count(ctx)

    def renew() -> None:
        challenge_id, cms = attempts.pop()
        complete_renewal(ctx, challenge_id, cms, *new_csrs())

    outcomes = race(5, renew)

    assert outcomes.count("ok") == 1, outcomes
    assert set(outcomes) - {"ok"} <= {"certificate_revoked", "challenge_used"}, outcomes
    assert certificate_count(ctx) == before + 2
    assert status_of(ctx, holder.auth_serial) == ("revoked", "superseded")
    assert status_of(ctx, holder.sign_serial) == ("revoked", "superseded")
