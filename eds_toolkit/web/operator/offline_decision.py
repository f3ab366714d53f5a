"""/operator/applications/<id>/service-centre: a registration officer records what a service centre
decided in person on an application sent offline. The form (outcome, checks, reason, note) is reviewed
first; the review page's confirm form carries only a review token, signed by the service and bound to the
officer and the application, holding exactly what was reviewed: a POST without it decides nothing. The
work is in ``eds_toolkit.operators.offline_decisions``."""

from __future__ import annotations

from flask import abort, current_app, redirect, render_template, request, url_for
from itsdangerous import BadData, URLSafeTimedSerializer

from eds_toolkit.core.refusals import InvalidInput, NotFound, Refusal
from eds_toolkit.operators.offline_decisions import OfflineDecision, checked_decision, decidable, decide
from eds_toolkit.operators.roles import Permission
from eds_toolkit.operators.signin import SignedIn
from eds_toolkit.registration.decision_texts import decision_message
from eds_toolkit.registration.service_centre import CHECKS, REFUSAL_REASONS
from eds_toolkit.translations import N_
from eds_toolkit.web.context import client_address, flow_context
from eds_toolkit.web.i18n import current_language, error_message, translate
from eds_toolkit.web.local_time import local_time
from eds_toolkit.web.operator.access import bp, current, requires
from eds_toolkit.web.residence.render import application_words

REVIEW_MAX_AGE = 15 * 60  # seconds a review stays good for its confirm
REVIEW_FIRST = N_(
    "Review the decision first: open the application's service centre form, fill it in and confirm it on "
    "the review page. Nothing was changed."
)


class ReviewRequired(Refusal):
    """A confirm without a review token of this officer for this application (forged, stale, another's)."""

    status = 400
    code = "review_required"
    title = "Review first"


def _decision_text(code: str | None) -> str:
    """A service centre's reason in the page's language."""
    return decision_message(code, current_language()) or ""


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="operator-offline-decision")


def review_token(who: SignedIn, decision: OfflineDecision) -> str:
    """What the officer reviewed, signed and bound to them (their id and the AUTH certificate they signed
    in with) and to the application."""
    return _serializer().dumps(
        {
            "operator": who.operator.id,
            "certificate": who.certificate_serial,
            "application": decision.application_id,
            "outcome": decision.outcome,
            "checks": list(decision.checks),
            "reason": decision.reason,
            "note": decision.note,
        }
    )


def reviewed(who: SignedIn, application_id: str, token: str) -> OfflineDecision | None:
    """The decision a review token holds, if it is this officer's, for this application, and fresh."""
    try:
        data = _serializer().loads(token, max_age=REVIEW_MAX_AGE)
    except BadData:
        return None
    if (data.get("operator"), data.get("certificate"), data.get("application")) != (
        who.operator.id,
        who.certificate_serial,
        application_id,
    ):
        return None
    return OfflineDecision(
        application_id, data["outcome"], tuple(data["checks"]), data["reason"], data["note"]
    )


def _page(application_id: str, *, status: int = 200, error: str | None = None, error_field=None, **chosen):
    ctx = flow_context()
    try:
        view = decidable(ctx, current(), application_id)
    except Refusal as refusal:
        return _refused(application_id, refusal)
    page = render_template(
        "operator/offline_decision.html",
        application=application_words(ctx, view, local_time),
        application_id=application_id,
        checks=CHECKS,
        reasons=REFUSAL_REASONS,
        decision_text=_decision_text,
        outcome=chosen.get("outcome", ""),
        ticked=chosen.get("checks", []),
        reason=chosen.get("reason", ""),
        note=chosen.get("note", ""),
        error=error,
        error_field=error_field,
    )
    return page, status


def _refused(application_id: str, refusal: Refusal):
    if isinstance(refusal, NotFound):
        abort(404)
    message = error_message(refusal.code, refusal.message, **refusal.extra)
    page = render_template(
        "operator/offline_decision.html", application=None, application_id=application_id, error=message
    )
    return page, refusal.status


@bp.get("/applications/<application_id>/service-centre")
@requires(Permission.DECIDE_OFFLINE)
def offline_decision_form(application_id: str):
    return _page(application_id)


@bp.post("/applications/<application_id>/service-centre")
@requires(Permission.DECIDE_OFFLINE)
def offline_decision(application_id: str):
    """``step=review`` checks the form and shows what will be recorded; ``step=confirm`` (from that page,
    with its review token) records it."""
    who = current()
    form = request.form
    if form.get("step") == "confirm":
        decision = reviewed(who, application_id, form.get("review_token", ""))
        if decision is None:
            return _refused(application_id, ReviewRequired(translate(REVIEW_FIRST)))
        try:
            decide(flow_context(), who, decision, client_address=client_address())
        except Refusal as refusal:
            return _refused(application_id, refusal)
        return redirect(url_for("operator.application", application_id=application_id))
    chosen = {
        "outcome": form.get("outcome", ""),
        "checks": form.getlist("checks"),
        "reason": form.get("reason", ""),
        "note": form.get("note", ""),
    }
    try:
        view = decidable(flow_context(), who, application_id, client_address=client_address(), audited=True)
    except Refusal as refusal:
        return _refused(application_id, refusal)
    try:
        decision = checked_decision(application_id, **chosen)
    except InvalidInput as error:
        message = error_message(error.code, error.message, **error.extra)
        return _page(
            application_id, status=422, error=message, error_field=error.extra.get("field"), **chosen
        )
    return render_template(
        "operator/offline_decision_review.html",
        application=application_words(flow_context(), view, local_time),
        decision=decision,
        checks=[check for check in CHECKS if check.name in decision.checks],
        token=review_token(who, decision),
        decision_text=_decision_text,
    )
