"""CRL and OCSP status in the console: what each CRL and the responder say, a live OCSP self-check that
follows a revocation, and the CA administrator's "publish now" (an auditor sees the page, not the button)."""

from __future__ import annotations

import json
import re

from operator_helpers import make_operator, sign_in
from oversight_helpers import form_token, iins_shown
from sqlalchemy import select

from ca.authority import CertificateAuthority, load_root_key
from ca.crl import crl_status, publish_due, publish_root_crl
from eds_toolkit.bootstrap import ca_directory, ca_passphrase
from eds_toolkit.core.audit_models import AuditEvent
from eds_toolkit.web.context import service


def crl_numbers(page: str) -> dict[str, int]:
    """The number each CRL row of the page shows (``data-number``), by kind."""
    rows = re.findall(r'<tr data-crl="(\w+)"[^>]*>(.*?)</tr>', page, re.S)
    found = {}
    for which, row in rows:
        number = re.search(r'data-number="(\d+)"', row)
        if number:
            found[which] = int(number.group(1))
    return found


def ocsp_answer(page: str) -> tuple[str, str]:
    health = re.search(r'id="ocsp-check" data-ocsp="(\w+)"', page).group(1)
    status = re.search(r'data-status="(\w*)"', page)
    return health, status.group(1) if status else ""


def test_a_ca_administrator_sees_the_crls_and_publishes_a_new_one(client, ctx, ca_admin):
    publish_due(ctx.ca())
    before = {entry.which: entry.number for entry in crl_status(ctx.ca().store, *ctx.ca().chain)}
    assert sign_in(client, ca_admin).status_code == 200
    page = client.get("/operator/pki")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert crl_numbers(text) == {"base": before["base"], "delta": before["delta"]}
    assert "/pki/crl" in text and "/pki/delta.crl" in text and "/pki/root.crl" in text
    assert 'id="publish-crl"' in text and "data-overdue" not in text
    assert ocsp_answer(text) == ("healthy", "good")

    answer = client.post("/operator/pki/publish", data={"csrf_token": form_token(text)})
    assert answer.status_code == 303
    after = {entry.which: entry.number for entry in crl_status(ctx.ca().store, *ctx.ca().chain)}
    assert after["base"] > before["delta"] and after["delta"] == after["base"] + 1
    shown = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert crl_numbers(shown) == {"base": after["base"], "delta": after["delta"]}
    assert f"number {after['base']}" in shown
    with ctx.session() as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "crl_published")).one()
    detail = json.loads(event.detail)
    assert detail["numbers"] == {"base": after["base"], "delta": after["delta"]}
    assert detail["operator_certificate"] == ca_admin.holder.auth_serial
    assert event.iin_hash == ctx.iin_hash(ca_admin.iin)


def test_an_auditor_sees_the_page_but_cannot_publish(client, ctx, outbox):
    auditor = make_operator(client, ctx, outbox, roles="auditor")
    publish_due(ctx.ca())
    before = crl_status(ctx.ca().store, *ctx.ca().chain)
    assert sign_in(client, auditor).status_code == 200
    text = client.get("/operator/pki").get_data(as_text=True)
    assert "Publish a new CRL now" not in text and 'id="publish-crl"' not in text
    token = form_token(text)  # the sign-out form's: a valid token, still not the permission
    assert client.post("/operator/pki/publish", data={"csrf_token": token}).status_code == 403
    assert crl_status(ctx.ca().store, *ctx.ca().chain) == before


def test_a_crl_past_its_next_update_is_shown_overdue(client, ctx, clock, ca_admin):
    publish_due(ctx.ca())
    clock.advance(8 * 24 * 3600)  # the base lives 7 days, the delta 1: both past nextUpdate
    assert sign_in(client, ca_admin).status_code == 200
    text = client.get("/operator/pki").get_data(as_text=True)
    overdue = re.findall(r'<tr data-crl="(\w+)" class="error" data-overdue>', text)
    assert overdue == ["base", "delta"]
    assert "overdue" in text


def test_the_root_crl_is_shown_once_published(client, ctx, app, ca_admin):
    assert sign_in(client, ca_admin).status_code == 200
    text = client.get("/operator/pki").get_data(as_text=True)
    assert "root" not in crl_numbers(text) and "Not published yet" in text
    settings = service(app).settings
    directory = ca_directory(settings.home)
    root = CertificateAuthority.read_chain(directory)[1]
    crl = publish_root_crl(
        ctx.ca().store, root, load_root_key(directory, ca_passphrase(settings)), force=True
    )
    assert crl is not None
    assert crl_numbers(client.get("/operator/pki").get_data(as_text=True))["root"] >= 1


def test_the_ocsp_self_check_follows_a_revocation(client, ctx, ca_admin):
    assert sign_in(client, ca_admin).status_code == 200
    text = client.get("/operator/pki").get_data(as_text=True)
    asked = re.search(r"<dt>Certificate asked about</dt><dd><code>(\w+)</code>", text).group(1)
    assert ocsp_answer(text) == ("healthy", "good")
    ctx.ca().store.revoke(asked, reason="key_compromise")
    assert ocsp_answer(client.get("/operator/pki").get_data(as_text=True)) == ("healthy", "revoked")


def test_who_may_open_the_status_page(client, ctx, outbox):
    assert client.get("/operator/pki").status_code == 302  # not signed in: to the sign-in page
    officer = make_operator(client, ctx, outbox, roles="registration_officer")
    assert sign_in(client, officer).status_code == 200
    assert client.get("/operator/pki").status_code == 403
    page = client.get("/operator/").get_data(as_text=True)
    assert "/operator/pki" not in page  # not in the menu either
    assert iins_shown(page) == []
