"""JSON API of remote identification under /api/v1/enrolments/{id}: selfie (and its quality hint),
liveness (a task, then its frames) and the identity-card photo. Views only translate HTTP.

The checks run where the service's check queue runs them (eds_toolkit/jobs): the request waits for the
decision (at most ``EDS_QUEUE_WAIT``), or, with ``Prefer: respond-async`` (RFC 7240), answers 202 at once
with the ``Location`` of the check, ``GET .../checks/{job}``: 202 while pending, then the same answer
the synchronous request would have given."""

from __future__ import annotations

from flask import Response, request, url_for

from eds_toolkit.flow import identification as steps
from eds_toolkit.jobs import CheckJob, QueueUnavailable
from eds_toolkit.jobs.queues import QUEUE_DOWN_MESSAGE
from eds_toolkit.web.api_support import api_blueprint, authorise_enrolment, json_response
from eds_toolkit.web.context import check_queue, client_address, flow_context, identify_config, settings
from eds_toolkit.web.identify_uploads import asked_seconds, uploaded_frames, uploaded_image
from eds_toolkit.web.refusals import ResourceNotFound
from eds_toolkit.web.verdict_text import hint_json, outcome_json, task_json

bp = api_blueprint("identify_api", __name__, "/api/v1/enrolments/<enrolment_id>")

POLL_AFTER = 1  # seconds, the Retry-After of a pending check


def _respond_async() -> bool:
    """Whether the client sent ``Prefer: respond-async``."""
    preferences = ",".join(request.headers.getlist("Prefer")).split(",")
    return any(p.split(";")[0].strip().lower() == "respond-async" for p in preferences)


def _pending(enrolment_id: str, job_id: str, check: str) -> Response:
    location = url_for("identify_api.check_result", enrolment_id=enrolment_id, job_id=job_id)
    response = json_response({"job": job_id, "check": check, "pending": True, "location": location}, 202)
    response.headers["Location"] = location
    response.headers["Retry-After"] = str(POLL_AFTER)
    return response


def _check(job: CheckJob) -> Response:
    """Run ``job`` on the check queue: wait for its outcome, or (asked for) answer 202 with its place."""
    if _respond_async():
        response = _pending(job.enrolment_id, check_queue().submit(job), job.check)
        response.headers["Preference-Applied"] = "respond-async"
        return response
    outcome = check_queue().decide(job, settings().queue_wait).unwrap()
    return json_response(outcome_json(outcome))


def _picture_check(check: str, enrolment_id: str) -> Response:
    """A check of the uploaded picture (the selfie or the identity-card photo)."""
    authorise_enrolment(enrolment_id)
    return _check(CheckJob(check, enrolment_id, identify_config(), client_address(), image=uploaded_image()))


@bp.post("/selfie")
def selfie(enrolment_id: str) -> Response:
    return _picture_check("selfie", enrolment_id)


@bp.post("/selfie/hint")
def selfie_hint(enrolment_id: str) -> Response:
    authorise_enrolment(enrolment_id)
    verdict = steps.selfie_hint(flow_context(), enrolment_id, uploaded_image(), config=identify_config())
    return json_response(hint_json(verdict))


@bp.post("/liveness")
def liveness_task(enrolment_id: str) -> Response:
    authorise_enrolment(enrolment_id)
    issued = steps.start_liveness(
        flow_context(),
        enrolment_id,
        config=identify_config(),
        client_address=client_address(),
        seconds_per_challenge=asked_seconds(),
    )
    return json_response(task_json(issued), 201)


@bp.post("/liveness/frames")
def liveness_frames(enrolment_id: str) -> Response:
    authorise_enrolment(enrolment_id)
    job = CheckJob(
        "liveness",
        enrolment_id,
        identify_config(),
        client_address(),
        nonce=request.form.get("nonce", ""),
        frames=tuple(uploaded_frames()),
        camera=request.form.get("camera", "")[:200] or None,
    )
    return _check(job)


@bp.post("/id-photo")
def id_photo(enrolment_id: str) -> Response:
    return _picture_check("face_match", enrolment_id)


@bp.get("/checks/<job_id>")
def check_result(enrolment_id: str, job_id: str) -> Response:
    """A check asked for with ``Prefer: respond-async``: 202 while pending, then its answer."""
    authorise_enrolment(enrolment_id)
    state = check_queue().state(job_id, enrolment_id)
    if state is None:
        raise ResourceNotFound("There is no such check of this enrolment (or it is older than 10 minutes).")
    if state.pending:
        return _pending(enrolment_id, job_id, state.check)
    if state.result is None:
        raise QueueUnavailable(QUEUE_DOWN_MESSAGE)
    return json_response(outcome_json(state.result.unwrap()))
