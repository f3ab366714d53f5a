"""The API enrolment against a real PostgreSQL started by the test (the production URL path)."""

from __future__ import annotations

import pytest
from flow_helpers import (
    GOOD_PIN,
    KNOWN_IIN,
    KNOWN_PHONE,
    api_start,
    code_for,
    make_csr_pem,
    make_settings,
    race,
    submit,
)
from pg_server import empty_database, running_postgres, start_postgres, stop_postgres
from sqlalchemy import text

from eds_toolkit.flow import submit_code
from eds_toolkit.web import create_app
from eds_toolkit.web.context import service
from tests.evidence_free import mark_identified

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def postgres():
    with running_postgres() as server:
        print(f"PostgreSQL initdb + start took {server.start_seconds:.2f} s")
        yield server


@pytest.fixture
def pg_app(postgres, home, clock):
    empty_database(postgres.url)  # a clean database for each test
    return create_app(make_settings(home, clock, database_url=postgres.url))


def test_api_enrolment_on_postgresql(pg_app, outbox):
    from test_flow_schema import schema_differences

    engine = service(pg_app).engine
    assert engine.dialect.name == "postgresql"
    assert schema_differences(engine) == []

    client = pg_app.test_client()
    ctx = service(pg_app).flow
    enrolment = api_start(client)
    assert enrolment.post("code", {"code": code_for(outbox, KNOWN_PHONE)}).status_code == 200
    mark_identified(ctx, enrolment.id)
    assert enrolment.post("pin", {"pin": GOOD_PIN, "pin_confirmation": GOOD_PIN}).status_code == 200
    assert enrolment.post("application/confirm").status_code == 200
    csrs = {"auth_csr": make_csr_pem(KNOWN_IIN).decode(), "sign_csr": make_csr_pem(KNOWN_IIN).decode()}
    assert enrolment.post("certificates", csrs).status_code == 201
    assert enrolment.post("certificates", csrs).status_code == 409
    assert enrolment.state() == "issued"
    with engine.connect() as connection:
        count = connection.execute(
            text("SELECT count(*) FROM ca_certificates WHERE enrolment_id = :id"), {"id": enrolment.id}
        ).scalar()
    assert count == 2


def test_two_tabs_submitting_the_right_code_at_once_on_postgresql(pg_app, outbox):
    client = pg_app.test_client()
    ctx = service(pg_app).flow
    enrolment = api_start(client)
    code = code_for(outbox, KNOWN_PHONE)
    outcomes = race(4, lambda: submit_code(ctx, enrolment.id, code))
    assert outcomes.count("ok") == 1, outcomes
    assert set(outcomes) - {"ok"} <= {"concurrent_change", "code_already_used", "step_out_of_order"}
    assert enrolment.state() == "phone_confirmed"


def test_racing_issuance_on_postgresql_gives_exactly_one_pair(pg_app, outbox):
    from flow_helpers import api_to_pin_set, race

    from eds_toolkit.flow import issue_with_csrs

    client = pg_app.test_client()
    ctx = service(pg_app).flow
    enrolment = api_to_pin_set(client, ctx, outbox)
    csrs = iter([(make_csr_pem(KNOWN_IIN), make_csr_pem(KNOWN_IIN)) for _ in range(3)])
    outcomes = race(3, lambda: issue_with_csrs(ctx, enrolment.id, *next(csrs)))
    assert outcomes.count("ok") == 1, outcomes
    with service(pg_app).engine.connect() as connection:
        count = connection.execute(
            text("SELECT count(*) FROM ca_certificates WHERE enrolment_id = :id"), {"id": enrolment.id}
        ).scalar()
    assert count == 2


def test_with_postgresql_down_every_step_answers_503_with_retry_after_and_the_service_recovers_by_itself(
    pg_app, postgres, outbox, caplog
):
    client = pg_app.test_client()
    ctx = service(pg_app).flow
    enrolment = api_start(client)
    assert enrolment.post("code", {"code": code_for(outbox, KNOWN_PHONE)}).status_code == 200
    mark_identified(ctx, enrolment.id)

    stop_postgres(postgres.directory)
    try:
        for answer in (
            client.post("/api/v1/enrolments", json={"iin": KNOWN_IIN}),
            enrolment.post("pin", {"pin": GOOD_PIN, "pin_confirmation": GOOD_PIN}),
            enrolment.post("certificates", {"key_generation": "server", "password": "Tulpar-Kokpar-2026"}),
            client.get(f"/api/v1/enrolments/{enrolment.id}", headers=enrolment.auth),
        ):
            assert answer.status_code == 503, answer.get_data(as_text=True)
            assert answer.mimetype == "application/problem+json"
            assert answer.get_json()["code"] == "database_unavailable"  # not the citizens register's fault
            assert int(answer.headers["Retry-After"]) > 0
        page = submit(pg_app.test_client(), "/", "/start", iin=KNOWN_IIN)  # a page: the error page
        assert page.status_code == 503 and page.mimetype == "text/html"
        assert "try again in a minute" in page.get_data(as_text=True) and int(page.headers["Retry-After"]) > 0
        logged = "\n".join(record.getMessage() for record in caplog.records)
        assert KNOWN_IIN not in logged and "Traceback" not in logged
    finally:
        start_postgres(postgres.directory, postgres.port)

    # PostgreSQL is back: the same process (no restart) goes on where the citizen was
    assert enrolment.post("pin", {"pin": GOOD_PIN, "pin_confirmation": GOOD_PIN}).status_code == 200
    assert enrolment.state() == "pin_set"


def test_crls_published_by_the_web_on_postgresql_share_one_counter(pg_app):
    """Migration 0017's tables on PostgreSQL: the first request publishes base and delta, numbered n, n+1."""
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding

    client = pg_app.test_client()
    base = x509.load_der_x509_crl(client.get("/pki/crl").data)
    delta = x509.load_der_x509_crl(client.get("/pki/delta.crl").data)
    number = base.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number
    assert delta.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number == number + 1
    assert delta.extensions.get_extension_for_class(x509.DeltaCRLIndicator).value.crl_number == number
    assert client.get("/pki/crl").data == base.public_bytes(Encoding.DER)
