"""The plumbing every JSON API blueprint shares: the blueprint itself, bearer tokens, JSON bodies and their
fields, JSON responses. One way to do each, so the APIs answer alike (refusals: ``web.refusals``)."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from eds_toolkit import flow
from eds_toolkit.core.refusals import InvalidInput, Refusal
from eds_toolkit.flow import IssuedPair
from eds_toolkit.web.context import flow_context
from eds_toolkit.web.extensions import csrf, limiter
from eds_toolkit.web.limits import per_address_limit

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
    token = bearer_token(_ENROLMENT_TOKEN_MISSING)
    flow.authenticate(flow_context(), enrolment_id, token)


def json_body() -> dict:
    """The request's JSON object; ``JsonInvalid`` (400) for a JSON body that does not parse,
    ``InvalidInput`` (json_expected) for anything else."""
    data = request.get_json() if request.is_json else None
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


def api_blueprint(name: str, import_name: str, url_prefix: str) -> Blueprint:
    """A JSON API blueprint, made at import time: rate-limited per client address and exempt from CSRF
    (a bearer token, an SMS code or a signature authenticates, never a cookie). Its refusals are
    problem details like every answer under /api/ (``web.refusals``)."""
    bp = Blueprint(name, import_name, url_prefix=url_prefix)
    limiter.limit(per_address_limit)(bp)
    csrf.exempt(bp)
    return bp
