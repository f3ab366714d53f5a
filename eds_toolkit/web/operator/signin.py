"""Sign-in and sign-out: the page asks the agent to sign a one-time challenge with the AUTH key."""

from __future__ import annotations

from flask import jsonify, make_response, redirect, render_template, request, session, url_for

from eds_toolkit.core.refusals import Refusal
from eds_toolkit.operators.signin import complete_signin, sign_out, start_signin
from eds_toolkit.web.context import client_address, flow_context, settings
from eds_toolkit.web.i18n import error_message
from eds_toolkit.web.limits import per_address_on_post
from eds_toolkit.web.operator.access import ENDED_KEY, SESSION_KEY, bp, current
from eds_toolkit.web.security import content_security_policy
from eds_toolkit.web.session_ended import ended_message


def _safe_next(target: str | None) -> str:
    """Only a path inside the console (never another site) after sign-in."""
    if target and target.startswith("/operator/") and not target.startswith("//"):
        return target
    return url_for("operator.home")


@bp.get("/login")
def login():
    if current() is not None:
        return redirect(_safe_next(request.args.get("next")))
    agent_url = settings().agent_url
    page = render_template(
        "operator/login.html",
        agent_url=agent_url,
        next=request.args.get("next", ""),
        error=ended_message(session.pop(ENDED_KEY, None)),
    )
    response = make_response(page)
    response.headers["Content-Security-Policy"] = content_security_policy([agent_url])
    return response


@bp.post("/login/challenge")
@per_address_on_post
def challenge():
    issued = start_signin(flow_context())
    return jsonify(
        {"id": issued.id, "challenge_base64": issued.data_base64, "expires_at": issued.expires_at.isoformat()}
    )


@bp.post("/login")
@per_address_on_post
def sign_in():
    form = request.form
    try:
        token, who = complete_signin(
            flow_context(),
            form.get("challenge_id", ""),
            form.get("signed_challenge", ""),
            client_address=client_address(),
        )
    except Refusal as error:
        message = error_message(error.code, error.message, **error.extra)
        return jsonify({"ok": False, "code": error.code, "message": message}), error.status
    language = session.get("lang")
    session.clear()  # a fresh session for the operator; only the chosen language stays
    session[SESSION_KEY] = token
    if language:
        session["lang"] = language
    return jsonify({"ok": True, "next": _safe_next(form.get("next")), "name": who.operator.name})


@bp.post("/logout")
def logout():
    sign_out(flow_context(), session.get(SESSION_KEY))
    session.pop(SESSION_KEY, None)
    return redirect(url_for("operator.login"))
