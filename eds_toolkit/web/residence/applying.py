"""The applicant's pages: the form, the review of the exact document with its two ways of signing (eds agent
through NCALayer's ``basics.sign``, or a one-time SMS code), and the result."""

from __future__ import annotations

from flask import g, jsonify, make_response, redirect, render_template, request, session, url_for

from eds_toolkit.core.refusals import CodeRefused, InvalidInput, Refusal
from eds_toolkit.registration.errors import InvalidApplication
from eds_toolkit.translations import N_
from eds_toolkit.web.cabinet import signed_in_iin
from eds_toolkit.web.context import client_address, flow_context, settings
from eds_toolkit.web.i18n import current_language, translate
from eds_toolkit.web.limits import per_address_on_post
from eds_toolkit.web.local_time import local_time
from eds_toolkit.web.residence import library
from eds_toolkit.web.residence.access import bp, citizen_only
from eds_toolkit.web.residence.render import (
    application_words,
    owner_decision_words,
    refusal_message,
    set_notice,
    signed_with,
    take_notice,
    verdict_lines,
)
from eds_toolkit.web.security import content_security_policy

CODE_SENT_KEY = "residence_code_sent"  # the draft whose signing code this browser asked for

FORM_HAS_PROBLEMS = N_("The application is not filed yet: check the fields marked below.")
CODE_SENT = N_(
    "If a phone is registered for your IIN in the mobile-citizens base, a code was sent to it from 1414 "
    "(valid 5 minutes)."
)
SIGNED = N_("Your application is signed and filed.")
SIGNED_OUT = N_("Your cabinet session has ended: sign in again.")


def signed_out_answer():
    """What a page script's POST gets when the cabinet session has ended: JSON, 401."""
    return jsonify({"ok": False, "code": "signed_out", "message": translate(SIGNED_OUT)}), 401


# ----- the form -----


@bp.get("/residence-registration/new")
@citizen_only
def form():
    return render_template("residence/form.html", form=library.ApplicationForm(), problems={})


@bp.post("/residence-registration/new")
@per_address_on_post
@citizen_only
def file_application():
    form = library.ApplicationForm.from_fields(request.form)
    problems = {
        field: translate(problem.message, **problem.params)
        for field, problem in form.problems(g.citizen_iin).items()
    }
    summary, status = translate(FORM_HAS_PROBLEMS), 422
    if not problems:
        try:
            application_id = library.file(flow_context(), g.citizen_iin, form, client_address())
        except InvalidApplication as error:
            field = error.extra.get("field")
            if field:
                problems = {field: refusal_message(error)}
            else:
                summary = refusal_message(error)
        except Refusal as error:  # e.g. the registers do not answer: the form stays as typed
            summary, status = refusal_message(error), error.status
        else:
            return redirect(url_for("residence.application", application_id=application_id))
    return render_template("residence/form.html", form=form, problems=problems, error=summary), status


# ----- the application: review and sign, or its result -----


def _application_page(application_id: str, status: int = 200, **values):
    ctx = flow_context()
    view = library.your_application(ctx, application_id, g.citizen_iin)
    words = application_words(ctx, view, local_time)
    copy = verdict = owner_decision = None
    if view.status != "draft":
        owner_decision = owner_decision_words(library.owner_decision_of(ctx, view.id, verify=False))
        copy = library.signed_copy_of(ctx, view.id)
        if copy.verdict is not None:
            verdict = verdict_lines(copy.verdict, view.applicant_iin, local_time)
    values.setdefault("notice", take_notice())
    agent_url = settings().agent_url
    page = render_template(
        "residence/application.html",
        application=words,
        copy=copy,
        verdict=verdict,
        signed_with=signed_with(view.signed_with),
        owner_decision=owner_decision,
        code_sent=session.get(CODE_SENT_KEY) == view.id,
        agent_url=agent_url,
        **values,
    )
    response = make_response(page, status)
    if view.status == "draft":  # the page talks to eds agent
        response.headers["Content-Security-Policy"] = content_security_policy([agent_url])
    return response


@bp.get("/applications/<application_id>")
@citizen_only
def application(application_id: str):
    return _application_page(application_id)


@bp.post("/applications/<application_id>/signing-code")
@per_address_on_post
@citizen_only
def signing_code(application_id: str):
    library.your_application(flow_context(), application_id, g.citizen_iin)
    try:
        library.send_signing_code(
            flow_context(), application_id, language=current_language(), client_address=client_address()
        )
    except Refusal as error:
        return _application_page(application_id, error.status, error=refusal_message(error))
    session[CODE_SENT_KEY] = application_id
    set_notice(CODE_SENT)
    return redirect(url_for("residence.application", application_id=application_id, _anchor="sms"))


@bp.post("/applications/<application_id>/sms-signature")
@per_address_on_post
@citizen_only
def sign_with_code(application_id: str):
    library.your_application(flow_context(), application_id, g.citizen_iin)
    try:
        library.sign_with_code(
            flow_context(), application_id, request.form.get("code", ""), client_address=client_address()
        )
    except Refusal as error:
        about_code = isinstance(error, (CodeRefused, InvalidInput))
        return _application_page(
            application_id,
            error.status,
            error=refusal_message(error),
            error_field="code" if about_code else None,
        )
    session.pop(CODE_SENT_KEY, None)
    set_notice(SIGNED)
    return redirect(url_for("residence.application", application_id=application_id))


@bp.post("/applications/<application_id>/eds-signature")
@per_address_on_post
def sign_with_eds(application_id: str):
    """The page script's POST of the CMS eds agent made: JSON in, JSON out ({ok, next} or {ok, message})."""
    iin = signed_in_iin()
    if not iin:
        return signed_out_answer()
    try:
        library.your_application(flow_context(), application_id, iin)
        cms = request.form.get("cms", "").encode("ascii", "replace")
        library.sign_with_eds(flow_context(), application_id, cms, client_address=client_address())
    except Refusal as error:
        return jsonify({"ok": False, "code": error.code, "message": refusal_message(error)}), error.status
    set_notice(SIGNED)
    return jsonify({"ok": True, "next": url_for("residence.application", application_id=application_id)})
