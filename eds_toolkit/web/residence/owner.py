"""The owner's pages: "Consents awaiting me" (the applications to register someone at the signed-in
citizen's home that wait for their consent), and each one's page: the consent document shown exactly as it
is signed, confirmed by signing it with the owner's SIGN key through eds agent (``basics.sign``) or with the
code 1414 sent to the owner's phone, or refused; all within one hour of the application's signing.

Whose consent is whose is decided in ``library.owners_application``: anyone else finds it "not found"."""

from __future__ import annotations

import base64
from dataclasses import dataclass

from flask import g, jsonify, make_response, redirect, render_template, request, url_for

from eds_toolkit.core.refusals import CodeRefused, InvalidInput, Refusal
from eds_toolkit.translations import N_
from eds_toolkit.web.cabinet import signed_in_iin
from eds_toolkit.web.context import client_address, flow_context, settings
from eds_toolkit.web.i18n import current_language, translate
from eds_toolkit.web.limits import per_address_on_post
from eds_toolkit.web.local_time import local_time
from eds_toolkit.web.residence import library
from eds_toolkit.web.residence.access import bp, citizen_only
from eds_toolkit.web.residence.applying import signed_out_answer
from eds_toolkit.web.residence.render import (
    application_words,
    owner_decision_words,
    refusal_message,
    set_notice,
    take_notice,
)
from eds_toolkit.web.security import content_security_policy

OWNER_CODE_SENT = N_(
    "A new code was sent from 1414 to the phone registered for your IIN in the mobile-citizens base "
    "(valid 5 minutes)."
)
CONFIRMED = N_("You confirmed the registration at your home.")
REFUSED = N_("You refused the registration at your home.")
CHOOSE = N_("Press “Confirm” or “Refuse”.")
NAME_NOT_KNOWN = N_("Not in the citizens base")


@dataclass(frozen=True)
class ConsentRow:
    """One line of "Consents awaiting me": the applicant's and the person's names masked."""

    view: library.ApplicationView
    reference: str
    applicant: str
    person: str


@bp.get("/consents")
@citizen_only
def consents():
    ctx = flow_context()
    rows = []
    for view in library.awaiting_consent(ctx, g.citizen_iin):
        applicant = library.masked_name_of(ctx, view.applicant_iin) or translate(NAME_NOT_KNOWN)
        if view.person_iin == view.applicant_iin:
            person = translate(N_("The applicant"))
        else:
            person = library.masked_name_of(ctx, view.person_iin) or translate(NAME_NOT_KNOWN)
        rows.append(ConsentRow(view, library.reference(view.id), applicant, person))
    return render_template("residence/consents.html", consents=rows)


def _consent_page(application_id: str, status: int = 200, **values):
    ctx = flow_context()
    view = library.owners_application(ctx, application_id, g.citizen_iin)
    values.setdefault("notice", take_notice())
    waiting = view.status == "awaiting_owner"
    consent = library.consent_document(ctx, application_id) if waiting else None
    kept = None if waiting else library.owner_decision_of(ctx, application_id, verify=False)
    agent_url = settings().agent_url
    page = render_template(
        "residence/consent.html",
        application=application_words(ctx, view, local_time),
        applicant_name=library.name_of(ctx, view.applicant_iin),
        person_name=library.name_of(ctx, view.person_iin),
        consent=consent,
        consent_base64=base64.b64encode(consent.encode("utf-8")).decode("ascii") if consent else None,
        owner_decision=owner_decision_words(kept),
        agent_url=agent_url,
        **values,
    )
    response = make_response(page, status)
    if waiting:  # the page talks to eds agent
        response.headers["Content-Security-Policy"] = content_security_policy([agent_url])
    return response


@bp.get("/consents/<application_id>")
@citizen_only
def consent(application_id: str):
    return _consent_page(application_id)


@bp.post("/consents/<application_id>/code")
@per_address_on_post
@citizen_only
def owner_code(application_id: str):
    library.owners_application(flow_context(), application_id, g.citizen_iin)
    try:
        library.send_owner_code(
            flow_context(), application_id, language=current_language(), client_address=client_address()
        )
    except Refusal as error:
        return _consent_page(application_id, error.status, error=refusal_message(error))
    set_notice(OWNER_CODE_SENT)
    return redirect(url_for("residence.consent", application_id=application_id))


@bp.post("/consents/<application_id>/decision")
@per_address_on_post
@citizen_only
def owner_decision(application_id: str):
    """Confirm with the code from 1414; refuse with it, or without it (the owner is signed in)."""
    library.owners_application(flow_context(), application_id, g.citizen_iin)
    decision = request.form.get("decision")
    if decision not in ("confirm", "decline"):
        return _consent_page(application_id, 422, error=translate(CHOOSE))
    code = request.form.get("code", "").strip()
    try:
        if decision == "decline" and not code:
            library.decline(flow_context(), application_id, client_address=client_address())
        else:
            library.owner_decides(
                flow_context(),
                application_id,
                code,
                accept=decision == "confirm",
                client_address=client_address(),
            )
    except Refusal as error:
        about_code = isinstance(error, (CodeRefused, InvalidInput))
        return _consent_page(
            application_id,
            error.status,
            error=refusal_message(error),
            error_field="code" if about_code else None,
        )
    set_notice(CONFIRMED if decision == "confirm" else REFUSED)
    return redirect(url_for("residence.consent", application_id=application_id))


@bp.post("/consents/<application_id>/eds-signature")
@per_address_on_post
def owner_sign_with_eds(application_id: str):
    """The page script's POST of the CMS over the consent that eds agent made: JSON in, JSON out."""
    iin = signed_in_iin()
    if not iin:
        return signed_out_answer()
    try:
        library.owners_application(flow_context(), application_id, iin)
        cms = request.form.get("cms", "").encode("ascii", "replace")
        library.confirm_with_eds(flow_context(), application_id, cms, client_address=client_address())
    except Refusal as error:
        return jsonify({"ok": False, "code": error.code, "message": refusal_message(error)}), error.status
    set_notice(CONFIRMED)
    return jsonify({"ok": True, "next": url_for("residence.consent", application_id=application_id)})
