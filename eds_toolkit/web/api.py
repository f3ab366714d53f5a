"""The JSON API under /api/v1: one resource per step; the views only translate HTTP to the step functions."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request, url_for
from flask_limiter import Limiter

from eds_toolkit import flow
from eds_toolkit.flow.errors import FlowError, InvalidInput
from eds_toolkit.flow.start import START_MESSAGE
from eds_toolkit.settings import Settings
from eds_toolkit.web.context import client_address, flow_context
from eds_toolkit.web.limits import iin_key
from eds_toolkit.web.openapi import openapi_document
from eds_toolkit.web.problems import problem, problem_from


def _body() -> dict:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise InvalidInput("Send a JSON object (Content-Type: application/json).", code="json_expected")
    return data


def _text(data: dict, name: str) -> str:
    value = data.get(name)
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"The field {name!r} is required (a string).", code="field_missing", field=name)
    return value


def _authorised(enrolment_id: str) -> None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _Unauthenticated()
    flow.authenticate(flow_context(), enrolment_id, token.strip())


class _Unauthenticated(FlowError):
    status = 401
    code = "unauthenticated"
    title = "Token required"

    def __init__(self) -> None:
        super().__init__(
            "Send the enrolment's token: Authorization: Bearer <token from POST /api/v1/enrolments>."
        )


def _state(enrolment_id: str, status: int = 200) -> Response:
    response = jsonify(flow.describe(flow_context(), enrolment_id).as_json())
    response.status_code = status
    return response


def make_api_blueprint(limiter: Limiter, settings: Settings) -> Blueprint:
    """The /api/v1 blueprint, rate-limited per client address (and per IIN on creation)."""
    api = Blueprint("api", __name__, url_prefix="/api/v1")
    limiter.limit(settings.ratelimit_per_address)(api)

    @api.errorhandler(FlowError)
    def _refused(error: FlowError) -> Response:
        response = problem_from(error)
        if error.status == 401:
            response.headers["WWW-Authenticate"] = "Bearer"
        return response

    @api.get("/openapi.json")
    def openapi() -> Response:
        return jsonify(openapi_document())

    @api.post("/enrolments")
    @limiter.limit(settings.ratelimit_per_iin, key_func=iin_key, methods=["POST"], override_defaults=False)
    def create_enrolment() -> Response:
        data = _body()
        iin = data.get("iin")
        if not isinstance(iin, str):
            raise InvalidInput("The field 'iin' is required: the 12 digits of your IIN.", code="invalid_iin")
        language = data.get("language") if data.get("language") in ("en", "kk", "ru") else "en"
        started = flow.start(flow_context(), iin, client_address=client_address(), language=language)
        view = flow.describe(flow_context(), started.enrolment.id).as_json()
        view.update(token=started.api_token, message=START_MESSAGE)
        response = jsonify(view)
        response.status_code = 201
        response.headers["Location"] = url_for("api.get_enrolment", enrolment_id=started.enrolment.id)
        return response

    @api.get("/enrolments/<enrolment_id>")
    def get_enrolment(enrolment_id: str) -> Response:
        _authorised(enrolment_id)
        return _state(enrolment_id)

    @api.post("/enrolments/<enrolment_id>/code")
    def submit_code(enrolment_id: str) -> Response:
        _authorised(enrolment_id)
        flow.submit_code(
            flow_context(), enrolment_id, _text(_body(), "code"), client_address=client_address()
        )
        return _state(enrolment_id)

    @api.post("/enrolments/<enrolment_id>/code/resend")
    def resend_code(enrolment_id: str) -> Response:
        _authorised(enrolment_id)
        flow.resend_code(flow_context(), enrolment_id, client_address=client_address())
        return _state(enrolment_id, 202)

    @api.post("/enrolments/<enrolment_id>/phone")
    def register_phone(enrolment_id: str) -> Response:
        _authorised(enrolment_id)
        flow.register_phone(
            flow_context(), enrolment_id, _text(_body(), "phone"), client_address=client_address()
        )
        return _state(enrolment_id, 202)

    @api.post("/enrolments/<enrolment_id>/phone/confirm")
    def confirm_phone(enrolment_id: str) -> Response:
        _authorised(enrolment_id)
        flow.confirm_phone(
            flow_context(), enrolment_id, _text(_body(), "code"), client_address=client_address()
        )
        return _state(enrolment_id)

    @api.post("/enrolments/<enrolment_id>/pin")
    def set_pin(enrolment_id: str) -> Response:
        _authorised(enrolment_id)
        data = _body()
        flow.set_pin(
            flow_context(),
            enrolment_id,
            _text(data, "pin"),
            _text(data, "pin_confirmation"),
            client_address=client_address(),
        )
        return _state(enrolment_id)

    @api.post("/enrolments/<enrolment_id>/certificates")
    def issue(enrolment_id: str) -> Response:
        _authorised(enrolment_id)
        data = _body()
        keys = data.get("key_generation", "client")
        if keys == "server":
            made = flow.issue_on_server(
                flow_context(), enrolment_id, _text(data, "password"), client_address=client_address()
            )
            response = Response(made.zip_bytes, status=201, mimetype="application/zip")
            response.headers["Content-Disposition"] = 'attachment; filename="eds-keystores.zip"'
            return response
        if keys != "client":
            raise InvalidInput(
                "key_generation is 'client' (send two CSRs) or 'server'.", code="invalid_input"
            )
        pair = flow.issue_with_csrs(
            flow_context(),
            enrolment_id,
            _text(data, "auth_csr"),
            _text(data, "sign_csr"),
            client_address=client_address(),
        )
        response = jsonify(
            {
                "auth_certificate": pair.auth_pem.decode(),
                "sign_certificate": pair.sign_pem.decode(),
                "chain": pair.chain_pem.decode(),
                "auth_serial": pair.auth_serial,
                "sign_serial": pair.sign_serial,
            }
        )
        response.status_code = 201
        return response

    @api.app_errorhandler(404)
    def _not_found(error) -> Response:
        if request.path.startswith("/api/"):
            return problem(404, "Not found", "There is no such API resource.", "not_found")
        return error

    @api.app_errorhandler(405)
    def _wrong_method(error) -> Response:
        if request.path.startswith("/api/"):
            allowed = ", ".join(sorted(getattr(error, "valid_methods", None) or []))
            response = problem(405, "Method not allowed", f"Use {allowed} here.", "method_not_allowed")
            response.headers["Allow"] = allowed
            return response
        return error

    return api
