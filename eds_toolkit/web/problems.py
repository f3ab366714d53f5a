"""RFC 9457 problem details for the JSON API."""

from __future__ import annotations

from flask import Response, jsonify

from eds_toolkit.core.refusals import Refusal

PROBLEM_TYPE = "https://eds-toolkit.invalid/problems/"


def problem(status: int, title: str, detail: str, code: str, **extra: object) -> Response:
    """An ``application/problem+json`` response."""
    body = {"type": PROBLEM_TYPE + code, "title": title, "status": status, "detail": detail, "code": code}
    body.update({key: value for key, value in extra.items() if value is not None})
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    if status == 429 and extra.get("retry_after"):
        response.headers["Retry-After"] = str(extra["retry_after"])
    return response


def problem_from(error: Refusal) -> Response:
    """A flow refusal as problem details; ``detail`` is in the client's language (see ``api_language``)."""
    from eds_toolkit.web.api_language import answer_language
    from eds_toolkit.web.i18n import error_message_in

    detail = error_message_in(answer_language(), error.code, error.message, **error.extra)
    return problem(error.status, error.title, detail, error.code, **error.extra)
