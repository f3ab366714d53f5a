"""The registration service's JSON API under /api/v1/applications; views only translate HTTP.

The applicant holds the bearer token returned on filing; the owner proves themselves with the code
sent to their phone in the mobile-citizens base (no token).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request
from flask_limiter import Limiter

from eds_toolkit.core.refusals import InvalidInput
from eds_toolkit.registration import service
from eds_toolkit.settings import Settings
from eds_toolkit.web.api_support import (
    api_blueprint,
    bearer_token,
    json_body,
    json_response,
    language_of,
    optional_text_field,
    text_field,
)
from eds_toolkit.web.context import client_address, flow_context
from eds_toolkit.web.openapi import json_content, problems

CODE_SENT = (
    "If a phone is registered for this IIN in the mobile-citizens base, a one-time code was sent to it "
    "from 1414 (valid 5 minutes)."
)


def _authorised(application_id: str) -> None:
    token = bearer_token(
        "Send the application's token: Authorization: Bearer <token from POST /api/v1/applications>."
    )
    service.authenticate(flow_context(), application_id, token)


def make_registration_blueprint(limiter: Limiter, settings: Settings) -> Blueprint:
    """The /api/v1/applications blueprint, rate-limited per client address like /api/v1."""
    api = api_blueprint("registration_api", "/api/v1/applications", limiter, settings)

    @api.post("")
    def file_application() -> Response:
        data = json_body()
        filed = service.file_application(
            flow_context(),
            applicant_iin=text_field(data, "applicant_iin"),
            address=text_field(data, "address"),
            owner_iin=optional_text_field(data, "owner_iin"),
            client_address=client_address(),
        )
        document = service.application_document(flow_context(), filed.application.id)
        return json_response({**filed.application.as_json(), "token": filed.token, "document": document}, 201)

    @api.get("/<application_id>")
    def show(application_id: str) -> Response:
        _authorised(application_id)
        return json_response(service.describe(flow_context(), application_id).as_json())

    @api.get("/<application_id>/document")
    def document(application_id: str) -> Response:
        _authorised(application_id)
        return json_response(
            {"document": service.application_document(flow_context(), application_id), "encoding": "utf-8"}
        )

    @api.post("/<application_id>/signing-code")
    def signing_code(application_id: str) -> Response:
        _authorised(application_id)
        service.send_signing_code(
            flow_context(),
            application_id,
            language=language_of(request.get_json(silent=True)),
            client_address=client_address(),
        )
        return json_response({"message": CODE_SENT}, 202)

    @api.post("/<application_id>/signature")
    def signature(application_id: str) -> Response:
        _authorised(application_id)
        data = json_body()
        method = data.get("method")
        if method == "sms":
            view = service.sign_with_code(
                flow_context(), application_id, text_field(data, "code"), client_address=client_address()
            )
        elif method == "eds":
            cms = text_field(data, "cms").encode("ascii", "replace")
            view = service.sign_with_eds(flow_context(), application_id, cms, client_address=client_address())
        else:
            raise InvalidInput(
                "The field 'method' is 'eds' (with 'cms') or 'sms' (with 'code').", code="field_missing"
            )
        return json_response(view.as_json())

    @api.post("/<application_id>/owner-code")
    def owner_code(application_id: str) -> Response:
        service.send_owner_code(
            flow_context(),
            application_id,
            language=language_of(request.get_json(silent=True)),
            client_address=client_address(),
        )
        return json_response({"message": CODE_SENT.replace("this IIN", "the owner's IIN")}, 202)

    @api.post("/<application_id>/owner-decision")
    def owner_decision(application_id: str) -> Response:
        data = json_body()
        decision = data.get("decision", "confirm")
        if decision not in ("confirm", "decline"):
            raise InvalidInput("The field 'decision' is 'confirm' or 'decline'.", code="field_missing")
        view = service.owner_decides(
            flow_context(),
            application_id,
            text_field(data, "code"),
            accept=decision == "confirm",
            client_address=client_address(),
        )
        return json_response({"id": view.id, "status": view.status})

    return api


def openapi_paths() -> dict:
    """The registration endpoints for the OpenAPI document (merged by ``openapi_document``)."""
    refusals = problems("401", "404", "409", "422", "429", "503")
    parameter = [{"$ref": "#/components/parameters/EnrolmentId"}]

    def operation(
        summary: str, status: str, schema: dict, body: dict | None = None, token: bool = True
    ) -> dict:
        described: dict[str, Any] = {
            "summary": summary,
            "tags": ["registration"],
            "parameters": parameter,
            "responses": {
                status: {"description": "Done", "content": json_content(schema)},
                **refusals,
            },
        }
        described["security"] = [{"applicationToken": []}] if token else []
        if body:
            described["requestBody"] = {"required": True, "content": json_content(body)}
        return described

    application = {"$ref": "#/components/schemas/ResidenceApplication"}
    message = {"type": "object", "properties": {"message": {"type": "string"}}}
    string = {"type": "string"}
    filed = operation(
        "File a residence-registration application (a draft until signed); returns its token and the "
        "canonical document to sign",
        "201",
        {"allOf": [application, {"type": "object", "properties": {"token": string, "document": string}}]},
        {
            "type": "object",
            "required": ["applicant_iin", "address"],
            "properties": {
                "applicant_iin": string,
                "address": string,
                "owner_iin": {"type": ["string", "null"]},
            },
        },
        token=False,
    )
    del filed["parameters"]
    return {
        "/applications": {"post": filed},
        "/applications/{id}": {"get": operation("The application and its status", "200", application)},
        "/applications/{id}/document": {
            "get": operation(
                "The canonical JSON to sign with the EDS (CMS over its UTF-8 bytes, attached or detached)",
                "200",
                {"type": "object", "properties": {"document": string, "encoding": string}},
            )
        },
        "/applications/{id}/signing-code": {
            "post": operation(
                "Send a one-time signing code to the applicant's phone in the base", "202", message
            )
        },
        "/applications/{id}/signature": {
            "post": operation(
                "Sign: {method: eds, cms: base64 or PEM} with the applicant's own SIGN certificate, or "
                "{method: sms, code}; then registered (applicant owns the address) or awaiting_owner",
                "200",
                application,
                {
                    "type": "object",
                    "required": ["method"],
                    "properties": {"method": {"enum": ["eds", "sms"]}, "cms": string, "code": string},
                },
            )
        },
        "/applications/{id}/owner-code": {
            "post": operation("Send (again) the owner's confirmation code", "202", message, token=False)
        },
        "/applications/{id}/owner-decision": {
            "post": operation(
                "The owner confirms (registered) or declines (rejected) with their code, within one hour",
                "200",
                {"type": "object", "properties": {"id": string, "status": string}},
                {
                    "type": "object",
                    "required": ["code"],
                    "properties": {"code": string, "decision": {"enum": ["confirm", "decline"]}},
                },
                token=False,
            )
        },
    }


def openapi_schemas() -> dict:
    """Schemas of the registration endpoints."""
    string = {"type": "string"}
    nullable_time = {"type": ["string", "null"], "format": "date-time"}
    return {
        "ResidenceApplication": {
            "type": "object",
            "required": ["id", "status"],
            "properties": {
                "id": string,
                "status": {
                    "enum": ["draft", "submitted", "awaiting_owner", "registered", "returned", "rejected"]
                },
                "applicant_iin": string,
                "owner_iin": {"type": ["string", "null"]},
                "address": string,
                "signed_with": {"type": ["string", "null"]},
                "created_at": {"type": "string", "format": "date-time"},
                "submitted_at": nullable_time,
                "owner_deadline": nullable_time,
                "decided_at": nullable_time,
                "outcome_reason": {"type": ["string", "null"]},
            },
        }
    }


def openapi_security_schemes() -> dict:
    return {
        "applicationToken": {"type": "http", "scheme": "bearer", "description": "From POST /applications"}
    }
