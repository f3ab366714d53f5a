"""JSON API of yearly renewal under /api/v1/renewals: a challenge, then the signed challenge and two CSRs.

No bearer token: the signature with the still-valid AUTH certificate is the authentication. Views only
translate HTTP to ``eds_toolkit.renewal``.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, url_for
from flask_limiter import Limiter

from eds_toolkit import renewal
from eds_toolkit.settings import Settings
from eds_toolkit.web.api_support import (
    api_blueprint,
    issued_pair_json,
    json_body,
    json_response,
    text_field,
)
from eds_toolkit.web.context import client_address, flow_context
from eds_toolkit.web.openapi import PAIR_PROPERTIES, json_content, problems, schema_ref


def make_renewal_blueprint(limiter: Limiter, settings: Settings) -> Blueprint:
    """The renewal endpoints (no cookie, so exempt from CSRF like /api/v1), rate-limited per address."""
    api = api_blueprint("renewal_api", "/api/v1/renewals", limiter, settings)

    @api.post("")
    def start() -> Response:
        challenge = renewal.start_renewal(flow_context())
        response = json_response(
            {
                "id": challenge.id,
                "challenge": challenge.text,
                "challenge_base64": challenge.data_base64,
                "expires_at": challenge.expires_at.isoformat().replace("+00:00", "Z"),
                "message": (
                    "Sign challenge_base64 with your AUTH key (createCAdESFromBase64, AUTHENTICATION) and "
                    "POST the CMS with two new CSRs to this renewal within five minutes."
                ),
            },
            201,
        )
        response.headers["Location"] = url_for("renewal_api.complete", challenge_id=challenge.id)
        return response

    @api.post("/<challenge_id>")
    def complete(challenge_id: str) -> Response:
        data = json_body()
        pair = renewal.complete_renewal(
            flow_context(),
            challenge_id,
            text_field(data, "signed_challenge"),
            text_field(data, "auth_csr"),
            text_field(data, "sign_csr"),
            client_address=client_address(),
        )
        return json_response(issued_pair_json(pair), 201)

    return api


def openapi_paths() -> dict:
    """The renewal endpoints for the OpenAPI document (merged by ``openapi_document``)."""

    def operation(summary: str, schema: str, statuses: tuple[str, ...], body: str | None = None) -> dict:
        described: dict[str, Any] = {
            "summary": summary,
            "tags": ["renewal"],
            "security": [],
            "responses": {
                "201": {"description": "Done", "content": json_content(schema_ref(schema))},
                **problems(*statuses),
            },
        }
        if body:
            described["requestBody"] = {"required": True, "content": json_content(schema_ref(body))}
        return described

    complete = operation(
        "Renew: the challenge signed (CMS) with the still-valid AUTH certificate and two new CSRs for the "
        "same IIN; issues the new AUTH+SIGN pair and revokes the old pair (reason superseded)",
        "RenewedPair",
        ("403", "404", "409", "413", "422", "429", "503"),
        "RenewalRequest",
    )
    complete["parameters"] = [
        {
            "name": "id",
            "in": "path",
            "required": True,
            "schema": {"type": "string"},
            "description": "Challenge id",
        }
    ]
    return {
        "/renewals": {
            "post": operation(
                "Ask for a renewal challenge (random, valid five minutes, one attempt)",
                "RenewalChallenge",
                ("429", "503"),
            )
        },
        "/renewals/{id}": {"post": complete},
    }


def openapi_schemas() -> dict:
    """The renewal schemas for the OpenAPI document."""
    string = {"type": "string"}
    return {
        "RenewalChallenge": {
            "type": "object",
            "required": ["id", "challenge", "challenge_base64", "expires_at"],
            "properties": {
                "id": string,
                "challenge": {"type": "string", "description": "The exact text to sign (UTF-8)"},
                "challenge_base64": {"type": "string", "description": "The same bytes in base64"},
                "expires_at": {"type": "string", "format": "date-time"},
                "message": string,
            },
        },
        "RenewalRequest": {
            "type": "object",
            "required": ["signed_challenge", "auth_csr", "sign_csr"],
            "properties": {
                "signed_challenge": {
                    "type": "string",
                    "description": "CMS (base64 or PEM), attached or detached, over the challenge bytes, "
                    "signed with the AUTH key; the AUTH certificate inside",
                },
                "auth_csr": {"type": "string", "description": "PKCS#10 PEM naming the same IIN"},
                "sign_csr": {"type": "string", "description": "PKCS#10 PEM naming the same IIN"},
            },
        },
        "RenewedPair": {
            "type": "object",
            "required": ["auth_certificate", "sign_certificate", "chain", "auth_serial", "sign_serial"],
            "properties": {**PAIR_PROPERTIES, "superseded_serials": {"type": "array", "items": string}},
        },
    }
