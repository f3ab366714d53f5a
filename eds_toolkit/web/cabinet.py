"""The personal cabinet pages: sign in with IIN + PIN, certificates and enrolment history."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_limiter import Limiter

from eds_toolkit.core.refusals import Refusal
from eds_toolkit.flow import cabinet, certificate_files
from eds_toolkit.flow.status import certificate_json, history
from eds_toolkit.settings import Settings
from eds_toolkit.translations import N_
from eds_toolkit.web.context import flow_context, pem_download
from eds_toolkit.web.history_text import history_lines
from eds_toolkit.web.i18n import error_message
from eds_toolkit.web.limits import iin_key

# a certificate's status (eds_toolkit.flow.status.certificate_status) -> the English key of its word
STATUS_WORDS = {"valid": N_("Valid"), "expired": N_("Expired"), "revoked": N_("Revoked")}


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
        except Refusal as error:
            message = error_message(error.code, error.message, **error.extra)
            return render_template("cabinet/login.html", error=message), error.status
        token = cabinet.open_session(
            flow_context(), iin, lifetime=dt.timedelta(seconds=settings.enrolment_ttl)
        )
        language = session.get("lang")
        session.clear()  # a fresh session for the signed-in citizen; only the chosen language stays
        session["cabinet_session"] = token  # the server-side session's token: sign-out ends it for good
        if language:
            session["lang"] = language
        return redirect(url_for("cabinet.home"))

    def signed_in_iin() -> str | None:
        return cabinet.session_owner(flow_context(), session.get("cabinet_session"))

    @pages.get("/")
    def home():
        iin = signed_in_iin()
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
        iin = signed_in_iin()
        if not iin:
            return redirect(url_for("cabinet.login"))
        try:
            found = certificate_files.citizen_certificate_file(flow_context(), iin, serial)
        except Refusal as error:
            message = error_message(error.code, error.message, **error.extra)
            return render_template("error.html", message=message), error.status
        return pem_download(found)

    @pages.get("/chain.pem")
    def chain_file():
        if not signed_in_iin():
            return redirect(url_for("cabinet.login"))
        return pem_download(certificate_files.chain_file(flow_context()))

    @pages.post("/logout")
    def logout():
        cabinet.close_session(flow_context(), session.get("cabinet_session"))
        session.clear()
        return redirect(url_for("cabinet.login"))

    @pages.app_context_processor
    def _issuer() -> dict:
        return {"test_ca": issuer_is_test_ca(settings), "ca_name": issuer_name(settings)}

    return pages


def _ca_names(settings: Settings) -> tuple[str, str] | None:
    """(root name, issuing name) from the instance's ``ca/ca.json``; None when it is missing or unreadable."""
    from eds_toolkit.bootstrap import ca_directory

    config_file = Path(ca_directory(settings.home)) / "ca.json"
    try:
        data = json.loads(config_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    from ca.config import CAConfig

    defaults = CAConfig()
    return str(data.get("root_name", defaults.root_name)), str(
        data.get("issuing_name", defaults.issuing_name)
    )


def issuer_is_test_ca(settings: Settings) -> bool:
    """True when certificates come from a test CA: the embedded one (EDS_CREATE_TEST_CA), or a CA whose
    names carry the word TEST, as test CAs are named in the national style (no ca.json: the embedded one)."""
    names = _ca_names(settings)
    if names is None:
        return settings.create_test_ca
    return any("TEST" in name.upper().split() for name in names)


def issuer_name(settings: Settings) -> str:
    """The issuing CA's name for the footer ('' when the instance has no CA yet)."""
    names = _ca_names(settings)
    return names[1] if names else ""
