"""/metrics on a real PostgreSQL (the production database): the same counts counted whole by a new process
and event by event (in small batches) by a running one; the database stopped: 503, then back."""

from __future__ import annotations

import pytest
from flow_helpers import GOOD_PASSWORD, KNOWN_IIN, api_to_pin_set, make_settings, wait_for_sms
from metrics_helpers import BEARER, TOKEN, parse, value
from pg_server import empty_database, running_postgres, start_postgres, stop_postgres

from eds_toolkit.metrics import audit_tally
from eds_toolkit.web import create_app
from eds_toolkit.web.context import service

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def postgres():
    """A server of this module's own: a test stops it."""
    with running_postgres() as server:
        yield server


@pytest.fixture
def pg_app(postgres, home, clock):
    empty_database(postgres.url)
    return create_app(make_settings(home, clock, database_url=postgres.url, metrics_token=TOKEN))


def counters(client) -> dict:
    response = client.get("/metrics", headers=BEARER)
    assert response.status_code == 200, response.get_data(as_text=True)
    return {key: v for key, v in parse(response.get_data(as_text=True)).items() if key[0].endswith("_total")}


def test_counted_whole_or_in_batches_the_counts_agree(pg_app, home, clock, postgres, outbox, monkeypatch):
    client = pg_app.test_client()
    assert service(pg_app).engine.dialect.name == "postgresql"
    counters(client)  # this process has counted up to here
    monkeypatch.setattr(audit_tally, "BATCH", 3)  # the events after it are read three at a time
    enrolment = api_to_pin_set(client, service(pg_app).flow, outbox)
    refused = enrolment.post("certificates", {"key_generation": "server", "password": KNOWN_IIN})
    assert refused.status_code == 422
    assert (
        enrolment.post("certificates", {"key_generation": "server", "password": GOOD_PASSWORD}).status_code
        == 201
    )
    assert client.get("/pki/crl").status_code == 200
    wait_for_sms()
    running = counters(client)
    fresh = counters(
        create_app(make_settings(home, clock, database_url=postgres.url, metrics_token=TOKEN)).test_client()
    )
    assert running == fresh
    refusal = {"action": "issue_on_server", "reason": refused.get_json()["code"]}
    assert value(running, "eds_refusals_total", **refusal) == 1
    assert (
        value(running, "eds_certificates_issued_total", profile="sign", identification="remote_digital_id")
        == 1
    )
    assert value(running, "eds_audit_events_total", action="owner_notice", outcome="ok") == 1
    samples = parse(client.get("/metrics", headers=BEARER).get_data(as_text=True))
    assert value(samples, "eds_crl_next_update_seconds", crl="delta") > 0
    assert value(samples, "eds_certificates_valid") == 2


def test_the_database_stopped_is_a_503_and_back_without_a_restart(pg_app, postgres):
    client = pg_app.test_client()
    counters(client)
    stop_postgres(postgres.directory)
    try:
        answer = client.get("/metrics", headers=BEARER)
        assert answer.status_code == 503 and int(answer.headers["Retry-After"]) > 0
    finally:
        start_postgres(postgres.directory, postgres.port)
    counters(client)
