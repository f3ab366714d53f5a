"""The HTML flow: one page per step; each POST calls the same step function as the JSON API."""

from __future__ import annotations

import base64

from flask import Blueprint, Response, jsonify, redirect, render_template, request, session, url_for

from eds_toolkit import flow
from eds_toolkit.core.refusals import (
    CodeRefused,
    InvalidInput,
    NotFound,
    Refusal,
    ServiceCentreRequired,
    StepOutOfOrder,
)
from eds_toolkit.flow import certificate_files
from eds_toolkit.flow.machine import State
from eds_toolkit.flow.start import code_wait_elsewhere, restart_wait
from eds_toolkit.web.agent_page import (
    agent_client_js,
    agent_download,
    csr_issuance_json,
    csr_refusal_json,
    render_certificates_page,
    wants_json,
)
from eds_toolkit.web.context import client_address, flow_context, pem_download, settings
from eds_toolkit.web.i18n import current_language, error_message, translate
from eds_toolkit.web.limits import iin_start_limit, per_address_on_post
from eds_toolkit.web.refusals import problem
from eds_toolkit.web.rule_texts import password_rules, pin_rules

bp = Blueprint("flow", __name__)


@bp.app_context_processor
def _portal_values() -> dict[str, object]:
    """What several pages show: the PIN's and the keystore password's rules (listed before typing),
    and where eds agent's installer is (the start page and the check after the SMS code link to it)."""
    return {
        "password_rules": password_rules,
        "pin_rules": pin_rules,
        "agent_download_url": settings().agent_download_url,
    }


PAGE_OF_STATE = {
    State.STARTED: "flow.code",
    State.PHONE_CONFIRMED: "flow.identification",
    State.SELFIE_OK: "flow.identification",
    State.LIVENESS_OK: "flow.identification",
    State.FACE_REVIEW: "identify.review",
    State.FACE_MATCHED: "flow.pin",
    State.PIN_SET: "flow.certificates",
    State.ISSUED: "flow.done",
}


def _message(error: Refusal) -> str:
    return error_message(error.code, error.message, **error.extra)


def _current() -> flow.EnrolmentView | None:
    enrolment_id = session.get("enrolment_id")
    if not enrolment_id:
        return None
    try:
        return flow.describe(flow_context(), enrolment_id)
    except NotFound:
        session.pop("enrolment_id", None)
        return None


def _page(template: str, status: int = 200, **values) -> tuple[str, int]:
    return render_template(template, enrolment=_current(), **values), status


def _refused(template: str, error: Refusal, field: str | None = None, **values) -> tuple[str, int]:
    """The step's page with the refusal; ``field`` (an input's id) is marked invalid when the refusal is
    about what was typed in it (not, say, a rate limit or an expired enrolment)."""
    if isinstance(error, ServiceCentreRequired):  # the enrolment is stopped: a page of its own
        return _page("service_centre.html", error.status, message=_message(error))
    about_input = isinstance(error, (InvalidInput, CodeRefused))
    return _page(
        template, error.status, error=_message(error), error_field=field if about_input else None, **values
    )


def _go_on() -> Response:
    """Redirect to the page of the enrolment's current state."""
    view = _current()
    if view is None or view.state in (State.EXPIRED, State.FAILED):
        return redirect(url_for("flow.start_page"))
    if view.state == State.STARTED and view.code_sent_to_new_phone:
        return redirect(url_for("flow.confirm_phone"))
    return redirect(url_for(PAGE_OF_STATE[State(view.state)]))


def _enrolment_id() -> str:
    return session.get("enrolment_id", "")


@bp.get("/")
def start_page():
    return _page("start.html")


@bp.get("/continue")
def resume():
    """The page of the current step (the start page when there is no enrolment)."""
    return _go_on()


@bp.post("/start")
@per_address_on_post
@iin_start_limit
def start():
    wait = restart_wait(flow_context(), _enrolment_id(), request.form.get("iin", ""))
    if wait is not None:  # the same IIN again within a minute: its code is on the way, none is sent twice
        return _page(
            "code.html",
            notice=translate(
                "A code was sent less than a minute ago: use it, "
                "or wait {seconds} seconds to ask for a new one.",
                seconds=wait,
            ),
        )
    try:
        started = flow.start(
            flow_context(),
            request.form.get("iin", ""),
            client_address=client_address(),
            language=current_language(),
        )
    except Refusal as error:
        return _refused("start.html", error, "iin", iin=request.form.get("iin", ""))
    language = session.get("lang")
    session.clear()  # a new enrolment: nothing of an earlier one stays in this browser's session
    session["enrolment_id"] = started.enrolment.id
    if language:
        session["lang"] = language
    return redirect(url_for("flow.code"))


