"""The JSON API under /api/v1: one resource per step; the views only translate HTTP to the step functions."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from importlib.resources import files

import yaml
from flask import Response, jsonify, url_for

from eds_toolkit import flow
from eds_toolkit.core.refusals import InvalidInput
from eds_toolkit.flow.start import START_MESSAGE
from eds_toolkit.web.api_language import requested_language
from eds_toolkit.web.api_support import (
    api_blueprint,
    authorise_enrolment,
    issued_pair_json,
    json_body,
    json_response,
    text_field,
)
from eds_toolkit.web.context import client_address, flow_context
from eds_toolkit.web.i18n import translate_to
from eds_toolkit.web.limits import iin_start_limit

bp = api_blueprint("api", __name__, "/api/v1")


@cache
def openapi_document() -> dict:
    """The OpenAPI 3.1 description of /api/v1 (``openapi.yaml``, hand-written: it is the API's contract)."""
    return yaml.safe_load(files("eds_toolkit.web").joinpath("openapi.yaml").read_text(encoding="utf-8"))


def _state(enrolment_id: str, status: int = 200) -> Response:
    return json_response(flow.describe(flow_context(), enrolment_id).as_json(), status)


def _one_field_step(
    step: Callable[..., object], enrolment_id: str, field: str, status: int = 200
) -> Response:
    """Run a step that takes one text field of the JSON body; answer the enrolment's state."""
    authorise_enrolment(enrolment_id)
    step(flow_context(), enrolment_id, text_field(json_body(), field), client_address=client_address())
    return _state(enrolment_id, status)


@bp.get("/openapi.json")
def openapi() -> Response:
    return jsonify(openapi_document())


@bp.post("/enrolments")
@iin_start_limit
def create_enrolment() -> Response:
    data = json_body()
    iin = data.get("iin")
    if not isinstance(iin, str):
        raise InvalidInput("The field 'iin' is required: the 12 digits of your IIN.", code="invalid_iin")
    language = requested_language() or "en"
    started = flow.start(flow_context(), iin, client_address=client_address(), language=language)
    view = flow.EnrolmentView.of_new(started.enrolment).as_json()
    view.update(token=started.api_token, message=translate_to(language, START_MESSAGE))
    response = json_response(view, 201)
    response.headers["Location"] = url_for("api.get_enrolment", enrolment_id=started.enrolment.id)
    return response


@bp.get("/enrolments/<enrolment_id>")
def get_enrolment(enrolment_id: str) -> Response:
    authorise_enrolment(enrolment_id)
    return _state(enrolment_id)


@bp.post("/enrolments/<enrolment_id>/code")
def submit_code(enrolment_id: str) -> Response:
    return _one_field_step(flow.submit_code, enrolment_id, "code")


@bp.post("/enrolments/<enrolment_id>/code/resend")
def resend_code(enrolment_id: str) -> Response:
    authorise_enrolment(enrolment_id)
    flow.resend_code(
        flow_context(), enrolment_id, client_address=client_address(), language=requested_language()
    )
    return _state(enrolment_id, 202)


@bp.post("/enrolments/<enrolment_id>/phone")
def register_phone(enrolment_id: str) -> Response:
    authorise_enrolment(enrolment_id)
    flow.register_phone(
        flow_context(),
        enrolment_id,
        text_field(json_body(), "phone"),
        client_address=client_address(),
        language=requested_language(),
    )
    return _state(enrolment_id, 202)


@bp.post("/enrolments/<enrolment_id>/phone/confirm")
def confirm_phone(enrolment_id: str) -> Response:
    return _one_field_step(flow.confirm_phone, enrolment_id, "code")


@bp.post("/enrolments/<enrolment_id>/phone-change/confirm")
def confirm_phone_change(enrolment_id: str) -> Response:
    return _one_field_step(flow.confirm_with_owner_code, enrolment_id, "code")


@bp.post("/enrolments/<enrolment_id>/pin")
def set_pin(enrolment_id: str) -> Response:
    authorise_enrolment(enrolment_id)
    data = json_body()
    flow.set_pin(
        flow_context(),
        enrolment_id,
        text_field(data, "pin"),
        text_field(data, "pin_confirmation"),
        client_address=client_address(),
    )
    return _state(enrolment_id)


@bp.get("/enrolments/<enrolment_id>/application")
def application(enrolment_id: str) -> Response:
    authorise_enrolment(enrolment_id)
    return json_response(flow.application_of(flow_context(), enrolment_id).as_json())


@bp.post("/enrolments/<enrolment_id>/application/confirm")
def confirm_application(enrolment_id: str) -> Response:
    authorise_enrolment(enrolment_id)
    confirmed = flow.confirm_application(flow_context(), enrolment_id, client_address=client_address())
    return json_response(confirmed.as_json())


@bp.post("/enrolments/<enrolment_id>/certificates")
def issue(enrolment_id: str) -> Response:
    authorise_enrolment(enrolment_id)
    data = json_body()
    keys = data.get("key_generation", "client")
    if keys == "server":
        made = flow.issue_on_server(
            flow_context(), enrolment_id, text_field(data, "password"), client_address=client_address()
        )
        status = 200 if made.delivered_again else 201  # the kept copy again: nothing new was issued
        response = Response(made.zip_bytes, status=status, mimetype="application/zip")
        response.headers["Content-Disposition"] = 'attachment; filename="eds-keystores.zip"'
        response.headers["Cache-Control"] = "no-store"
        return response
    if keys != "client":
        raise InvalidInput("key_generation is 'client' (send two CSRs) or 'server'.", code="invalid_input")
    pair = flow.issue_with_csrs(
        flow_context(),
        enrolment_id,
        text_field(data, "auth_csr"),
        text_field(data, "sign_csr"),
        client_address=client_address(),
    )
    return json_response(issued_pair_json(pair), 201)
