"""The OpenAPI 3.1 description of /api/v1 (hand-written: the API is small and this is its contract)."""

from __future__ import annotations

from typing import Any

_PROBLEM = {"$ref": "#/components/responses/Problem"}
PAIR_PROPERTIES = {
    name: {"type": "string"}
    for name in ("auth_certificate", "sign_certificate", "chain", "auth_serial", "sign_serial")
}
"""The properties of an issued AUTH+SIGN pair (``api_support.pair_json``), shared by issuance and renewal."""


def problems(*statuses: str) -> dict:
    """The problem+json responses of an operation, one per status."""
    return {status: _PROBLEM for status in statuses}


def schema_ref(name: str) -> dict:
    """A reference to a schema of the document's components."""
    return {"$ref": f"#/components/schemas/{name}"}


def json_content(schema: dict) -> dict:
    """An ``application/json`` body or response content with ``schema``."""
    return {"application/json": {"schema": schema}}


def _json_body(schema_ref: str) -> dict:
    return {"required": True, "content": {"application/json": {"schema": {"$ref": schema_ref}}}}


def _step(summary: str, body: str | None, ok_status: str = "200", extra: dict | None = None) -> dict:
    operation: dict[str, Any] = {
        "summary": summary,
        "security": [{"enrolmentToken": []}],
        "parameters": [{"$ref": "#/components/parameters/EnrolmentId"}],
        "responses": {
            ok_status: {
                "description": "The enrolment after the step",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Enrolment"}}},
            },
            **problems("401", "404", "409", "413", "422", "429", "503"),
        },
    }
    if body:
        operation["requestBody"] = _json_body(body)
    if extra:
        operation["responses"].update(extra)
    return operation


def _optional_body(operation: dict) -> dict:
    operation["requestBody"]["required"] = False
    return operation


def openapi_document() -> dict:
    """The document served at /api/v1/openapi.json."""
    document = _core_document()
    from eds_toolkit.web.identify_api import openapi_paths, openapi_schemas

    document["paths"].update(openapi_paths())
    document["components"]["schemas"].update(openapi_schemas())
    from eds_toolkit.registration import api as registration_api

    document["paths"].update(registration_api.openapi_paths())
    document["components"]["schemas"].update(registration_api.openapi_schemas())
    document["components"]["securitySchemes"].update(registration_api.openapi_security_schemes())
    from eds_toolkit.web import renewal_api

    document["paths"].update(renewal_api.openapi_paths())
    document["components"]["schemas"].update(renewal_api.openapi_schemas())
    return document


