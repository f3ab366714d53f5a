"""The cabinet's second way in: the citizen's AUTH certificate signs a one-time challenge through the
agent (the same page script as the operators' console). Routes on the cabinet's blueprint."""

from __future__ import annotations

import datetime as dt

from flask import jsonify, request, url_for

from eds_toolkit.core.refusals import Refusal
from eds_toolkit.flow import cabinet
from eds_toolkit.web.cabinet import bp, start_cabinet_session
from eds_toolkit.web.context import flow_context, settings
from eds_toolkit.web.i18n import error_message
from eds_toolkit.web.limits import per_address_on_post


@bp.post("/login/challenge")
@per_address_on_post
def certificate_challenge():
    issued = cabinet.start_certificate_sign_in(flow_context())
    return jsonify(
        {"id": issued.id, "challenge_base64": issued.data_base64, "expires_at": issued.expires_at.isoformat()}
    )


@bp.post("/login/certificate")
@per_address_on_post
def certificate_sign_in():
    try:
        signer = cabinet.sign_in_with_certificate(
            flow_context(), request.form.get("challenge_id", ""), request.form.get("signed_challenge", "")
        )
    except Refusal as error:
        message = error_message(error.code, error.message, **error.extra)
        return jsonify({"ok": False, "code": error.code, "message": message}), error.status
    lifetime = dt.timedelta(seconds=settings().enrolment_ttl)
    start_cabinet_session(signer.iin, lifetime, signer.certificate_serial)  # ends with the certificate
    return jsonify({"ok": True, "next": url_for("cabinet.home")})
