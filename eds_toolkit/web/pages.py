"""The HTML flow: one page per step; each POST calls the same step function as the JSON API."""

from __future__ import annotations

from flask import Blueprint, Response, redirect, render_template, request, session, url_for
from flask_limiter import Limiter

from eds_toolkit import flow
from eds_toolkit.core.refusals import NotFound, Refusal, ServiceCentreRequired
from eds_toolkit.flow import certificate_files
from eds_toolkit.flow.machine import State
from eds_toolkit.settings import Settings
from eds_toolkit.web.agent_page import (
    agent_client_js,
    csr_issuance_json,
    csr_refusal_json,
    render_certificates_page,
    wants_json,
)
from eds_toolkit.web.context import client_address, flow_context, pem_download
from eds_toolkit.web.i18n import current_language, error_message, translate
from eds_toolkit.web.limits import iin_start_limit

PAGE_OF_STATE = {
    State.STARTED: "flow.code",
    State.PHONE_CONFIRMED: "flow.identification",
    State.SELFIE_OK: "flow.identification",
    State.LIVENESS_OK: "flow.identification",
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


def _refused(template: str, error: Refusal, **values) -> tuple[str, int]:
    if isinstance(error, ServiceCentreRequired):  # the enrolment is stopped: a page of its own
        return _page("service_centre.html", error.status, message=_message(error))
    return _page(template, error.status, error=_message(error), **values)


def _go_on() -> Response:
    """Redirect to the page of the enrolment's current state."""
    view = _current()
    if view is None or view.state in (State.EXPIRED, State.FAILED):
        return redirect(url_for("flow.start_page"))
    if view.state == State.STARTED and view.code_sent_to_new_phone:
        return redirect(url_for("flow.confirm_phone"))
    return redirect(url_for(PAGE_OF_STATE[State(view.state)]))


def make_pages_blueprint(limiter: Limiter, settings: Settings) -> Blueprint:
    """The citizen's pages."""
    pages = Blueprint("flow", __name__)
    per_address = limiter.limit(settings.ratelimit_per_address, methods=["POST"])
    per_iin = iin_start_limit(limiter, settings)

    def _enrolment_id() -> str:
        return session.get("enrolment_id", "")

    @pages.get("/")
    def start_page():
        return _page("start.html")

    @pages.get("/continue")
    def resume():
        """The page of the current step (the start page when there is no enrolment)."""
        return _go_on()

    @pages.post("/start")
    @per_address
    @per_iin
    def start():
        try:
            started = flow.start(
                flow_context(),
                request.form.get("iin", ""),
                client_address=client_address(),
                language=current_language(),
            )
        except Refusal as error:
            return _refused("start.html", error, iin=request.form.get("iin", ""))
        language = session.get("lang")
        session.clear()  # a new enrolment: nothing of an earlier one stays in this browser's session
        session["enrolment_id"] = started.enrolment.id
        if language:
            session["lang"] = language
        return redirect(url_for("flow.code"))

    @pages.get("/code")
    def code():
        return _page("code.html")

    @pages.post("/code")
    @per_address
    def submit_code():
        try:
            flow.submit_code(
                flow_context(), _enrolment_id(), request.form.get("code", ""), client_address=client_address()
            )
        except Refusal as error:
            return _refused("code.html", error)
        return _go_on()

    @pages.post("/code/resend")
    @per_address
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

    @pages.get("/phone")
    def phone():
        return _page("phone.html")

    @pages.post("/phone")
    @per_address
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
            return _refused("phone.html", error, phone=request.form.get("phone", ""))
        return redirect(url_for("flow.confirm_phone"))

    @pages.route("/phone/confirm", methods=["GET", "POST"])
    @per_address
    def confirm_phone():
        if request.method == "GET":
            return _page("phone_confirm.html")
        try:
            flow.confirm_phone(
                flow_context(), _enrolment_id(), request.form.get("code", ""), client_address=client_address()
            )
        except Refusal as error:
            return _refused("phone_confirm.html", error)
        return _go_on()

    @pages.get("/identification")
    def identification():
        return _page("identification.html")

    @pages.route("/pin", methods=["GET", "POST"])
    @per_address
    def pin():
        if request.method == "GET":
            return _page("pin.html")
        try:
            flow.set_pin(
                flow_context(),
                _enrolment_id(),
                request.form.get("pin", ""),
                request.form.get("pin_confirmation", ""),
                client_address=client_address(),
            )
        except Refusal as error:
            return _refused("pin.html", error)
        return _go_on()

    @pages.get("/certificates")
    def certificates():
        view = _current()
        if view is not None and view.phone_change_release_at is not None:
            return _page("phone_change_held.html")
        return render_certificates_page(view)

    @pages.post("/certificates/owner-code")
    @per_address
    def confirm_phone_change():
        """The code sent to the previous number, typed by the citizen who still has it: released now."""
        try:
            flow.confirm_with_owner_code(
                flow_context(), _enrolment_id(), request.form.get("code", ""), client_address=client_address()
            )
        except Refusal as error:
            return _refused("phone_change_held.html", error)
        return _go_on()

    @pages.route("/phone-change/stop", methods=["GET", "POST"])
    @per_address
    @per_iin
    def stop_phone_change():
        """The owner of the number on record stops a change with the code their SMS carried."""
        if request.method == "GET":
            return _page("phone_change_stop.html", stopped=None)
        iin = request.form.get("iin", "").strip()
        try:
            stopped = flow.stop_with_owner_code(
                flow_context(), iin, request.form.get("code", ""), client_address=client_address()
            )
        except Refusal as error:
            return _page("phone_change_stop.html", error.status, error=_message(error), iin=iin, stopped=None)
        return _page("phone_change_stop.html", stopped=stopped)

    pages.add_url_rule("/agent/eds-agent-client.js", view_func=agent_client_js)

    @pages.post("/certificates/csr")
    @per_address
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

    @pages.post("/certificates/server")
    @per_address
    def issue_on_server():
        password = request.form.get("password", "")
        if password != request.form.get("password_confirmation", ""):
            return render_certificates_page(
                _current(),
                422,
                error=translate("The two passwords are different: type the same password twice."),
            )
        try:
            made = flow.issue_on_server(
                flow_context(), _enrolment_id(), password, client_address=client_address()
            )
        except Refusal as error:
            return render_certificates_page(_current(), error.status, error=_message(error))
        return Response(
            made.zip_bytes,
            mimetype="application/zip",
            headers={"Content-Disposition": 'attachment; filename="eds-keystores.zip"'},
        )

    @pages.get("/certificates/<kind>.pem")
    def certificate_file(kind: str):
        """The issued AUTH / SIGN certificate or the chain, for this browser's enrolment only."""
        try:
            found = certificate_files.enrolment_certificate_file(flow_context(), _enrolment_id(), kind)
        except Refusal as error:
            return _page("error.html", error.status, message=_message(error))
        return pem_download(found)

    @pages.get("/done")
    def done():
        return _page("done.html")

    return pages
