"""Rate limits (Flask-Limiter): per client address, and per IIN on the steps that take an IIN.

Storage: ``memory://`` (per process) or Redis (shared by every worker). With Redis the service
fails closed: it does not start while the configured server does not answer, and while Redis is
down at run time a rate-limited request gets a 503 rather than an unlimited pass or a per-worker
fallback (either would multiply the SMS and per-IIN budgets without anyone noticing).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from urllib.parse import urlsplit, urlunsplit

from flask import Flask, Response, render_template, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from eds_toolkit.settings import Settings, SettingsError
from eds_toolkit.web import i18n
from eds_toolkit.web.problems import problem

log = logging.getLogger(__name__)

# a dead or unreachable Redis must answer within a bounded time, never hang a worker
REDIS_TIMEOUT_SECONDS = 2.0
STORAGE_DOWN_RETRY_AFTER = 30  # seconds, sent as Retry-After with the 503
STORAGE_DOWN_MESSAGE = "The service is temporarily unavailable: please try again in a minute."
IIN_START_SCOPE = "iin-start"  # the bucket the page's and the API's starts share per IIN


def iin_key() -> str:
    """The IIN in a JSON or form body (digits only), else the client address."""
    data = request.get_json(silent=True) if request.is_json else request.form
    value = (data or {}).get("iin") if hasattr(data, "get") else None
    digits = "".join(ch for ch in str(value or "") if ch.isdigit())
    return f"iin:{digits}" if digits else f"addr:{get_remote_address()}"


def iin_start_limit(limiter: Limiter, settings: Settings) -> Callable:
    """``settings.ratelimit_per_iin`` on starting an enrolment: one budget per IIN for the page
    (``POST /start``) and the API (``POST /api/v1/enrolments``) together, not one each."""
    return limiter.shared_limit(
        settings.ratelimit_per_iin,
        scope=IIN_START_SCOPE,
        key_func=iin_key,
        methods=["POST"],
        override_defaults=False,
    )


def redacted_url(url: str) -> str:
    """``url`` with any password replaced by ``***`` (for messages and logs)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = f"{parts.username}:***@" if parts.username else ":***@"
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc=user + host))


def _shared(settings: Settings) -> bool:
    return not settings.ratelimit_storage_url.startswith("memory://")


def make_limiter(app: Flask, settings: Settings) -> Limiter:
    """A limiter on the configured storage (memory:// per process, redis://... shared).

    Raises :class:`SettingsError` when a Redis storage is configured and does not answer.
    """
    shared = _shared(settings) and settings.ratelimit_enabled
    options = (
        {"socket_connect_timeout": REDIS_TIMEOUT_SECONDS, "socket_timeout": REDIS_TIMEOUT_SECONDS}
        if shared
        else {}
    )
    limiter = Limiter(
        get_remote_address,
        app=app,
        storage_uri=settings.ratelimit_storage_url,
        storage_options=options,
        enabled=settings.ratelimit_enabled,
        headers_enabled=True,
        strategy="moving-window",
        swallow_errors=False,
        in_memory_fallback_enabled=False,
    )
    if shared:
        if not limiter.storage.check():
            raise SettingsError(
                "EDS_RATELIMIT_STORAGE_URL: the rate-limit store "
                f"{redacted_url(settings.ratelimit_storage_url)} does not answer. Start Redis or fix the "
                "URL (rate limits are shared through it, so the service does not start without it)."
            )
        _answer_503_while_storage_is_down(app, limiter)
    return limiter


def _answer_503_while_storage_is_down(app: Flask, limiter: Limiter) -> None:
    @app.errorhandler(limiter.storage.base_exceptions)
    def _storage_down(error: Exception) -> Response | tuple:
        log.error("rate-limit store unreachable, refusing %s %s: %s", request.method, request.path, error)
        if request.path.startswith("/api/"):
            response = problem(503, "Service unavailable", STORAGE_DOWN_MESSAGE, "service_unavailable")
        else:
            message = i18n.error_message("service_unavailable", STORAGE_DOWN_MESSAGE)
            response = app.make_response((render_template("error.html", message=message), 503))
        response.headers["Retry-After"] = str(STORAGE_DOWN_RETRY_AFTER)
        return response
