"""GET /api/v1/applications/{id}/signed-copy: what the cabinet shows, for API clients too: the document as
signed, the CMS kept with it and the signature's verdict as of its signing; nothing for an SMS code."""

from __future__ import annotations

import base64

from flow_helpers import code_for
from registration_helpers import APPLICANT_IIN, APPLICANT_PHONE, certificates_for, file

from eds_toolkit.signatures import verify_cms


def test_an_eds_signed_application_has_its_signature_and_verdict(client, ctx, clock):
    applicant = certificates_for(ctx, APPLICANT_IIN)
    application = file(client)
    signed = application.post(
        "signature", {"method": "eds", "cms": applicant.cms(application.document.encode())}
    )
    assert signed.status_code == 200, signed.get_json()
    clock.advance(60)
    ctx.ca().store.revoke(f"{applicant.sign.serial_number:x}", "key_compromise", now=clock.now())

    response = client.get(f"/api/v1/applications/{application.id}/signed-copy", headers=application.auth)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["document"] == application.document and body["encoding"] == "utf-8"
    assert body["signed_with"] == "eds" and body["signer_is_applicant"] is True
    verdict = body["verdict"]
    assert verdict["ok"] is True  # as of its signing: the revocation a minute later does not undo it
    assert verdict["signer"]["iin"] == APPLICANT_IIN and verdict["signer"]["profile"] == "sign"
    assert verdict["revocation"]["source"] == "ocsp" and verdict["revocation"]["status"] == "good"
    assert len(verdict["chain"]) == 3
    pem = body["signature"]
    assert pem.startswith("-----BEGIN CMS-----\n") and pem.endswith("-----END CMS-----\n")
    der = base64.b64decode("".join(pem.splitlines()[1:-1]))
    again = verify_cms(
        der,
        content=body["document"].encode(),
        trust_roots=[ctx.ca().root_cert],
        at=clock.now(),
        revocation="none",
    )
    assert again.ok and again.signer.serial == f"{applicant.sign.serial_number:x}"


def test_an_sms_signed_or_draft_application_has_no_signature(client, ctx, outbox):
    application = file(client)
    draft = client.get(
        f"/api/v1/applications/{application.id}/signed-copy", headers=application.auth
    ).get_json()
    assert (draft["signed_with"], draft["signature"], draft["verdict"], draft["signer_is_applicant"]) == (
        None,
        None,
        None,
        None,
    )
    application.post("signing-code")
    application.post("signature", {"method": "sms", "code": code_for(outbox, APPLICANT_PHONE)})
    body = client.get(
        f"/api/v1/applications/{application.id}/signed-copy", headers=application.auth
    ).get_json()
    assert body["signed_with"] == "sms" and body["signature"] is None and body["verdict"] is None
    assert body["document"] == application.document and body["signed_at"]


def test_the_signed_copy_needs_the_applications_own_token(client):
    application, other = file(client), file(client)
    path = f"/api/v1/applications/{application.id}/signed-copy"
    no_token = client.get(path)
    assert no_token.status_code == 401 and no_token.get_json()["code"] == "unauthenticated"
    wrong = client.get(path, headers=other.auth)
    assert wrong.status_code == 404 and wrong.get_json()["code"] == "application_not_found"
