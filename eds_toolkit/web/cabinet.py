"""The personal cabinet pages: sign in with IIN + PIN, certificates and enrolment history."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_limiter import Limiter

from eds_toolkit.flow import cabinet, certificate_files
from eds_toolkit.flow.errors import FlowError
from eds_toolkit.flow.status import certificate_json, history
from eds_toolkit.settings import Settings
from eds_toolkit.web.context import flow_context, pem_download
from eds_toolkit.web.history_text import history_lines
from eds_toolkit.web.i18n import error_message
from eds_toolkit.web.limits import iin_key

# a certificate's status (eds_toolkit.flow.status.certificate_status) -> the English key of its word
STATUS_WORDS = {"valid": "Valid", "expired": "Expired", "revoked": "Revoked"}


def make_cabinet_blueprint(limiter: Limiter, settings: Settings) -> Blueprint:
    """/cabinet: sign-in is limited per IIN and per address, and locks after repeated wrong PINs."""
    pages = Blueprint("cabinet", __name__, url_prefix="/cabinet")

    @pages.route("/login", methods=["GET", "POST"])
    @limiter.limit(settings.ratelimit_per_address, methods=["POST"])
    @limiter.limit(settings.ratelimit_per_iin, key_func=iin_key, methods=["POST"], override_defaults=False)
    def login():
        if request.method == "GET":
            return render_template("cabinet/login.html")
        try:
            iin = cabinet.sign_in(
                flow_context(),
                request.form.get("iin", ""),
                request.form.get("pin", ""),
                max_attempts=settings.pin_max_attempts,
                lockout_seconds=settings.pin_lockout_seconds,
            )
        except FlowError as error:
            message = error_message(error.code, error.message, **error.extra)
            return render_template("cabinet/login.html", error=message), error.status
        language = session.get("lang")
        session.clear()  # a fresh session for the signed-in citizen; only the chosen language stays
        session["cabinet_iin"] = iin
        if language:
            session["lang"] = language
        return redirect(url_for("cabinet.home"))

    @pages.get("/")
    def home():
        iin = session.get("cabinet_iin")
        if not iin:
            return redirect(url_for("cabinet.login"))
        now = flow_context().now()
        certificates = [
            certificate_json(row, now=now) for row in cabinet.certificates_of(flow_context(), iin)
        ]
        return render_template(
            "cabinet/home.html",
            certificates=certificates,
            status_words=STATUS_WORDS,
            events=history_lines(history(flow_context(), iin)),
        )

    @pages.get("/certificates/<serial>.pem")
    def certificate_file(serial: str):
        iin = session.get("cabinet_iin")
        if not iin:
            return redirect(url_for("cabinet.login"))
        try:
            found = certificate_files.citizen_certificate_file(flow_context(), iin, serial)
        except FlowError as error:
            message = error_message(error.code, error.message, **error.extra)
            return render_template("error.html", message=message), error.status
        return pem_download(found)

    @pages.get("/chain.pem")
    def chain_file():
        if not session.get("cabinet_iin"):
            return redirect(url_for("cabinet.login"))
        return pem_download(certificate_files.chain_file(flow_context()))

    @pages.post("/logout")
    def logout():
        session.clear()
        return redirect(url_for("cabinet.login"))

    return pages
