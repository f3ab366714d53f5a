"""JSON API of yearly renewal under /api/v1/renewals: a challenge, then the signed challenge and two CSRs.

No bearer token: the signature with the still-valid AUTH certificate is the authentication. Views only
translate HTTP to ``eds_toolkit.renewal``.
"""

from __future__ import annotations

from flask import Response, url_for

from eds_toolkit import renewal
from eds_toolkit.web.api_support import api_blueprint, issued_pair_json, json_body, json_response, text_field
from eds_toolkit.web.context import client_address, flow_context

bp = api_blueprint("renewal_api", __name__, "/api/v1/renewals")


@bp.post("")
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


@bp.post("/<challenge_id>")
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
