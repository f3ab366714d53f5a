"""Any JSON body that does not parse is a 400 problem, never a 500 with an HTML page.

The attacker's bodies: JSON nested deeper than Python's recursion limit (``json.loads`` raises
``RecursionError``, which is not a ``ValueError``), truncated JSON, bytes that are not UTF-8.
"""

from __future__ import annotations

import pytest
from flow_helpers import api_start

from eds_toolkit.web.api import openapi_document

PROBLEM_JSON = "application/problem+json"
DEEP = "[" * 1000 + "]" * 1000
BODIES = {
    "nested 1,000 deep": DEEP,
    "nested 60,000 deep": "[" * 60_000,  # under the 64 KiB body limit
    "an object nested deep": '{"iin": ' + DEEP + "}",
    "truncated": '{"iin": "8503',
    "not UTF-8": b'{"iin": "\xff\xfe"}',
}
BEARER = {"Authorization": "Bearer not-a-token"}
API_PATHS = {
    "/api/v1" + path.replace("{id}", "x1"): [m for m in item if m in ("get", "post")]
    for path, item in openapi_document()["paths"].items()
}
PATHS = ["/api/v1/enrolments", "/api/v1/applications", "/api/v1/renewals/some-challenge"]


def _problem_400(response) -> None:
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    assert response.mimetype == PROBLEM_JSON
    problem = response.get_json()
    assert (problem["status"], problem["code"]) == (400, "json_invalid")
    assert problem["detail"] == "The body is not valid JSON (or is nested too deep): send a JSON object."


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("body", BODIES.values(), ids=BODIES.keys())
def test_a_body_that_does_not_parse_is_a_400_problem(client, path, body):
    _problem_400(client.post(path, data=body, content_type="application/json"))


@pytest.mark.parametrize("step", ["code", "phone", "pin", "certificates"])
def test_a_step_of_an_enrolment_refuses_deep_json_with_a_400_problem(client, step):
    enrolment = api_start(client)
    response = client.post(
        f"/api/v1/enrolments/{enrolment.id}/{step}",
        data=DEEP,
        content_type="application/json",
        headers=enrolment.auth,
    )
    _problem_400(response)


@pytest.mark.parametrize(
    ("method", "path"),
    [(method, path) for path, methods in API_PATHS.items() for method in methods],
)
def test_no_api_endpoint_fails_on_deep_json(client, method, path):
    response = client.open(
        path, method=method.upper(), data=DEEP, content_type="application/json", headers=BEARER
    )
    assert response.status_code < 500
    assert response.mimetype in (PROBLEM_JSON, "application/json")


def test_rate_limits_read_a_body_that_does_not_parse_as_no_iin(app, client):
    """The per-IIN limit's key reads the body before the view: a deep body must not break it."""
    app.config["RATELIMIT_ENABLED"] = True
    response = client.post("/api/v1/enrolments", data=DEEP, content_type="application/json")
    assert response.status_code == 400


def test_a_page_posting_deep_json_gets_its_error_page(client):
    response = client.post("/start", data=DEEP, content_type="application/json")
    assert response.status_code < 500
