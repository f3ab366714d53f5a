"""Operators sign in with their AUTH certificate: who could get in without being an operator?"""

from __future__ import annotations

import base64
import json

from operator_helpers import challenge, make_operator, page_csrf, post_signature, sign_in, sign_out
from sqlalchemy import select

from eds_toolkit.core.audit_models import AuditEvent
from eds_toolkit.operators.registry import disable_operator


def _audit(ctx, action: str) -> list[AuditEvent]:
    with ctx.session() as session:
        return list(
            session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id))
        )


def test_an_operator_signs_in_with_the_auth_key_and_sees_the_console(client, ctx, ca_admin):
    assert client.get("/operator/").status_code == 302  # not signed in: to the sign-in page
    answer = sign_in(client, ca_admin)
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["ok"] is True
    page = client.get("/operator/")
    assert page.status_code == 200
    assert "Асан Тестов" in page.get_data(as_text=True)
    event = _audit(ctx, "operator_signin")[-1]
    assert event.outcome == "ok"
    assert json.loads(event.detail)["certificate"] == ca_admin.holder.auth_serial
    assert event.iin_hash != ca_admin.iin  # kept as the keyed hash


def test_a_citizen_who_is_not_an_operator_is_refused(client, ctx, outbox):
    from tests.eds_toolkit.certificate_renewal.renewal_helpers import enrol_and_issue

    holder = enrol_and_issue(client, ctx, outbox)
    issued = challenge(client)
    cms = holder.cms_base64(base64.b64decode(issued["challenge_base64"]))
    answer = post_signature(client, issued, cms)
    assert answer.status_code == 403
    assert answer.get_json()["code"] == "not_an_operator"
    assert client.get("/operator/").status_code == 302
    assert _audit(ctx, "operator_signin")[-1].reason == "not_an_operator"


def test_the_sign_certificate_does_not_sign_in(client, ca_admin):
    answer = sign_in(client, ca_admin, profile="sign")
    assert answer.status_code == 403
    assert answer.get_json()["code"] == "not_auth_certificate"


def test_a_challenge_signs_in_once(client, ca_admin):
    issued = challenge(client)
    cms = ca_admin.holder.cms_base64(base64.b64decode(issued["challenge_base64"]))
    assert post_signature(client, issued, cms).status_code == 200
    sign_out(client)
    replayed = post_signature(client, {**issued, "csrf": page_csrf(client)}, cms)
    assert replayed.status_code == 403
    assert replayed.get_json()["code"] == "challenge_used"


def test_a_signature_over_other_data_is_refused(client, ca_admin):
    issued = challenge(client)
    other = challenge(client)
    cms = ca_admin.holder.cms_base64(base64.b64decode(other["challenge_base64"]))
    answer = post_signature(client, issued, cms)
    assert answer.status_code == 422
    assert answer.get_json()["code"] == "wrong_challenge"


def test_an_expired_challenge_is_refused(client, clock, ca_admin):
    issued = challenge(client)
    clock.advance(6 * 60)
    cms = ca_admin.holder.cms_base64(base64.b64decode(issued["challenge_base64"]))
    answer = post_signature(client, issued, cms)
    assert answer.status_code == 403
    assert answer.get_json()["code"] == "challenge_expired"


def test_a_revoked_auth_certificate_does_not_sign_in(client, ctx, ca_admin):
    ctx.ca().store.revoke(ca_admin.holder.auth_serial, reason="key_compromise")
    answer = sign_in(client, ca_admin)
    assert answer.status_code == 403
    assert answer.get_json()["code"] == "certificate_revoked"


def test_a_disabled_operator_is_signed_out_at_the_next_request(client, ctx, ca_admin):
    assert sign_in(client, ca_admin).status_code == 200
    assert client.get("/operator/").status_code == 200
    disable_operator(ctx, ca_admin.iin, disabled_by="tests")
    assert client.get("/operator/").status_code == 302
    assert sign_in(client, ca_admin).get_json()["code"] == "not_an_operator"


def test_a_session_ends_after_fifteen_idle_minutes(client, clock, ca_admin):
    assert sign_in(client, ca_admin).status_code == 200
    clock.advance(14 * 60)
    assert client.get("/operator/").status_code == 200  # seen: the idle clock restarts
    clock.advance(14 * 60)
    assert client.get("/operator/").status_code == 200
    clock.advance(16 * 60)
    assert client.get("/operator/").status_code == 302


def test_sign_out_ends_the_session_for_good(client, ca_admin):
    assert sign_in(client, ca_admin).status_code == 200
    cookie = client.get_cookie("eds_session")
    sign_out(client)
    client.set_cookie(cookie.key, cookie.value)  # the copied cookie of the old session
    assert client.get("/operator/").status_code == 302


def test_after_sign_in_the_page_goes_only_inside_the_console(client, ca_admin):
    assert sign_in(client, ca_admin, next_path="//evil.example/steal").get_json()["next"] == "/operator/"
    sign_out(client)
    assert sign_in(client, ca_admin, next_path="/operator/x").get_json()["next"] == "/operator/x"


def test_operators_are_managed_at_the_command_line_only(client, ctx, outbox):
    """No page adds operators or roles: the console reads the registry (eds operator ...)."""
    rules = [
        rule.rule for rule in client.application.url_map.iter_rules() if rule.rule.startswith("/operator")
    ]
    assert not [rule for rule in rules if "operators" in rule or "roles" in rule]
    assert make_operator(client, ctx, outbox, roles="auditor").iin
