"""The identification pages: selfie (live camera, circle, quality hints), video (challenges in turn)
and identity-card photo (file or camera shot). The page scripts post with fetch() and get JSON; the
selfie and ID-photo forms also work without JavaScript. Same step functions as the JSON API, on the same
check queue (eds_toolkit/jobs); the pages wait for the decision (synchronous, at most EDS_QUEUE_WAIT)."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from werkzeug.exceptions import RequestEntityTooLarge

from eds_toolkit import flow
from eds_toolkit.core.refusals import NotFound, Refusal
from eds_toolkit.flow import identification as steps
from eds_toolkit.flow.machine import State
from eds_toolkit.jobs import CheckJob, QueueUnavailable
from eds_toolkit.web.context import check_queue, client_address, flow_context, identify_config, settings
from eds_toolkit.web.i18n import identify_script_texts
from eds_toolkit.web.identify_uploads import asked_seconds, too_large, uploaded_frames, uploaded_image
from eds_toolkit.web.limits import per_address_on_post
from eds_toolkit.web.refusals import refusal_response
from eds_toolkit.web.security import content_security_policy
from eds_toolkit.web.verdict_text import hint_json, outcome_json, refusal_text, service_centre, task_json

bp = Blueprint("identify", __name__, url_prefix="/identification")

PAGE_OF_STATE = {
    State.PHONE_CONFIRMED: "identify.selfie",
    State.SELFIE_OK: "identify.video",
    State.LIVENESS_OK: "identify.id_photo",
    State.FACE_REVIEW: "identify.review",
    State.FACE_MATCHED: "flow.pin",
    State.PIN_SET: "flow.certificates",
    State.ISSUED: "flow.done",
    State.STARTED: "flow.code",
}


def _enrolment_id() -> str:
    return session.get("enrolment_id", "")


def _view() -> flow.EnrolmentView | None:
    try:
        return flow.describe(flow_context(), _enrolment_id()) if _enrolment_id() else None
    except NotFound:
        return None


def _next_url(state: str | None) -> str:
    if state is None or state in (State.EXPIRED, State.FAILED):
        return url_for("flow.start_page")
    return url_for(PAGE_OF_STATE[State(state)])


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


def _show(template: str, page_state: State, status: int = 200, **values):
    """Render a step page, or send the citizen to the page of the enrolment's actual state."""
    view = _view()
    if view is not None and view.state == State.FAILED:
        return render_template("identify/failed.html", enrolment=view, message=service_centre()), 200
    if (view is None or view.state != page_state) and "result" not in values:
        return redirect(_next_url(view.state if view else None))
    return (
        render_template(
            template, enrolment=view, config=identify_config(), script_texts=identify_script_texts(), **values
        ),
        status,
    )


def _refusal_json(error: Refusal) -> Response:
    view = _view()
    state = view.state if view else None
    body = {
        "ok": False,
        "code": error.code,
        "message": refusal_text(error),
        "reasons": error.extra.get("reasons", []),
        "attempts_left": error.extra.get("attempts_left"),
        "state": state,
        "next": _next_url(state) if state in (State.FAILED, State.EXPIRED, None) else None,
    }
    response = jsonify(body)
    response.status_code = error.status
    if isinstance(error, QueueUnavailable):
        response.headers["Retry-After"] = str(error.retry_after)
    return response


def _success(outcome: steps.StepOutcome, template: str, page_state: State):
    if _wants_json():
        return jsonify({**outcome_json(outcome), "next": _next_url(outcome.state)})
    return redirect(_next_url(outcome.state))


def _run(check: str, **upload) -> steps.StepOutcome:
    """Decide a check of this session's enrolment on the service's check queue (waiting for it)."""
    job = CheckJob(check, _enrolment_id(), identify_config(), client_address(), **upload)
    return check_queue().decide(job, settings().queue_wait).unwrap()


def _decide(template: str, page_state: State, check: str, **upload):
    try:
        outcome = _run(check, **upload)
    except Refusal as error:
        if _wants_json():
            return _refusal_json(error)
        message = refusal_text(error)
        return _show(template, page_state, error.status, result=message, result_ok=False)
    return _success(outcome, template, page_state)


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(error: RequestEntityTooLarge):
    """The page's script gets the refusal as its steps' JSON; a form without script, the error page."""
    refusal = too_large()
    return _refusal_json(refusal) if _wants_json() else refusal_response(refusal)


@bp.get("/review")
def review():
    """A referred face match: an officer compares the pictures; nothing to send (the page says so)."""
    return _show("identify/review.html", State.FACE_REVIEW)


@bp.get("/check")
def check():
    """The camera and eds agent checked before the selfie (the guide checks both right after the base):
    a citizen without a camera stops here, before spending a try; a missing agent is only a warning."""
    shown = _show("identify/check.html", State.PHONE_CONFIRMED, agent_url=settings().agent_url)
    if not isinstance(shown, tuple):  # a redirect to the page of the enrolment's state
        return shown
    response = make_response(*shown)
    response.headers["Content-Security-Policy"] = content_security_policy([settings().agent_url])
    return response


@bp.get("/selfie")
def selfie():
    return _show("identify/selfie.html", State.PHONE_CONFIRMED)


@bp.post("/selfie")
@per_address_on_post
def submit_selfie():
    return _decide("identify/selfie.html", State.PHONE_CONFIRMED, "selfie", image=uploaded_image())


@bp.post("/selfie/hint")
@per_address_on_post
def selfie_hint():
    try:
        verdict = steps.selfie_hint(
            flow_context(), _enrolment_id(), uploaded_image(), config=identify_config()
        )
    except Refusal as error:
        return _refusal_json(error)
    return jsonify(hint_json(verdict))


@bp.get("/video")
def video():
    return _show("identify/video.html", State.SELFIE_OK)


@bp.post("/video/task")
@per_address_on_post
def video_task():
    try:
        issued = steps.start_liveness(
            flow_context(),
            _enrolment_id(),
            config=identify_config(),
            client_address=client_address(),
            seconds_per_challenge=asked_seconds(),
        )
    except Refusal as error:
        return _refusal_json(error)
    response = jsonify(task_json(issued))
    response.status_code = 201
    return response


@bp.post("/video")
@per_address_on_post
def submit_video():
    try:
        outcome = _run(
            "liveness",
            nonce=request.form.get("nonce", ""),
            frames=tuple(uploaded_frames()),
            camera=request.form.get("camera", "")[:200] or None,
        )
    except Refusal as error:
        return _refusal_json(error)
    return jsonify({**outcome_json(outcome), "next": _next_url(outcome.state)})


@bp.get("/id-photo")
def id_photo():
    return _show("identify/id_photo.html", State.LIVENESS_OK)


@bp.post("/id-photo")
@per_address_on_post
def submit_id_photo():
    return _decide("identify/id_photo.html", State.LIVENESS_OK, "face_match", image=uploaded_image())
