"""Rate limits (Flask-Limiter): per client address, and per IIN on the steps that take an IIN.

The limiter is created here, at import time, and initialised per app with ``limiter.init_app(app)``; the
limit values are callables reading the app's settings, so one declaration serves every app.

Storage: ``memory://`` (per process) or Redis (shared by every worker). With Redis the service
fails closed: it does not start while the configured server does not answer, and while Redis is
down at run time a rate-limited request gets a 503 rather than an unlimited pass or a per-worker
fallback (either would multiply the SMS and per-IIN budgets without anyone noticing).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit, urlunsplit
from weakref import WeakKeyDictionary

from flask import Flask, current_app, has_app_context, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from eds_toolkit.settings import Settings, SettingsError
from eds_toolkit.web.context import flow_context, settings

# a dead or unreachable Redis must answer within a bounded time, never hang a worker
REDIS_TIMEOUT_SECONDS = 2.0
IIN_START_SCOPE = "iin-start"  # the bucket the page's and the API's starts share per IIN


def _kept_per_app(name: str) -> property:
    def get(self: AppScopedLimiter) -> Any:
        state = self._state()
        return state[name] if name in state else self._defaults[name]

    def set_(self: AppScopedLimiter, value: Any) -> None:
        self._state()[name] = value

    return property(get, set_)


class AppScopedLimiter(Limiter):
    """A Limiter whose storage and on/off switch belong to each app it is initialised on.

    Flask-Limiter keeps them on the Limiter itself, so with one module-level limiter the last
    ``init_app`` would decide for every app of the process (two test apps standing for two workers
    would share one ``memory://`` count). The routes' limits stay declared once, on this object.
    """

    enabled = _kept_per_app("enabled")
    initialized = _kept_per_app("initialized")
    _storage = _kept_per_app("_storage")
    _limiter = _kept_per_app("_limiter")
    _storage_dead = _kept_per_app("_storage_dead")
    _storage_options = _kept_per_app("_storage_options")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._apps: WeakKeyDictionary[Flask, dict[str, Any]] = WeakKeyDictionary()
        self._defaults: dict[str, Any] = {}  # what __init__ sets, read before an app has its own
        super().__init__(*args, **kwargs)

    def init_app(self, app: Flask) -> None:
        with app.app_context():  # what init_app sets lands on this app's state
            self._storage_options = {}
            super().init_app(app)

    def _state(self) -> dict[str, Any]:
        if has_app_context():
            return self._apps.setdefault(current_app._get_current_object(), {})
        return self._defaults


limiter = AppScopedLimiter(
    key_func=get_remote_address,
    headers_enabled=True,
    strategy="moving-window",
    swallow_errors=False,
    in_memory_fallback_enabled=False,
)


def per_address_limit() -> str:
    """``EDS_RATELIMIT_PER_ADDRESS`` of the app answering."""
    return settings().ratelimit_per_address


def per_iin_limit() -> str:
    """``EDS_RATELIMIT_PER_IIN`` of the app answering."""
    return settings().ratelimit_per_iin


def iin_key() -> str:
    """The IIN in a JSON or form body (digits only) as the audit log's keyed hash, else the client address.

    Flask-Limiter logs the key of every limit it enforces and keeps it in its store: never the IIN itself.
    """
    data = request.get_json(silent=True) if request.is_json else request.form
    value = (data or {}).get("iin") if hasattr(data, "get") else None
    digits = "".join(ch for ch in str(value or "") if ch.isdigit())
    return f"iin:{flow_context().iin_hash(digits)}" if digits else f"addr:{get_remote_address()}"


per_address_on_post = limiter.limit(per_address_limit, methods=["POST"])
"""The per-address limit on a page's POST (its GET stays free)."""

iin_start_limit = limiter.shared_limit(
    per_iin_limit, scope=IIN_START_SCOPE, key_func=iin_key, methods=["POST"], override_defaults=False
)
"""``ratelimit_per_iin`` on starting an enrolment: one budget per IIN for the page (``POST /start``) and
the API (``POST /api/v1/enrolments``) together, not one each."""


def redacted_url(url: str) -> str:
    """``url`` with any password replaced by ``***`` (for messages and logs)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = f"{parts.username}:***@" if parts.username else ":***@"
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc=user + host))


def shared_storage(config: Settings) -> bool:
    """True when the limits are on and counted in a store every worker shares (Redis)."""
    return config.ratelimit_enabled and not config.ratelimit_storage_url.startswith("memory://")


def limiter_config(config: Settings) -> dict[str, Any]:
    """The app config Flask-Limiter reads in ``init_app``."""
    options = (
        {"socket_connect_timeout": REDIS_TIMEOUT_SECONDS, "socket_timeout": REDIS_TIMEOUT_SECONDS}
        if shared_storage(config)
        else {}
    )
    return {
        "RATELIMIT_ENABLED": config.ratelimit_enabled,
        "RATELIMIT_STORAGE_URI": config.ratelimit_storage_url,
        "RATELIMIT_STORAGE_OPTIONS": options,
    }


def init_limits(app: Flask, config: Settings) -> None:
    """Initialise the limiter on ``app`` (its config from :func:`limiter_config`).

    Raises :class:`SettingsError` when a Redis storage is configured and does not answer.
    """
    limiter.init_app(app)
    if not shared_storage(config):
        return
    with app.app_context():
        answers = limiter.storage.check()
    if not answers:
        raise SettingsError(
            "EDS_RATELIMIT_STORAGE_URL: the rate-limit store "
            f"{redacted_url(config.ratelimit_storage_url)} does not answer. Start Redis or fix the "
            "URL (rate limits are shared through it, so the service does not start without it)."
        )


def storage_errors(app: Flask, config: Settings) -> tuple[type[Exception], ...]:
    """What ``app``'s shared rate-limit store raises when it is down (nothing for memory://)."""
    if not shared_storage(config):
        return ()
    with app.app_context():
        errors = limiter.storage.base_exceptions
    return errors if isinstance(errors, tuple) else (errors,)
