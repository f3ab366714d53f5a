"""The registration service's officers see each application with the exact document signed and the
signature's verdict (chain, revocation, signer's IIN equal to the applicant's); opening one is audited."""

from __future__ import annotations

import json

from page_helpers import officer_signed_in
from registration_helpers import APPLICANT_IIN, STRANGER_IIN, certificates_for, file
from sqlalchemy import select

from eds_toolkit.core.audit_models import AuditEvent

OFFICER_IIN = "850314312017"


def _sign_in_as(client, ctx, roles: str) -> None:
    officer_signed_in(client, ctx, roles, iin=OFFICER_IIN)


def _signed_by(client, ctx, signer_iin: str):
    signer = certificates_for(ctx, signer_iin)
    application = file(client)
    answer = application.post(
        "signature", {"method": "eds", "cms": signer.cms(application.document.encode())}
    )
    return application, answer


def test_an_officer_sees_the_document_and_a_valid_verdict(client, ctx):
    application, answer = _signed_by(client, ctx, APPLICANT_IIN)
    assert answer.status_code == 200, answer.get_json()
    _sign_in_as(client, ctx, "registration_officer")
    listed = client.get("/operator/applications")
    assert listed.status_code == 200
    assert f"/operator/applications/{application.id}" in listed.get_data(as_text=True)
    page = client.get(f"/operator/applications/{application.id}").get_data(as_text=True)
    assert "The signature is valid." in page
    assert "the applicant&#39;s IIN" in page or "the applicant's IIN" in page
    assert json.loads(application.document)["applicant_iin"] in page
    with ctx.session() as session:
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "application_viewed").order_by(AuditEvent.id.desc())
        ).first()
    assert event is not None and json.loads(event.detail)["application"] == application.id


def test_a_signature_by_another_person_is_refused_and_nothing_is_shown_as_signed(client, ctx):
    application, answer = _signed_by(client, ctx, STRANGER_IIN)
    assert answer.status_code >= 400  # not the applicant's signature: the service takes nothing
    _sign_in_as(client, ctx, "auditor")
    page = client.get(f"/operator/applications/{application.id}")
    assert page.status_code == 200
    assert "verdict-heading" not in page.get_data(as_text=True)
    assert application.status() == "draft"


def test_a_ca_administrator_and_a_stranger_cannot_open_applications(client, ctx):
    application, _ = _signed_by(client, ctx, APPLICANT_IIN)
    assert client.get("/operator/applications").status_code == 302  # not signed in
    _sign_in_as(client, ctx, "ca_admin")
    assert client.get("/operator/applications").status_code == 403
    assert client.get(f"/operator/applications/{application.id}").status_code == 403