def _core_document() -> dict:
    string = {"type": "string"}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "eds-toolkit citizen enrolment API",
            "version": "1.0.0",
            "description": (
                "Get an EDS remotely: IIN, SMS code (or phone registration), identification, PIN, "
                "certificates. Errors are application/problem+json (RFC 9457) with a stable `code`. "
                "Language (en, kk, ru) of `detail`, `message` and the SMS: the body's `language`, else "
                "Accept-Language, else the language the enrolment was started in."
            ),
        },
        "servers": [{"url": "/api/v1"}],
        "paths": {
            "/enrolments": {
                "post": {
                    "summary": "Start an enrolment (same answer whether or not the IIN is in the base)",
                    "requestBody": _json_body("#/components/schemas/StartRequest"),
                    "responses": {
                        "201": {
                            "description": "Started; keep the token, it is shown only once",
                            "content": {
                                "application/json": {"schema": {"$ref": "#/components/schemas/Started"}}
                            },
                        },
                        **problems("400", "413", "422", "429", "503"),
                    },
                }
            },
            "/enrolments/{id}": {"get": _step("The enrolment's state and next step", None)},
            "/enrolments/{id}/code": {
                "post": _step("Submit the SMS code sent by 1414", "#/components/schemas/CodeRequest")
            },
            "/enrolments/{id}/code/resend": {
                "post": _optional_body(
                    _step(
                        "Send a new code (throttled per enrolment; the SMS is sent after the answer)",
                        "#/components/schemas/LanguageRequest",
                        "202",
                    )
                )
            },
            "/enrolments/{id}/phone": {
                "post": _step(
                    "Register a phone number: a code is sent to it",
                    "#/components/schemas/PhoneRequest",
                    "202",
                )
            },
            "/enrolments/{id}/phone/confirm": {
                "post": _step(
                    "Confirm the new phone number with its code", "#/components/schemas/CodeRequest"
                )
            },
            "/enrolments/{id}/phone-change/confirm": {
                "post": _step(
                    "Release a held phone change with the 8-digit code sent to the previous number",
                    "#/components/schemas/CodeRequest",
                )
            },
            "/enrolments/{id}/pin": {
                "post": _step("Set the Digital ID PIN", "#/components/schemas/PinRequest")
            },
            "/enrolments/{id}/certificates": {
                "post": _step(
                    "Issue the AUTH and SIGN certificates (once per enrolment)",
                    "#/components/schemas/CertificatesRequest",
                    "201",
                    {
                        "201": {
                            "description": "Issued: certificates and chain (client keys), or a zip of two "
                            ".p12 files (server keys, offered once and not kept)",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/IssuedCertificates"}
                                },
                                "application/zip": {
                                    "schema": {"type": "string", "contentEncoding": "binary"}
                                },
                            },
                        }
                    },
                )
            },
        },
        "components": {
            "securitySchemes": {
                "enrolmentToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "The token returned by POST /enrolments",
                }
            },
            "parameters": {
                "EnrolmentId": {"name": "id", "in": "path", "required": True, "schema": string},
            },
            "responses": {
                "Problem": {
                    "description": "Refused (RFC 9457 problem details)",
                    "content": {
                        "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
                    },
                }
            },
            "schemas": {
                "StartRequest": {
                    "type": "object",
                    "required": ["iin"],
                    "properties": {
                        "iin": {"type": "string", "pattern": "^[0-9]{12}$"},
                        "language": {"type": "string", "enum": ["en", "kk", "ru"]},
                    },
                },
                "CodeRequest": {
                    "type": "object",
                    "required": ["code"],
                    "properties": {"code": {"type": "string", "pattern": "^[0-9]{6}$"}},
                },
                "PhoneRequest": {
                    "type": "object",
                    "required": ["phone"],
                    "properties": {
                        "phone": {"type": "string", "examples": ["+77011234567"]},
                        "language": {"type": "string", "enum": ["en", "kk", "ru"]},
                    },
                },
                "LanguageRequest": {
                    "type": "object",
                    "properties": {"language": {"type": "string", "enum": ["en", "kk", "ru"]}},
                },
                "PinRequest": {
                    "type": "object",
                    "required": ["pin", "pin_confirmation"],
                    "properties": {
                        "pin": {"type": "string", "pattern": "^[0-9]{6}$"},
                        "pin_confirmation": {"type": "string", "pattern": "^[0-9]{6}$"},
                    },
                },
                "CertificatesRequest": {
                    "type": "object",
                    "properties": {
                        "key_generation": {
                            "type": "string",
                            "enum": ["client", "server"],
                            "default": "client",
                        },
                        "auth_csr": {"type": "string", "description": "PEM PKCS#10 (key_generation=client)"},
                        "sign_csr": {"type": "string", "description": "PEM PKCS#10 (key_generation=client)"},
                        "password": {
                            "type": "string",
                            "description": "keystore password (key_generation=server)",
                        },
                    },
                },
                "Certificate": {
                    "type": "object",
                    "properties": {
                        "profile": {"type": "string", "enum": ["auth", "sign"]},
                        "serial": string,
                        "not_before": {"type": "string", "format": "date-time"},
                        "not_after": {"type": "string", "format": "date-time"},
                        "status": string,
                        "pem": string,
                    },
                },
                "Enrolment": {
                    "type": "object",
                    "required": ["id", "state"],
                    "properties": {
                        "id": string,
                        "state": {
                            "type": "string",
                            "enum": [
                                "started",
                                "phone_confirmed",
                                "selfie_ok",
                                "liveness_ok",
                                "face_matched",
                                "pin_set",
                                "issued",
                                "failed",
                                "expired",
                            ],
                        },
                        "next_step": {"type": ["string", "null"]},
                        "expires_at": {"type": "string", "format": "date-time"},
                        "code_sent_to_new_phone": {"type": "boolean"},
                        "certificates": {
                            "type": "array",
                            "items": {"$ref": "#/components/schemas/Certificate"},
                        },
                        "phone_change_release_at": {
                            "type": ["string", "null"],
                            "format": "date-time",
                            "description": "A new number for an IIN whose base had another is held: "
                            "no PIN, no certificates before this time, unless the code sent to the "
                            "previous number goes to phone-change/confirm",
                        },
                        "replaces_pin": {
                            "type": "boolean",
                            "description": "The IIN has a Digital ID account: the PIN step replaces its PIN",
                        },
                        "replaces": {
                            "type": "array",
                            "description": "The IIN's valid certificates that issuance revokes (superseded)",
                            "items": {
                                "type": "object",
                                "properties": {"profile": string, "serial": string, "not_after": string},
                            },
                        },
                    },
                },
                "Started": {
                    "allOf": [
                        {"$ref": "#/components/schemas/Enrolment"},
                        {
                            "type": "object",
                            "required": ["token"],
                            "properties": {"token": string, "message": string},
                        },
                    ]
                },
                "IssuedCertificates": {
                    "type": "object",
                    "properties": {
                        **PAIR_PROPERTIES,
                        "superseded_serials": {
                            "type": "array",
                            "items": string,
                            "description": "The IIN's earlier valid certificates, revoked (superseded)",
                        },
                    },
                },
                "Problem": {
                    "type": "object",
                    "required": ["type", "title", "status", "detail", "code"],
                    "properties": {
                        "type": {"type": "string", "format": "uri"},
                        "title": string,
                        "status": {"type": "integer"},
                        "detail": string,
                        "code": string,
                        "remaining": {"type": "integer"},
                        "retry_after": {"type": "integer"},
                        "rule": {"type": "string", "description": "which rule a weak PIN broke"},
                    },
                },
            },
        },
    }
