"""A console session lives only as long as the AUTH certificate it was opened with: once that
certificate is revoked (or expires) the next request ends the session, audited with the reason, and
goes to the sign-in page with a message saying why."""

from __future__ import annotations

import datetime as dt

import pytest
from console_certificates_helpers import (
    detail,
    events,
    form_csrf,
    issue_pair,
    make_console_operator,
    person_iin,
    serial_of,
    set_not_after,
    signed_in,
)

from eds_toolkit.operators.registry import operator_by_iin
from tests.eds_toolkit.certificate_renewal.renewal_helpers import status_of


@pytest.fixture
def admin(ctx):
    return make_console_operator(ctx, 90, "ca_admin", "Сессиялы Айдос")


def test_a_revoked_auth_certificate_ends_the_session_at_the_next_request(app, ctx, admin):
    client = signed_in(app, admin)
    assert client.get("/operator/certificates").status_code == 200
    ctx.ca().store.revoke(admin.holder.auth_serial, reason="key_compromise")

    answer = client.get("/operator/certificates")

    assert answer.status_code == 302
    assert answer.headers["Location"].startswith("/operator/login")
    login = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "the AUTH certificate you signed in with has been revoked" in login
    assert 'role="alert"' in login
    ended = events(ctx, "operator_session_ended")
    assert [(e.outcome, e.reason) for e in ended] == [("ok", "certificate_revoked")]
    assert detail(ended[0])["operator_id"] == operator_by_iin(ctx, admin.iin).id
    assert detail(ended[0])["operator_certificate"] == admin.holder.auth_serial
    assert ended[0].iin_hash == ctx.iin_hash(admin.iin)
    # ended for good: the same cookie does not come back, and the end is recorded once
    assert client.get("/operator/").status_code == 302
    assert len(events(ctx, "operator_session_ended")) == 1


def test_an_auth_certificate_that_expires_ends_the_session(app, ctx, clock, admin):
    set_not_after(ctx, admin.holder.auth_serial, clock.now() + dt.timedelta(minutes=5))
    client = signed_in(app, admin)
    assert client.get("/operator/").status_code == 200
    clock.advance(4 * 60)
    assert client.get("/operator/").status_code == 200  # still current
    clock.advance(2 * 60)

    answer = client.get("/operator/")

    assert answer.status_code == 302 and answer.headers["Location"].startswith("/operator/login")
    login = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "the AUTH certificate you signed in with has expired" in login
    assert [e.reason for e in events(ctx, "operator_session_ended")] == ["certificate_expired"]


def test_a_revoked_operator_cannot_revoke_with_a_form_opened_before(app, ctx, admin):
    """The attacker holding a stolen operator's session: the form was open, the key is revoked, the
    confirmation goes nowhere."""
    citizen = issue_pair(ctx, person_iin(91), surname="Жәбірленуші", given_name="Сәуле")
    auth = serial_of(citizen.auth)
    client = signed_in(app, admin)
    path = f"/operator/certificates/{auth}/revoke"
    token = form_csrf(client.get(path).get_data(as_text=True))
    ctx.ca().store.revoke(admin.holder.auth_serial, reason="key_compromise")

    answer = client.post(
        path,
        data={
            "csrf_token": token,
            "step": "confirm",
            "serials": [auth],
            "reason": "privilege_withdrawn",
            "note": "forged",
        },
    )

    assert answer.status_code == 302 and answer.headers["Location"].startswith("/operator/login")
    assert status_of(ctx, auth) == ("valid", None)
    assert events(ctx, "operator_revoke") == []


def test_revoking_another_certificate_of_the_operator_keeps_the_session(app, ctx, admin):
    """Only the AUTH certificate that signed in counts: the SIGN one revoked changes nothing."""
    client = signed_in(app, admin)
    ctx.ca().store.revoke(admin.holder.sign_serial, reason="key_compromise")
    assert client.get("/operator/").status_code == 200
    assert events(ctx, "operator_session_ended") == []


def test_a_renewed_auth_certificate_ends_the_session_saying_so(app, ctx, admin):
    """The operator renewed their pair (the old one superseded): sign in again with the new key."""
    client = signed_in(app, admin)
    ctx.ca().store.revoke(admin.holder.auth_serial, reason="superseded")
    answer = client.get("/operator/expiring")
    assert answer.status_code == 302 and answer.headers["Location"].startswith("/operator/login")
    login = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "was replaced by a renewal" in login
    assert [e.reason for e in events(ctx, "operator_session_ended")] == ["certificate_superseded"]
