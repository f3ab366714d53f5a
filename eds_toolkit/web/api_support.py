"""The plumbing every JSON API blueprint shares: bearer tokens, JSON bodies and their fields, JSON
responses, and the flow's refusals as problem details. One way to do each, so the APIs answer alike."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, jsonify, request
from flask_limiter import Limiter

from eds_toolkit import flow
from eds_toolkit.core.refusals import InvalidInput, Refusal
from eds_toolkit.flow import IssuedPair
from eds_toolkit.settings import Settings
from eds_toolkit.web.context import flow_context
from eds_toolkit.web.problems import problem_from

LANGUAGES = ("en", "kk", "ru")
_ENROLMENT_TOKEN_MISSING = (
    "Send the enrolment's token: Authorization: Bearer <token from POST /api/v1/enrolments>."
)


class Unauthenticated(Refusal):
    """No ``Authorization: Bearer`` token was sent (the message says where the token comes from)."""

    status = 401
    code = "unauthenticated"
    title = "Token required"


def bearer_token(missing: str) -> str:
    """The token of ``Authorization: Bearer <token>``; ``Unauthenticated(missing)`` when there is none."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated(missing)
    return token.strip()


def authorise_enrolment(enrolment_id: str) -> None:
    """Check the enrolment's bearer token (``Unauthenticated`` without one, ``NotFound`` for a wrong one)."""
    token = bearer_token(
        "Send the enrolment's token: Authorization: Bearer <token from POST /api/v1/enrolments>."
    )
    flow.authenticate(flow_context(), enrolment_id, token)


def json_body() -> dict:
    """The request's JSON object; ``InvalidInput`` (json_expected) for anything else."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise InvalidInput("Send a JSON object (Content-Type: application/json).", code="json_expected")
    return data


def text_field(data: dict, name: str) -> str:
    """The non-blank string field ``name``; ``InvalidInput`` (field_missing) otherwise."""
    value = data.get(name)
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"The field {name!r} is required (a string).", code="field_missing", field=name)
    return value


def optional_text_field(data: dict, name: str) -> str | None:
    """Like ``text_field``, but an absent (or null) field is ``None``."""
    return None if data.get(name) is None else text_field(data, name)


def language_of(data: Any) -> str:
    """The ``language`` field of a JSON body when it is one we speak, else English."""
    value = data.get("language") if isinstance(data, dict) else None
    return value if value in LANGUAGES else "en"


def json_response(body: dict, status: int = 200) -> Response:
    """``body`` as JSON with ``status``."""
    response = jsonify(body)
    response.status_code = status
    return response


def pair_json(pair: IssuedPair) -> dict[str, str]:
    """An issued AUTH+SIGN pair as the JSON APIs answer it (PEM texts and serials)."""
    return {
        "auth_certificate": pair.auth_pem.decode(),
        "sign_certificate": pair.sign_pem.decode(),
        "chain": pair.chain_pem.decode(),
        "auth_serial": pair.auth_serial,
        "sign_serial": pair.sign_serial,
    }


def issued_pair_json(pair: IssuedPair) -> dict[str, str | list[str]]:
    """:func:`pair_json` with the serials of the earlier certificates the pair superseded (revoked)."""
    return {**pair_json(pair), "superseded_serials": list(pair.superseded_serials)}


def api_blueprint(
    name: str,
    url_prefix: str,
    limiter: Limiter,
    settings: Settings,
    render: Callable[[Refusal], Response] = problem_from,
) -> Blueprint:
    """A JSON API blueprint: rate-limited per client address, refusals answered as problem details."""
    api = Blueprint(name, __name__, url_prefix=url_prefix)
    limiter.limit(settings.ratelimit_per_address)(api)
    answer_refusals(api, render)
    return api


def answer_refusals(api: Blueprint, render: Callable[[Refusal], Response] = problem_from) -> None:
    """Answer the blueprint's ``Refusal`` refusals as problem details (a 401 says ``WWW-Authenticate``)."""

    @api.errorhandler(Refusal)
    def _refused(error: Refusal) -> Response:
        response = render(error)
        if error.status == 401:
            response.headers["WWW-Authenticate"] = "Bearer"
        return response
