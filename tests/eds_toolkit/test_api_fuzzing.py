"""A schemathesis run over the OpenAPI document (``eds_toolkit/web/openapi.yaml``): whatever it sends to
any operation, valid or not, the service answers without a 5xx.

Deterministic (a fixed seed, no example database) and bounded, so CI runs it in well under a minute.
"""

from __future__ import annotations

import shutil

import pytest
import schemathesis
from flow_helpers import ApiEnrolment, api_to_pin_set, frozen_clock, make_settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig

from eds_toolkit.web import create_app
from eds_toolkit.web.api import openapi_document

CONFIG = SchemathesisConfig.from_dict(
    {
        "seed": 20260302,
        "generation": {"mode": "all", "max-examples": 12, "deterministic": True, "database": "none"},
        "phases": {
            "examples": {"enabled": True},
            "coverage": {"enabled": True},
            "stateful": {"enabled": False},
        },
        "checks": {"enabled": False, "not_a_server_error": {"enabled": True}},
    }
)


@pytest.fixture(scope="module")
def app(tmp_path_factory, ca_template):
    """One service for the whole run (rate limits off, as in the other API tests)."""
    home = tmp_path_factory.mktemp("fuzz-home")
    shutil.copytree(ca_template, home / "ca")
    return create_app(make_settings(home, frozen_clock()))


@pytest.fixture(scope="module")
def enrolment(app) -> ApiEnrolment:
    """An enrolment waiting for its certificates: the fuzzed steps reach its state checks and the CA."""
    from eds_toolkit.web.context import service

    return api_to_pin_set(app.test_client(), service(app).flow, service(app).settings.home / "outbox.jsonl")


@pytest.fixture(scope="module")
def application(app) -> tuple[str, dict]:
    """A draft residence-registration application and its token: the fuzzed registration steps (and its
    signed copy) run past the token."""
    filed = app.test_client().post(
        "/api/v1/applications", json={"applicant_iin": "850314312017", "address": "Астана, Мәңгілік Ел 55"}
    )
    assert filed.status_code == 201, filed.get_json()
    body = filed.get_json()
    return body["id"], {"Authorization": f"Bearer {body['token']}"}


schema = schemathesis.openapi.from_dict(openapi_document(), config=CONFIG)


@schema.parametrize()
def test_no_request_to_the_api_gets_a_5xx(case, app, enrolment, application):
    headers = {}
    if case.path.startswith("/enrolments/{id}"):  # a real enrolment's, so the steps run past the token
        case.path_parameters = {**(case.path_parameters or {}), "id": enrolment.id}
        headers = enrolment.auth
    elif case.path.startswith("/applications/{id}"):  # a real application's, likewise
        case.path_parameters = {**(case.path_parameters or {}), "id": application[0]}
        headers = application[1]
    case.call_and_validate(app=app, headers=headers, checks=[not_a_server_error])
