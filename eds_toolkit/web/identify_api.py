"""JSON API of remote identification under /api/v1/enrolments/{id}: selfie (and its quality hint),
liveness (a task, then its frames) and the identity-card photo. Views only translate HTTP."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, Response, request
from flask_limiter import Limiter
from werkzeug.exceptions import RequestEntityTooLarge

from eds_toolkit.core.refusals import Refusal
from eds_toolkit.flow import identification as steps
from eds_toolkit.flow.identification import StepOutcome
from eds_toolkit.settings import Settings
from eds_toolkit.web.api_support import api_blueprint, authorise_enrolment, json_response
from eds_toolkit.web.context import client_address, flow_context
from eds_toolkit.web.identify_uploads import identify_config, too_large, uploaded_frames, uploaded_image
from eds_toolkit.web.openapi import json_content, problems, schema_ref
from eds_toolkit.web.problems import problem
from eds_toolkit.web.verdict_text import hint_json, outcome_json, refusal_text, task_json


def _problem(error: Refusal) -> Response:
    """Problem details whose ``detail`` is in the client's language (``?lang=``, else Accept-Language);
    ``code`` and ``reasons`` stay the stable, untranslated codes."""
    return problem(error.status, error.title, refusal_text(error), error.code, **error.extra)


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


def make_identify_api_blueprint(limiter: Limiter, settings: Settings) -> Blueprint:
    """The identification endpoints (bearer-token authenticated, so exempt from CSRF like /api/v1)."""
    api = api_blueprint("identify_api", "/api/v1/enrolments/<enrolment_id>", limiter, settings, _problem)

    @api.errorhandler(RequestEntityTooLarge)
    def _too_large(error: RequestEntityTooLarge) -> Response:
        return _problem(too_large())

    @api.post("/selfie")
    def selfie(enrolment_id: str) -> Response:
        return _picture_check(steps.submit_selfie, enrolment_id)

    @api.post("/selfie/hint")
    def selfie_hint(enrolment_id: str) -> Response:
        authorise_enrolment(enrolment_id)
        verdict = steps.selfie_hint(flow_context(), enrolment_id, uploaded_image(), config=identify_config())
        return json_response(hint_json(verdict))

    @api.post("/liveness")
    def liveness_task(enrolment_id: str) -> Response:
        authorise_enrolment(enrolment_id)
        issued = steps.start_liveness(
            flow_context(), enrolment_id, config=identify_config(), client_address=client_address()
        )
        return json_response(task_json(issued), 201)

    @api.post("/liveness/frames")
    def liveness_frames(enrolment_id: str) -> Response:
        authorise_enrolment(enrolment_id)
        outcome = steps.submit_liveness(
            flow_context(),
            enrolment_id,
            request.form.get("nonce", ""),
            uploaded_frames(),
            config=identify_config(),
            client_address=client_address(),
        )
        return json_response(outcome_json(outcome))

    @api.post("/id-photo")
    def id_photo(enrolment_id: str) -> Response:
        return _picture_check(steps.submit_id_photo, enrolment_id)

    return api


def _multipart(properties: dict, required: list[str]) -> dict:
    return {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {"type": "object", "required": required, "properties": properties}
            }
        },
    }


_IMAGE_BODY = _multipart(
    {"image": {"type": "string", "contentMediaType": "image/jpeg", "description": "JPEG, PNG or WebP"}},
    ["image"],
)
_FRAMES_BODY = _multipart(
    {
        "nonce": {"type": "string", "description": "the nonce of the task from POST .../liveness"},
        "frames": {
            "type": "array",
            "items": {"type": "string", "contentMediaType": "image/jpeg"},
            "description": "JPEG frames in capture order (about 10 per second, not mirrored)",
        },
        "timestamps": {
            "type": "string",
            "description": "capture times in ms, comma-separated, one per frame (default 100 ms apart)",
        },
    },
    ["nonce", "frames"],
)


_LANGUAGE_HEADER = {
    "name": "Accept-Language",
    "in": "header",
    "required": False,
    "schema": {"type": "string", "example": "kk"},
    "description": "en, kk or ru (or ?lang=): the language of `detail`, `message` and a task's challenge "
    "`text`; `code` and `reasons` are stable codes in every language",
}


def openapi_paths() -> dict:
    """The identification endpoints for the OpenAPI document (merged by ``openapi_document``)."""

    def operation(summary: str, body: dict | None, status: str, schema: str) -> dict:
        described = {
            "summary": summary,
            "security": [{"enrolmentToken": []}],
            "parameters": [{"$ref": "#/components/parameters/EnrolmentId"}, _LANGUAGE_HEADER],
            "responses": {
                status: {"description": "Done", "content": json_content(schema_ref(schema))},
                **problems("400", "401", "404", "409", "413", "422", "429", "503"),
            },
        }
        if body:
            described["requestBody"] = body
        return described

    return {
        "/enrolments/{id}/selfie": {
            "post": operation(
                "Send the selfie: a good one moves the enrolment to selfie_ok (422 with reasons otherwise; "
                "after the last attempt the enrolment fails)",
                _IMAGE_BODY,
                "200",
                "IdentificationOutcome",
            )
        },
        "/enrolments/{id}/selfie/hint": {
            "post": operation(
                "Quality hint for a camera picture (no attempt counted, nothing changed)",
                _IMAGE_BODY,
                "200",
                "SelfieHint",
            )
        },
        "/enrolments/{id}/liveness": {
            "post": operation(
                "Get a liveness task: challenges in order, a one-time nonce and a deadline",
                None,
                "201",
                "LivenessTask",
            )
        },
        "/enrolments/{id}/liveness/frames": {
            "post": operation(
                "Send the task's frames: liveness_ok when every challenge was seen in order by the selfie's "
                "live face",
                _FRAMES_BODY,
                "200",
                "IdentificationOutcome",
            )
        },
        "/enrolments/{id}/id-photo": {
            "post": operation(
                "Send the identity-card photo: face_matched when it matches the selfie, the video and the "
                "photo on record",
                _IMAGE_BODY,
                "200",
                "IdentificationOutcome",
            )
        },
    }


def openapi_schemas() -> dict:
    """Schemas of the identification responses."""
    string, strings = {"type": "string"}, {"type": "array", "items": {"type": "string"}}
    return {
        "IdentificationOutcome": {
            "type": "object",
            "required": ["check", "ok", "state"],
            "properties": {
                "check": {"type": "string", "enum": ["selfie", "liveness", "face_match"]},
                "ok": {"type": "boolean"},
                "reasons": strings,
                "message": string,
                "state": string,
                "attempts_left": {"type": "integer"},
            },
        },
        "SelfieHint": {
            "type": "object",
            "properties": {"ok": {"type": "boolean"}, "reasons": strings, "message": string},
        },
        "LivenessTask": {
            "type": "object",
            "required": ["nonce", "challenges", "deadline"],
            "properties": {
                "nonce": string,
                "challenges": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "code": {
                                "type": "string",
                                "enum": ["blink", "turn_left", "turn_right", "open_mouth"],
                            },
                            "text": string,
                        },
                    },
                },
                "deadline": {"type": "string", "format": "date-time"},
                "seconds_per_challenge": {"type": "number"},
                "attempts_left": {"type": "integer"},
            },
        },
    }