@bp.get("/code")
def code():
    wait = code_wait_elsewhere(flow_context(), _enrolment_id())
    if wait is None:
        return _page("code.html")
    return _page(
        "code.html",
        notice=translate(
            "A code for this IIN was asked for less than a minute ago in another window or on another "
            "device, so no new one was sent. Wait {seconds} seconds, then ask for a new code here.",
            seconds=wait,
        ),
    )


@bp.post("/code")
@per_address_on_post
def submit_code():
    try:
        flow.submit_code(
            flow_context(), _enrolment_id(), request.form.get("code", ""), client_address=client_address()
        )
    except Refusal as error:
        return _refused("code.html", error, "code")
    return _go_on()


@bp.post("/code/resend")
@per_address_on_post
def resend_code():
    view = _current()
    template = "phone_confirm.html" if view is not None and view.code_sent_to_new_phone else "code.html"
    try:
        flow.resend_code(
            flow_context(), _enrolment_id(), client_address=client_address(), language=current_language()
        )
    except Refusal as error:
        return _refused(template, error)
    return _page(template, notice=translate("A new code was sent."))


@bp.get("/phone")
def phone():
    return _page("phone.html")


@bp.post("/phone")
@per_address_on_post
def register_phone():
    try:
        flow.register_phone(
            flow_context(),
            _enrolment_id(),
            request.form.get("phone", ""),
            client_address=client_address(),
            language=current_language(),
        )
    except Refusal as error:
        return _refused("phone.html", error, "phone", phone=request.form.get("phone", ""))
    return redirect(url_for("flow.confirm_phone"))


@bp.get("/phone/confirm")
def confirm_phone():
    return _page("phone_confirm.html")


@bp.post("/phone/confirm")
@per_address_on_post
def submit_phone_code():
    try:
        flow.confirm_phone(
            flow_context(), _enrolment_id(), request.form.get("code", ""), client_address=client_address()
        )
    except Refusal as error:
        return _refused("phone_confirm.html", error, "code")
    return _go_on()


@bp.get("/identification")
def identification():
    return _page("identification.html")


@bp.get("/pin")
def pin():
    return _page("pin.html")


@bp.post("/pin")
@per_address_on_post
def set_pin():
    try:
        flow.set_pin(
            flow_context(),
            _enrolment_id(),
            request.form.get("pin", ""),
            request.form.get("pin_confirmation", ""),
            client_address=client_address(),
        )
    except Refusal as error:
        return _refused("pin.html", error, "pin_confirmation" if error.code == "pin_mismatch" else "pin")
    return _go_on()


@bp.get("/certificates")
def certificates():
    view = _current()
    if view is not None and view.phone_change_release_at is not None:
        return _page("phone_change_held.html")
    if view is not None and view.state == State.PIN_SET and not view.application_confirmed:
        return redirect(url_for("flow.review_application"))
    return render_certificates_page(view)


@bp.get("/certificates/review")
def review_application():
    """The name and IIN the certificates will carry, shown before any key is made."""
    try:
        application = flow.application_of(flow_context(), _enrolment_id())
    except (NotFound, StepOutOfOrder):
        return _go_on()  # no enrolment, or not at this step: the page of the step it is at
    except Refusal as error:
        return _refused("review.html", error, application=None)
    return _page("review.html", application=application)


@bp.post("/certificates/review")
@per_address_on_post
def confirm_application():
    """The citizen confirms the name and IIN shown for review (once)."""
    try:
        flow.confirm_application(flow_context(), _enrolment_id(), client_address=client_address())
    except (NotFound, StepOutOfOrder):
        return _go_on()
    except Refusal as error:
        return _refused("review.html", error, application=None)
    return redirect(url_for("flow.certificates"))


@bp.post("/certificates/owner-code")
@per_address_on_post
def confirm_phone_change():
    """The code sent to the previous number, typed by the citizen who still has it: released now."""
    try:
        flow.confirm_with_owner_code(
            flow_context(), _enrolment_id(), request.form.get("code", ""), client_address=client_address()
        )
    except Refusal as error:
        return _refused("phone_change_held.html", error)
    return _go_on()


@bp.get("/phone-change/stop")
def phone_change_stop_page():
    """Where the owner of the number on record types the code their SMS carried."""
    return _page("phone_change_stop.html", stopped=None)


