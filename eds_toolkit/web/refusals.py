"""The one answer to a refusal: problem details (RFC 9457) under ``/api/``, the error page elsewhere.

Every refusal that leaves a view reaches the client through :func:`refusal_response`: the flow's
``Refusal`` and its subclasses (registration and renewal refusals included), and what Flask,
Flask-WTF and Flask-Limiter refuse before a view runs (unknown address, wrong method, body too large,
expired form, too many requests, rate-limit store down). The text is in the request's language
(``eds_toolkit.web.language.request_language``). Pages that show a refusal on their own form (a wrong
code under the code field) still do so in the view.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from flask import Flask, Response, jsonify, make_response, render_template, request
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import MethodNotAllowed, NotFound, RequestEntityTooLarge

from eds_toolkit.core.refusals import Refusal, ServiceUnavailable
from eds_toolkit.db import DATABASE_DOWN
from eds_toolkit.jobs import QueueUnavailable
from eds_toolkit.web import verdict_text
from eds_toolkit.web.context import service
from eds_toolkit.web.identify_uploads import UPLOAD_BLUEPRINTS, too_large
from eds_toolkit.web.limits import storage_errors

log = logging.getLogger(__name__)

PROBLEM_TYPE = "https://eds-toolkit.invalid/problems/"
RATE_LIMIT_RETRY_AFTER = 60  # seconds, told to a client refused by a rate limit
STORAGE_DOWN_RETRY_AFTER = 30  # seconds, sent as Retry-After with the 503 while the rate-limit store is down
STORAGE_DOWN_MESSAGE = "The service is temporarily unavailable: please try again in a minute."
DATABASE_DOWN_RETRY_AFTER = 15  # seconds: a database restart or fail-over takes about that


class AddressNotFound(Refusal):
    """No page at this address."""

    status = 404
    code = "page_not_found"
    title = "Not found"


class ResourceNotFound(Refusal):
    """No API resource at this address. The catalogue's ``not_found`` sentence is about enrolments, so
    the detail stays in English."""

    status = 404
    code = "not_found"
    title = "Not found"
    localized_in_api = False


class MethodRefused(Refusal):
    """The address exists but not for this method (the answer carries ``Allow``). In the API the detail
    names the methods, a sentence the catalogue does not have, so it stays in English."""

    status = 405
    code = "method_not_allowed"
    title = "Method not allowed"
    localized_in_api = False


class FormExpired(Refusal):
    """The form's CSRF token is missing, expired or from another site."""

    code = "csrf"


class BodyTooLarge(Refusal):
    """The request body is over the app's limit (``EDS_MAX_CONTENT_LENGTH``)."""

    status = 413
    code = "too_large"


class RateLimited(Refusal):
    """A rate limit (per address, per IIN) refused the request."""

    status = 429
    code = "rate_limited"


def in_api() -> bool:
    return request.path.startswith("/api/")


def problem(status: int, title: str, detail: str, code: str, **extra: object) -> Response:
    """An ``application/problem+json`` response (``None`` extras are left out)."""
    body = {"type": PROBLEM_TYPE + code, "title": title, "status": status, "detail": detail, "code": code}
    body.update({key: value for key, value in extra.items() if value is not None})
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    if status == 429 and extra.get("retry_after"):
        response.headers["Retry-After"] = str(extra["retry_after"])
    return response


def refusal_text(error: Refusal) -> str:
    """The refusal's sentence in the request's language (identification verdicts sentence by sentence)."""
    if in_api() and not getattr(error, "localized_in_api", True):
        return error.message
    return verdict_text.refusal_text(error)


def refusal_response(error: Refusal, headers: Mapping[str, str] | None = None) -> Response:
    """The answer to ``error``: problem+json under /api/ (a 401 says ``WWW-Authenticate: Bearer``),
    else the error page; ``headers`` are added to either."""
    text = refusal_text(error)
    if in_api():
        response = problem(error.status, error.title, text, error.code, **error.extra)
        if error.status == 401:
            response.headers["WWW-Authenticate"] = "Bearer"
    else:
        response = make_response(render_template("error.html", message=text), error.status)
    response.headers.update(headers or {})
    return response


def register_error_handlers(app: Flask) -> None:
    """Answer every refusal of ``app`` with :func:`refusal_response`."""
    app.register_error_handler(Refusal, refusal_response)

    @app.errorhandler(NotFound)
    def _not_found(error: NotFound) -> Response:
        if in_api():
            return refusal_response(ResourceNotFound("There is no such API resource."))
        return refusal_response(AddressNotFound("There is no such page. Start again from the first page."))

    @app.errorhandler(MethodNotAllowed)
    def _wrong_method(error: MethodNotAllowed) -> Response:
        allowed = ", ".join(sorted(error.valid_methods or []))
        message = (
            f"Use {allowed} here."
            if in_api()
            else "This address cannot be opened directly: go back and use the buttons on the page."
        )
        return refusal_response(MethodRefused(message), headers={"Allow": allowed})

    @app.errorhandler(CSRFError)
    def _csrf(error: CSRFError) -> Response:
        return refusal_response(
            FormExpired("The form has expired or did not come from this site. Reload the page.")
        )

    @app.errorhandler(RequestEntityTooLarge)
    def _too_large(error: RequestEntityTooLarge) -> Response:
        if request.blueprint in UPLOAD_BLUEPRINTS:  # their limit is larger: name it
            return refusal_response(too_large())
        limit = service().settings.max_content_length // 1024
        return refusal_response(BodyTooLarge(f"What you sent is too large: the limit is {limit} KiB."))

    @app.errorhandler(RateLimitExceeded)
    def _rate_limited(error: RateLimitExceeded) -> Response:
        return refusal_response(
            RateLimited(
                "Too many requests: please wait a little and try again.", retry_after=RATE_LIMIT_RETRY_AFTER
            )
        )

    def _storage_down(error: Exception) -> Response:
        log.error("rate-limit store unreachable, refusing %s %s: %s", request.method, request.path, error)
        return refusal_response(
            ServiceUnavailable(STORAGE_DOWN_MESSAGE),
            headers={"Retry-After": str(STORAGE_DOWN_RETRY_AFTER)},
        )

    def _database_down(error: Exception) -> Response:
        # the driver's text may hold the statement and its values (an IIN): the type and code only
        cause = getattr(error, "orig", None)
        log.error(
            "database unreachable, refusing %s %s: %s (%s)",
            request.method,
            request.path,
            type(cause or error).__name__,
            getattr(error, "code", None),
        )
        return refusal_response(
            ServiceUnavailable(STORAGE_DOWN_MESSAGE, code="database_unavailable"),
            headers={"Retry-After": str(DATABASE_DOWN_RETRY_AFTER)},
        )

    @app.errorhandler(QueueUnavailable)
    def _queue_down(error: QueueUnavailable) -> Response:
        log.error("identification queue unavailable, refusing %s %s", request.method, request.path)
        return refusal_response(error, headers={"Retry-After": str(error.retry_after)})

    for error_type in DATABASE_DOWN:
        app.register_error_handler(error_type, _database_down)

    for error_type in storage_errors(app, service(app).settings):
        app.register_error_handler(error_type, _storage_down)
