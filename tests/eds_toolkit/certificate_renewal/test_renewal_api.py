"""POST /api/v1/renewals and /api/v1/renewals/{id}: JSON in, certificates or problem+json out."""

from __future__ import annotations

import base64

from cryptography import x509
from renewal_helpers import certificate_count, new_csrs, status_of


def ask_challenge(client) -> dict:
    response = client.post("/api/v1/renewals")
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_renewal_over_the_api(client, ctx, holder):
    challenge = ask_challenge(client)
    data = base64.b64decode(challenge["challenge_base64"])
    assert data == challenge["challenge"].encode()
    auth_csr, sign_csr = new_csrs()
    response = client.post(
        f"/api/v1/renewals/{challenge['id']}",
        json={"signed_challenge": holder.cms_base64(data), "auth_csr": auth_csr, "sign_csr": sign_csr},
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    new_auth = x509.load_pem_x509_certificate(body["auth_certificate"].encode())
    assert new_auth.subject == holder.auth.subject
    assert f"{new_auth.serial_number:040x}" == body["auth_serial"]
    assert sorted(body["superseded_serials"]) == sorted([holder.auth_serial, holder.sign_serial])
    assert status_of(ctx, holder.auth_serial) == ("revoked", "superseded")


def test_refusals_are_problem_details_and_issue_nothing(client, ctx, holder):
    before = certificate_count(ctx)
    challenge = ask_challenge(client)
    data = challenge["challenge"].encode()
    auth_csr, sign_csr = new_csrs()
    with_sign_key = client.post(
        f"/api/v1/renewals/{challenge['id']}",
        json={
            "signed_challenge": holder.cms_base64(data, profile="sign"),
            "auth_csr": auth_csr,
            "sign_csr": sign_csr,
        },
    )
    assert with_sign_key.status_code == 403
    assert with_sign_key.mimetype == "application/problem+json"
    assert with_sign_key.get_json()["code"] == "not_auth_certificate"

    replay = client.post(
        f"/api/v1/renewals/{challenge['id']}",
        json={"signed_challenge": holder.cms_base64(data), "auth_csr": auth_csr, "sign_csr": sign_csr},
    )
    assert (replay.status_code, replay.get_json()["code"]) == (409, "challenge_used")

    unknown = client.post(
        "/api/v1/renewals/nope", json={"signed_challenge": "x", "auth_csr": "x", "sign_csr": "x"}
    )
    assert (unknown.status_code, unknown.get_json()["code"]) == (404, "challenge_not_found")

    fresh = ask_challenge(client)
    missing = client.post(
        f"/api/v1/renewals/{fresh['id']}", json={"auth_csr": auth_csr, "sign_csr": sign_csr}
    )
    assert (missing.status_code, missing.get_json()["code"]) == (422, "field_missing")
    not_json = client.post(f"/api/v1/renewals/{fresh['id']}", data="signed_challenge=x")
    assert (not_json.status_code, not_json.get_json()["code"]) == (422, "json_expected")
    assert certificate_count(ctx) == before


def test_the_openapi_document_describes_renewal(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "post" in paths["/renewals"] and "post" in paths["/renewals/{id}"]
