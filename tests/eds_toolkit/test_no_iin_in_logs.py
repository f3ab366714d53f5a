"""No IIN in any log line: the audit log keeps a keyed hash of it, and so must everything else that logs.

A whole enrolment, refused starts and sign-ins past the per-IIN limits (Flask-Limiter logs the key of
every limit it enforces), wrong PINs and a database error, all with every logger at DEBUG.
"""

from __future__ import annotations

import logging

import pytest
from flow_helpers import (
    GOOD_PIN,
    KNOWN_IIN,
    NO_PHONE_IIN,
    UNKNOWN_IIN,
    api_start,
    api_to_pin_set,
    make_settings,
    submit,
)

from eds_toolkit.web import create_app
from eds_toolkit.web.context import service

CITIZENS = (KNOWN_IIN, NO_PHONE_IIN, UNKNOWN_IIN)


@pytest.fixture
def limited_app(home, clock):
    return create_app(
        make_settings(home, clock, ratelimit_enabled=True, ratelimit_per_iin="2/hour", secure_cookies=False)
    )


def logged_text(records: list[logging.LogRecord]) -> str:
    """Everything the records would write: messages, tracebacks, stack information."""
    formatter = logging.Formatter("%(name)s %(message)s")
    return "\n".join(formatter.format(record) + repr(record.args) for record in records)


def test_no_iin_of_a_citizen_appears_in_any_log_line(limited_app, outbox, caplog):
    caplog.set_level(logging.DEBUG)
    client, ctx = limited_app.test_client(), service(limited_app).flow
    enrolment = api_to_pin_set(client, ctx, outbox)
    assert client.get(f"/api/v1/enrolments/{enrolment.id}", headers=enrolment.auth).status_code == 200
    for iin in CITIZENS:
        for _ in range(3):  # the third is over the per-IIN limit
            client.post("/api/v1/enrolments", json={"iin": iin})
            submit(client, "/", "/start", iin=iin)
    for pin in ("000000", GOOD_PIN, GOOD_PIN):
        submit(client, "/cabinet/login", "/cabinet/login", iin=KNOWN_IIN, pin=pin)
    assert any(record.levelno >= logging.INFO for record in caplog.records)
    assert any("ratelimit" in record.getMessage().lower() for record in caplog.records), "no limit hit"

    text = logged_text(caplog.records)
    leaked = [iin for iin in CITIZENS if iin in text]
    assert leaked == [], f"IINs in the log: {leaked}"


def test_a_database_error_logs_no_iin(app, caplog):
    """SQL parameters (the IIN of a lookup) are not put into log lines or error messages."""
    caplog.set_level(logging.DEBUG)
    ctx = service(app).flow
    from sqlalchemy import text

    with ctx.session() as session, pytest.raises(Exception) as caught:
        session.execute(text("SELECT * FROM no_such_table WHERE iin = :iin"), {"iin": KNOWN_IIN})
    assert KNOWN_IIN not in str(caught.value)
    api_start(app.test_client(), KNOWN_IIN)
    assert KNOWN_IIN not in logged_text(caplog.records)
