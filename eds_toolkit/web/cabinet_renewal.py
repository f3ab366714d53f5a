"""/cabinet/renew: the signed-in citizen renews their pair through eds agent (static/renewal.js).

The page shows the current pair; its script asks for a challenge (``POST /cabinet/renew/challenge``: its
id is remembered in this browser's session, so a challenge is tried once and only from here), has the
agent sign it with the current AUTH key and make the new keys, and posts the CMS with the two CSRs and
the challenge's id (``POST /cabinet/renew``, JSON). Both POSTs need the cabinet session and the page's
CSRF token; their refusals are problem details in the page's language.
"""

from __future__ import annotations

from flask import Blueprint, Response, make_response, redirect, render_template, session, url_for

from eds_toolkit.core.refusals import Refusal
from eds_toolkit.flow import cabinet, cabinet_renewal
from eds_toolkit.renewal import ChallengeRefused
from eds_toolkit.web.agent_page import agent_start_command
from eds_toolkit.web.api_support import issued_pair_json, json_body, json_response, pair_json, text_field
from eds_toolkit.web.cabinet import signed_in_iin
from eds_toolkit.web.context import client_address, flow_context, settings
from eds_toolkit.web.i18n import error_message
from eds_toolkit.web.limits import per_address_on_post
from eds_toolkit.web.refusals import problem
from eds_toolkit.web.security import content_security_policy

bp = Blueprint("cabinet_renewal", __name__, url_prefix="/cabinet/renew")

CHALLENGE_KEY = "renewal_challenges"
"""The Flask session's key for the ids of the challenges this browser asked for and has not tried yet
(the newest few: two tabs each renew with their own)."""
KEPT_CHALLENGES = 3


class SignedOut(Refusal):
    """The cabinet session is missing or ended: sign in again."""

    status = 401
    code = "cabinet_signed_out"
    title = "Sign in again"


def _signed_out() -> SignedOut:
    return SignedOut("You are signed out of your cabinet. Sign in again, then renew.")


def _refused(error: Refusal) -> Response:
    """A refusal as problem details, its sentence in the page's language."""
    return problem(
        error.status, error.title, error_message(error.code, error.message, **error.extra), error.code
    )


@bp.get("")
def page():
    iin = signed_in_iin()
    if not iin:
        return redirect(url_for("cabinet.login"))
    ctx = flow_context()
    offer = cabinet_renewal.renewal_offer(ctx, iin)
    unsaved = cabinet_renewal.unsaved_renewal(ctx, iin)
    agent_url = settings().agent_url
    body = render_template(
        "cabinet/renew.html",
        offer=offer,
        due=offer is not None and offer.pair.renewal_due(ctx.now()),
        unsaved=unsaved,
        unsaved_pair=pair_json(unsaved.pair) if unsaved is not None else None,
        agent_url=agent_url,
        agent_command=agent_start_command(agent_url, settings().portal_origin),
    )
    response = make_response(body)
    response.headers["Content-Security-Policy"] = content_security_policy([agent_url])
    return response


@bp.post("/challenge")
@per_address_on_post
def challenge() -> Response:
    iin = signed_in_iin()
    try:
        if not iin:
            raise _signed_out()
        started = cabinet_renewal.start_cabinet_renewal(flow_context(), iin)
    except Refusal as error:
        return _refused(error)
    session[CHALLENGE_KEY] = [*session.get(CHALLENGE_KEY, []), started.id][-KEPT_CHALLENGES:]
    return json_response(
        {
            "id": started.id,
            "challenge_base64": started.data_base64,
            "expires_at": started.expires_at.isoformat().replace("+00:00", "Z"),
        },
        201,
    )


@bp.post("")
@per_address_on_post
def renew() -> Response:
    iin = signed_in_iin()
    try:
        if not iin:
            raise _signed_out()
        data = json_body()
        challenge_id = _take_challenge(data.get("challenge_id"))
        pair = cabinet_renewal.renew_in_cabinet(
            flow_context(),
            iin,
            challenge_id,
            text_field(data, "signed_challenge"),
            text_field(data, "auth_csr"),
            text_field(data, "sign_csr"),
            client_address=client_address(),
        )
    except Refusal as error:
        return _refused(error)
    # signed in with the AUTH certificate just superseded: the session goes on with the new one
    cabinet.carry_session(
        flow_context(), session.get("cabinet_session"), list(pair.superseded_serials), pair.auth_serial
    )
    return json_response(issued_pair_json(pair), 201)


def _take_challenge(challenge_id: object) -> str:
    """``challenge_id`` if this browser asked for it and has not tried it yet; it is tried now, once."""
    asked = session.get(CHALLENGE_KEY, [])
    if not isinstance(challenge_id, str) or challenge_id not in asked:
        raise ChallengeRefused(
            "This page has no such renewal challenge to sign (it was used already): press the button again.",
            code="challenge_not_found",
        )
    session[CHALLENGE_KEY] = [other for other in asked if other != challenge_id]
    return challenge_id
