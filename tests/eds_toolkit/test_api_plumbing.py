"""The JSON APIs (enrolment, identification, registration, renewal) share one plumbing
(``eds_toolkit.web.api_support``): these tests hold every API to the same answers for the same mistakes."""

from __future__ import annotations

import pytest

PROBLEM_JSON = "application/problem+json"
ENROLMENT_TOKEN = "Send the enrolment's token: Authorization: Bearer <token from POST /api/v1/enrolments>."
APPLICATION_TOKEN = (
    "Send the application's token: Authorization: Bearer <token from POST /api/v1/applications>."
)


@pytest.mark.parametrize(
    "path",
    ["/api/v1/enrolments", "/api/v1/applications", "/api/v1/renewals/some-challenge"],
)
def test_every_api_refuses_a_body_that_is_not_a_json_object_the_same_way(client, path):
    for body in ({"data": "iin=123", "content_type": "application/x-www-form-urlencoded"}, {"json": [1, 2]}):
        response = client.post(path, **body)
        assert response.status_code == 422
        assert response.mimetype == PROBLEM_JSON
        assert response.get_json() == {
            "type": "https://eds-toolkit.invalid/problems/json_expected",
            "title": "Invalid input",
            "status": 422,
            "detail": "Send a JSON object (Content-Type: application/json).",
            "code": "json_expected",
        }


@pytest.mark.parametrize(
    ("path", "first_field"),
    [("/api/v1/applications", "applicant_iin"), ("/api/v1/renewals/some-challenge", "signed_challenge")],
)
def test_a_missing_or_blank_field_is_named_in_the_problem(client, path, first_field):
    for body in ({}, {first_field: "   "}, {first_field: 12}):
        problem = client.post(path, json=body).get_json()
        assert (problem["status"], problem["code"], problem["field"]) == (422, "field_missing", first_field)
        assert problem["detail"] == f"The field {first_field!r} is required (a string)."


@pytest.mark.parametrize(
    ("method", "path", "detail"),
    [
        ("get", "/api/v1/enrolments/e1", ENROLMENT_TOKEN),
        ("post", "/api/v1/enrolments/e1/code", ENROLMENT_TOKEN),
        ("post", "/api/v1/enrolments/e1/selfie", ENROLMENT_TOKEN),
        ("post", "/api/v1/enrolments/e1/liveness", ENROLMENT_TOKEN),
        ("get", "/api/v1/applications/a1", APPLICATION_TOKEN),
        ("post", "/api/v1/applications/a1/signature", APPLICATION_TOKEN),
    ],
)
def test_every_token_api_asks_for_its_bearer_token_the_same_way(client, method, path, detail):
    for header in ({}, {"Authorization": "Basic abc"}, {"Authorization": "Bearer   "}):
        response = getattr(client, method)(path, headers=header, json={})
        assert response.status_code == 401
        assert response.mimetype == PROBLEM_JSON
        assert response.headers["WWW-Authenticate"] == "Bearer"
        problem = response.get_json()
        assert (problem["code"], problem["title"], problem["detail"]) == (
            "unauthenticated",
            "Token required",
            detail,
        )


@pytest.mark.parametrize(
    "path", ["/api/v1/enrolments/e1", "/api/v1/enrolments/e1/selfie", "/api/v1/applications/a1"]
)
def test_a_wrong_token_is_not_found_and_says_nothing_more(client, path):
    method = client.get if path.endswith(("e1", "a1")) else client.post
    response = method(path, headers={"Authorization": "Bearer not-the-token"})
    assert response.status_code == 404
    assert response.mimetype == PROBLEM_JSON
    assert "WWW-Authenticate" not in response.headers
    assert response.get_json()["code"] in ("not_found", "application_not_found")
