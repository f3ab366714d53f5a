"""The owner's page: an application to register someone at the signed-in citizen's home, confirmed or
refused with the code 1414 sent to the owner's phone, within one hour of its signing."""

from __future__ import annotations

from flask import g, redirect, render_template, request, url_for

from eds_toolkit.core.refusals import CodeRefused, InvalidInput, Refusal
from eds_toolkit.translations import N_
from eds_toolkit.web.context import client_address, flow_context
from eds_toolkit.web.i18n import current_language, translate
from eds_toolkit.web.limits import per_address_on_post
from eds_toolkit.web.local_time import local_time
from eds_toolkit.web.residence import library
from eds_toolkit.web.residence.access import bp, citizen_only
from eds_toolkit.web.residence.render import application_words, refusal_message, set_notice, take_notice

OWNER_CODE_SENT = N_(
    "A new code was sent from 1414 to the phone registered for your IIN in the mobile-citizens base "
    "(valid 5 minutes)."
)
CONFIRMED = N_("You confirmed the registration at your home.")
REFUSED = N_("You refused the registration at your home.")
CHOOSE = N_("Press “Confirm” or “Refuse”.")


def _consent_page(application_id: str, status: int = 200, **values):
    ctx = flow_context()
    view = library.owners_application(ctx, application_id, g.citizen_iin)
    values.setdefault("notice", take_notice())
    page = render_template(
        "residence/consent.html",
        application=application_words(ctx, view, local_time),
        applicant_name=library.name_of(ctx, view.applicant_iin),
        person_name=library.name_of(ctx, view.person_iin),
        **values,
    )
    return page, status


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
    library.owners_application(flow_context(), application_id, g.citizen_iin)
    decision = request.form.get("decision")
    if decision not in ("confirm", "decline"):
        return _consent_page(application_id, 422, error=translate(CHOOSE))
    try:
        library.owner_decides(
            flow_context(),
            application_id,
            request.form.get("code", ""),
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
