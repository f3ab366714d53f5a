"""JSON API of remote identification under /api/v1/enrolments/{id}: selfie (and its quality hint),
liveness (a task, then its frames) and the identity-card photo. Views only translate HTTP."""

from __future__ import annotations

from collections.abc import Callable

from flask import Response, request

from eds_toolkit.flow import identification as steps
from eds_toolkit.flow.identification import StepOutcome
from eds_toolkit.web.api_support import api_blueprint, authorise_enrolment, json_response
from eds_toolkit.web.context import client_address, flow_context, identify_config
from eds_toolkit.web.identify_uploads import asked_seconds, uploaded_frames, uploaded_image
from eds_toolkit.web.verdict_text import hint_json, outcome_json, task_json

bp = api_blueprint("identify_api", __name__, "/api/v1/enrolments/<enrolment_id>")


def _picture_check(submit: Callable[..., StepOutcome], enrolment_id: str) -> Response:
    """Run a check of the uploaded picture (the selfie or the identity-card photo) and answer its outcome."""
    authorise_enrolment(enrolment_id)
    outcome = submit(
        flow_context(),
        enrolment_id,
        uploaded_image(),
        config=identify_config(),
        client_address=client_address(),
    )
    return json_response(outcome_json(outcome))


@bp.post("/selfie")
def selfie(enrolment_id: str) -> Response:
    return _picture_check(steps.submit_selfie, enrolment_id)


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
    outcome = steps.submit_liveness(
        flow_context(),
        enrolment_id,
        request.form.get("nonce", ""),
        uploaded_frames(),
        config=identify_config(),
        client_address=client_address(),
        camera=request.form.get("camera", "")[:200] or None,
    )
    return json_response(outcome_json(outcome))


@bp.post("/id-photo")
def id_photo(enrolment_id: str) -> Response:
    return _picture_check(steps.submit_id_photo, enrolment_id)