@bp.post("/phone-change/stop")
@per_address_on_post
@iin_start_limit
def stop_phone_change():
    """The owner of the number on record stops a change with the code their SMS carried."""
    iin = request.form.get("iin", "").strip()
    try:
        stopped = flow.stop_with_owner_code(
            flow_context(), iin, request.form.get("code", ""), client_address=client_address()
        )
    except Refusal as error:
        return _page("phone_change_stop.html", error.status, error=_message(error), iin=iin, stopped=None)
    return _page("phone_change_stop.html", stopped=stopped)


bp.add_url_rule("/agent/eds-agent-client.js", view_func=agent_client_js)
bp.add_url_rule("/downloads/eds-agent.deb", view_func=agent_download)


@bp.post("/certificates/csr")
@per_address_on_post
def issue_with_csrs():
    def pem(name: str) -> str:
        upload = request.files.get(f"{name}_file")
        if upload is not None and upload.filename:
            return upload.read().decode("ascii", errors="replace")
        return request.form.get(name, "")

    try:
        pair = flow.issue_with_csrs(
            flow_context(),
            _enrolment_id(),
            pem("auth_csr"),
            pem("sign_csr"),
            client_address=client_address(),
        )
    except Refusal as error:
        if wants_json():  # the page's script driving eds agent
            return csr_refusal_json(error, _current())
        return render_certificates_page(_current(), error.status, error=_message(error))
    if wants_json():
        return csr_issuance_json(pair)
    return _page("issued.html", pair=pair)


KEYSTORES_ZIP = "eds-keystores.zip"
"""The name the browser saves the server-made keystores under (in its downloads folder)."""


def _keystores_download(made: flow.ServerKeystores) -> Response:
    """The zip as an attachment; for the page's script (JSON asked) the zip in base64 with the two
    files' names, so the page can say where the file went and which keystore is for what."""
    if wants_json():
        return jsonify(
            filename=KEYSTORES_ZIP,
            zip=base64.b64encode(made.zip_bytes).decode("ascii"),
            files=[
                {"profile": "auth", "name": made.filenames[0]},
                {"profile": "sign", "name": made.filenames[1]},
            ],
        )
    return Response(
        made.zip_bytes,
        mimetype="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="{KEYSTORES_ZIP}"',
            "Cache-Control": "no-store",
        },
    )


def _keystores_refused(error: Refusal, **values: object) -> Response:
    """A refusal of the server-made keystores: problem details for the page's script, else the page."""
    if wants_json():
        return problem(
            error.status, error.title, _message(error), error.code, field=values.get("error_field")
        )
    return render_certificates_page(_current(), error.status, error=_message(error), **values)


def _password_typed_twice() -> str:
    password = request.form.get("password", "")
    if password != request.form.get("password_confirmation", ""):
        raise InvalidInput(
            translate("The two passwords are different: type the same password twice."),
            code="password_mismatch",
        )
    return password


@bp.post("/certificates/server")
@per_address_on_post
def issue_on_server():
    try:
        password = _password_typed_twice()
        made = flow.issue_on_server(
            flow_context(), _enrolment_id(), password, client_address=client_address()
        )
    except Refusal as error:
        return _keystores_refused(error, error_field=_password_field(error))
    return _keystores_download(made)


@bp.post("/certificates/replace")
@per_address_on_post
def replace_on_server():
    """A lost download's way out: the current pair revoked, a new server-made pair downloaded."""
    try:
        password = _password_typed_twice()
        made = flow.replace_on_server(
            flow_context(),
            _enrolment_id(),
            password,
            confirmed=request.form.get("confirm_revocation") == "yes",
            client_address=client_address(),
        )
    except Refusal as error:
        return _keystores_refused(error, error_field=_password_field(error, "replace_"))
    return _keystores_download(made)


def _password_field(error: Refusal, prefix: str = "") -> str | None:
    """The field (its id) a keystore-password refusal is about, for aria-invalid; None for the others."""
    if error.code in ("weak_password", "password_mismatch", "keystore_password_differs"):
        return f"{prefix}password"
    if error.code == "replacement_not_confirmed":
        return "confirm_revocation"
    return None


@bp.get("/certificates/<kind>.pem")
def certificate_file(kind: str):
    """The issued AUTH / SIGN certificate or the chain, for this browser's enrolment only."""
    try:
        found = certificate_files.enrolment_certificate_file(flow_context(), _enrolment_id(), kind)
    except Refusal as error:
        return _page("error.html", error.status, message=_message(error))
    return pem_download(found)


@bp.get("/done")
def done():
    return _page("done.html")
