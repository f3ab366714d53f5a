"""/cabinet/revoke: the signed-in citizen revokes one of their own pairs (lost or stolen key).

Choose the pair and tick the confirmation -> a code goes to the phone on record -> the code revokes both
certificates (``eds_toolkit.flow.self_revocation``). The open request's id is kept in this browser's
session, never taken from the form; every POST needs the cabinet session and the form's CSRF token.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import Blueprint, redirect, render_template, request, session, url_for

from eds_toolkit.compromised_since import FIELD
from eds_toolkit.core.refusals import CodeRefused, Refusal, TooManyRequests
from eds_toolkit.flow import self_revocation
from eds_toolkit.flow.cabinet_pairs import valid_pairs
from eds_toolkit.web.cabinet import signed_in_iin
from eds_toolkit.web.context import client_address, flow_context
from eds_toolkit.web.i18n import current_language, error_message, translate
from eds_toolkit.web.limits import per_address_on_post

bp = Blueprint("cabinet_revocation", __name__, url_prefix="/cabinet/revoke")

REQUEST_KEY = "revocation_request"
"""The Flask session's key for the id of this browser's open revocation request."""


def _message(error: Refusal) -> str:
    return error_message(error.code, error.message, **error.extra)


def _token() -> str:
    return session.get("cabinet_session") or ""


def _choose_page(iin: str, status: int = 200, **values):
    ctx = flow_context()
    pairs = valid_pairs(ctx, iin)
    today = ctx.now().astimezone(ZoneInfo(ctx.time_zone)).date().isoformat()
    return render_template("cabinet/revoke.html", pairs=pairs, today=today, **values), status


def _code_page(iin: str, status: int = 200, **values):
    try:
        pending = self_revocation.open_request(flow_context(), iin, _token(), session.get(REQUEST_KEY, ""))
    except Refusal as error:
        session.pop(REQUEST_KEY, None)
        return _choose_page(iin, error.status, error=_message(error))
    return render_template("cabinet/revoke_code.html", pending=pending, **values), status


@bp.get("")
def choose():
    iin = signed_in_iin()
    if not iin:
        return redirect(url_for("cabinet.login"))
    return _choose_page(iin)


@bp.post("")
@per_address_on_post
def send_code():
    iin = signed_in_iin()
    if not iin:
        return redirect(url_for("cabinet.login"))
    try:
        pending = self_revocation.request_revocation(
            flow_context(),
            iin,
            _token(),
            request.form.get("pair", ""),
            confirmed=request.form.get("confirm_revocation") == "yes",
            compromised_since=request.form.get(FIELD, ""),
            language=current_language(),
            client_address=client_address(),
        )
    except Refusal as error:
        field = "confirm_revocation" if error.code == "revocation_not_confirmed" else "pair"
        if error.code.startswith("compromise_date"):
            field = FIELD
        typed = request.form.get(FIELD, "")
        return _choose_page(
            iin, error.status, error=_message(error), error_field=field, compromised_since=typed
        )
    session[REQUEST_KEY] = pending.id
    return redirect(url_for("cabinet_revocation.code"))


@bp.get("/code")
def code():
    iin = signed_in_iin()
    if not iin:
        return redirect(url_for("cabinet.login"))
    if not session.get(REQUEST_KEY):
        return redirect(url_for("cabinet_revocation.choose"))
    return _code_page(iin)


@bp.post("/code")
@per_address_on_post
def confirm():
    iin = signed_in_iin()
    if not iin:
        return redirect(url_for("cabinet.login"))
    try:
        self_revocation.confirm_revocation(
            flow_context(),
            iin,
            _token(),
            session.get(REQUEST_KEY, ""),
            request.form.get("code", ""),
            client_address=client_address(),
        )
    except (CodeRefused, TooManyRequests) as error:
        return _code_page(iin, error.status, error=_message(error), error_field="code")
    except Refusal as error:
        if error.code == "code_format":
            return _code_page(iin, error.status, error=_message(error), error_field="code")
        session.pop(REQUEST_KEY, None)
        return _choose_page(iin, error.status, error=_message(error))
    session.pop(REQUEST_KEY, None)
    session["cabinet_notice"] = "revoked"
    return redirect(url_for("cabinet.home"))


@bp.post("/resend")
@per_address_on_post
def resend():
    iin = signed_in_iin()
    if not iin:
        return redirect(url_for("cabinet.login"))
    try:
        self_revocation.resend_revocation_code(
            flow_context(), iin, _token(), session.get(REQUEST_KEY, ""), client_address=client_address()
        )
    except Refusal as error:
        return _code_page(iin, error.status, error=_message(error))
    return _code_page(iin, notice=translate("A new code was sent."))
