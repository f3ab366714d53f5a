"""A CSR the parser rejects anywhere (a version other than 0, subject text that is not UTF-8) is a 422
problem on the API and a clear error on the certificates page, never a 500; nothing is issued."""

from __future__ import annotations

import pytest
from flow_helpers import KNOWN_IIN, api_to_pin_set, csrf, make_csr_pem

from eds_toolkit.flow import describe
from tests.hostile_csrs import hostile_csrs

HOSTILE = hostile_csrs(KNOWN_IIN)
SOME = ["version 1, signed again", "version -1, old signature", "subject not UTF-8, signed again"]


@pytest.mark.parametrize("name", list(HOSTILE))
def test_the_api_refuses_it_with_a_422_problem(client, ctx, outbox, name):
    enrolment = api_to_pin_set(client, ctx, outbox)
    for body in (
        {"auth_csr": HOSTILE[name].decode(), "sign_csr": make_csr_pem(KNOWN_IIN).decode()},
        {"auth_csr": make_csr_pem(KNOWN_IIN).decode(), "sign_csr": HOSTILE[name].decode()},
    ):
        response = enrolment.post("certificates", body)
        assert response.status_code == 422, response.get_data(as_text=True)[:300]
        assert response.mimetype == "application/problem+json"
        assert response.get_json()["code"] == "malformed_csr"
    assert describe(ctx, enrolment.id).state == "pin_set"


@pytest.mark.parametrize("name", SOME)
def test_the_certificates_page_shows_a_clear_error(client, ctx, outbox, name):
    enrolment = api_to_pin_set(client, ctx, outbox)
    with client.session_transaction() as session:
        session["enrolment_id"] = enrolment.id
    response = client.post(
        "/certificates/csr",
        data={
            "csrf_token": csrf(client, "/certificates"),
            "auth_csr": HOSTILE[name].decode(),
            "sign_csr": make_csr_pem(KNOWN_IIN).decode(),
        },
    )
    assert response.status_code == 422
    assert "cannot be read (malformed or truncated PKCS#10)" in response.get_data(as_text=True)
    assert describe(ctx, enrolment.id).state == "pin_set"
