"""The personal cabinet pages: sign in with IIN + PIN, certificates and enrolment history."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from flask import Blueprint, make_response, redirect, render_template, request, session, url_for

from eds_toolkit.core.refusals import Refusal
from eds_toolkit.flow import cabinet, certificate_files
from eds_toolkit.flow.cabinet_pairs import renewable_pair
from eds_toolkit.flow.status import certificate_json, history
from eds_toolkit.settings import Settings
from eds_toolkit.signed_challenge import SessionEnded
from eds_toolkit.translations import N_
from eds_toolkit.web.context import flow_context, pem_download, settings
from eds_toolkit.web.history_text import history_lines
from eds_toolkit.web.i18n import error_message, translate
from eds_toolkit.web.limits import iin_key, limiter, per_address_on_post, per_iin_limit
from eds_toolkit.web.security import content_security_policy
from eds_toolkit.web.session_ended import ended_message

# a certificate's status (eds_toolkit.flow.status.certificate_status) -> the English key of its word
STATUS_WORDS = {"valid": N_("Valid"), "expired": N_("Expired"), "revoked": N_("Revoked")}
# a revoked certificate's reason (ca.store.REVOCATION_REASONS) -> why, in the citizen's words
REVOCATION_WORDS = {
    "superseded": N_("Replaced by a new pair"),
    "key_compromise": N_("Key lost or stolen"),
}
OTHER_REVOCATION = N_("Revoked by the certification authority")
# what the last step of this session did (session["cabinet_notice"]), shown once on the cabinet's page
NOTICES = {"revoked": N_("Your certificates are revoked: nobody can sign or sign in with them any more.")}

bp = Blueprint("cabinet", __name__, url_prefix="/cabinet")
"""/cabinet: sign-in is limited per IIN and per address, and locks after repeated wrong PINs."""


ENDED_KEY = "cabinet_session_ended"  # why the last session ended, for the sign-in page (once)


@bp.get("/login")
def login():
    agent_url = settings().agent_url
    ended = ended_message(session.pop(ENDED_KEY, None))
    response = make_response(render_template("cabinet/login.html", agent_url=agent_url, error=ended))
    response.headers["Content-Security-Policy"] = content_security_policy([agent_url])
    return response


@bp.post("/login")
@per_address_on_post
@limiter.limit(per_iin_limit, key_func=iin_key, methods=["POST"], override_defaults=False)
def sign_in():
    config = settings()
    try:
        iin = cabinet.sign_in(
            flow_context(),
            request.form.get("iin", ""),
            request.form.get("pin", ""),
            max_attempts=config.pin_max_attempts,
            lockout_seconds=config.pin_lockout_seconds,
        )
    except Refusal as error:
        message = error_message(error.code, error.message, **error.extra)
        return render_template("cabinet/login.html", error=message), error.status
    start_cabinet_session(iin, dt.timedelta(seconds=config.enrolment_ttl))
    return redirect(url_for("cabinet.home"))


def start_cabinet_session(iin: str, lifetime: dt.timedelta, certificate_serial: str | None = None) -> None:
    """Open the citizen's server-side session in a fresh browser session (only the language stays);
    ``certificate_serial``: the AUTH certificate that signed in, if that was the way in."""
    token = cabinet.open_session(
        flow_context(), iin, lifetime=lifetime, certificate_serial=certificate_serial
    )
    language = session.get("lang")
    session.clear()
    session["cabinet_session"] = token  # the server-side session's token: sign-out ends it for good
    if language:
        session["lang"] = language


def signed_in_iin() -> str | None:
    """The signed-in citizen's IIN, else None (a session ended just now says why on the sign-in page)."""
    owner = cabinet.session_owner(flow_context(), session.get("cabinet_session"))
    if isinstance(owner, SessionEnded):  # its AUTH certificate was revoked or expired
        session.pop("cabinet_session", None)
        session[ENDED_KEY] = owner.reason
        return None
    return owner


@bp.get("/")
def home():
    iin = signed_in_iin()
    if not iin:
        return redirect(url_for("cabinet.login"))
    ctx = flow_context()
    now = ctx.now()
    rows = cabinet.certificates_of(ctx, iin)
    certificates = [
        {**certificate_json(row, now=now), "reason": _revocation_words(row.revocation_reason)} for row in rows
    ]
    renewable = renewable_pair(ctx, iin)
    notice = NOTICES.get(session.pop("cabinet_notice", ""))
    return render_template(
        "cabinet/home.html",
        certificates=certificates,
        status_words=STATUS_WORDS,
        renewable=renewable,
        renewal_due=renewable is not None and renewable.renewal_due(now),
        can_revoke=any(row.status_at(now) == "valid" for row in rows),
        notice=translate(notice) if notice else None,
        events=history_lines(history(ctx, iin)),
    )


def _revocation_words(reason: str | None) -> str | None:
    """The English key of a revoked certificate's reason in words (None when it is not revoked)."""
    if reason is None:
        return None
    return REVOCATION_WORDS.get(reason, OTHER_REVOCATION)


@bp.get("/certificates/<serial>.pem")
def certificate_file(serial: str):
    iin = signed_in_iin()
    if not iin:
        return redirect(url_for("cabinet.login"))
    return pem_download(certificate_files.citizen_certificate_file(flow_context(), iin, serial))


@bp.get("/chain.pem")
def chain_file():
    if not signed_in_iin():
        return redirect(url_for("cabinet.login"))
    return pem_download(certificate_files.chain_file(flow_context()))


@bp.post("/logout")
def logout():
    cabinet.close_session(flow_context(), session.get("cabinet_session"))
    session.clear()
    return redirect(url_for("cabinet.login"))


@bp.app_context_processor
def _issuer() -> dict:
    config = settings()
    return {"test_ca": issuer_is_test_ca(config), "ca_name": issuer_name(config)}


def _ca_names(config: Settings) -> tuple[str, str] | None:
    """(root name, issuing name) from the instance's ``ca/ca.json``; None when it is missing or unreadable."""
    from eds_toolkit.bootstrap import ca_directory

    config_file = Path(ca_directory(config.home)) / "ca.json"
    try:
        data = json.loads(config_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    from ca.config import CAConfig

    defaults = CAConfig()
    return str(data.get("root_name", defaults.root_name)), str(
        data.get("issuing_name", defaults.issuing_name)
    )


def issuer_is_test_ca(config: Settings) -> bool:
    """True when certificates come from a test CA: the embedded one (EDS_CREATE_TEST_CA), or a CA whose
    names carry the word TEST, as test CAs are named in the national style (no ca.json: the embedded one)."""
    names = _ca_names(config)
    if names is None:
        return config.create_test_ca
    return any("TEST" in name.upper().split() for name in names)


def issuer_name(config: Settings) -> str:
    """The issuing CA's name for the footer ('' when the instance has no CA yet)."""
    names = _ca_names(config)
    return names[1] if names else ""
