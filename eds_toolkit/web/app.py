"""The app factory: settings -> the service's objects, extensions, blueprints, one error renderer."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from eds_toolkit.bootstrap import prepare_instance
from eds_toolkit.db import make_engine
from eds_toolkit.flow.unsent_codes import UnsentCodeSweeper
from eds_toolkit.jobs import make_check_queue
from eds_toolkit.logs import configure_logging
from eds_toolkit.services import build_service_context
from eds_toolkit.settings import Settings
from eds_toolkit.translations import TRANSLATIONS_DIR
from eds_toolkit.web import (
    api,
    cabinet,
    cabinet_certificate_signin,  # noqa: F401  (its routes are on cabinet.bp)
    cabinet_renewal,
    cabinet_revocation,
    identify_api,
    identify_pages,
    language,
    metrics,
    operator,
    pages,
    pki,
    registration_api,
    renewal_api,
    residence,
)
from eds_toolkit.web.context import EXTENSION, Service
from eds_toolkit.web.extensions import babel, csrf
from eds_toolkit.web.identify_uploads import raise_upload_limit, resolved_identification
from eds_toolkit.web.json_parsing import GuardedJSONProvider, ServiceRequest
from eds_toolkit.web.limits import init_limits, limiter_config
from eds_toolkit.web.local_time import local_time
from eds_toolkit.web.refusals import register_error_handlers
from eds_toolkit.web.security import install_security_headers

BLUEPRINTS = (
    api.bp,
    pages.bp,
    cabinet.bp,
    cabinet_renewal.bp,
    cabinet_revocation.bp,
    identify_api.bp,
    identify_pages.bp,
    pki.bp,
    registration_api.bp,
    residence.bp,
    renewal_api.bp,
    operator.bp,
    language.bp,
    metrics.bp,
)


def flask_config(settings: Settings) -> dict:
    """The Flask (and extensions') configuration of ``settings``."""
    return {
        "SECRET_KEY": settings.secret_key,
        "MAX_CONTENT_LENGTH": settings.max_content_length,
        # __Host-: the browser keeps it only if Secure, for this host, path / (no subdomain can set it)
        "SESSION_COOKIE_NAME": "__Host-eds_session" if settings.secure_cookies else "eds_session",
        "SESSION_COOKIE_SECURE": settings.secure_cookies,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "PERMANENT_SESSION_LIFETIME": settings.enrolment_ttl,
        "WTF_CSRF_TIME_LIMIT": settings.enrolment_ttl,
        "WTF_CSRF_SSL_STRICT": settings.secure_cookies,
        "JSON_SORT_KEYS": False,
        "BABEL_DEFAULT_TIMEZONE": settings.time_zone,  # flask_babel.format_datetime's zone, as local_time's
        "BABEL_TRANSLATION_DIRECTORIES": str(TRANSLATIONS_DIR),  # the catalogues i18n.translate reads
        **limiter_config(settings),
    }


def create_app(config: Settings | None = None) -> Flask:
    """Build the citizen web service. Without ``config``, settings come from ``EDS_*`` variables."""
    settings = config or Settings.from_env()
    configure_logging()
    settings = replace(settings, identify=resolved_identification(settings))
    app = Flask(__name__)
    app.request_class = ServiceRequest  # a JSON body that does not parse: 400 json_invalid
    app.json = GuardedJSONProvider(app)
    app.config.update(flask_config(settings))
    if proxies := settings.trusted_proxies:  # client addresses (rate limits, audit) and https from them
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)

    engine = make_engine(settings.database_url)
    flow = build_service_context(settings, engine)
    prepare_instance(settings, engine, flow.sessions)
    checks = make_check_queue(settings.queue_url, flow)
    app.extensions[EXTENSION] = Service(settings=settings, flow=flow, engine=engine, checks=checks)
    metrics.init_metrics(app)  # first: its request clock starts before the other hooks run

    babel.init_app(app, locale_selector=language.request_language)
    app.before_request(raise_upload_limit)  # before CSRFProtect's check, which reads the form
    csrf.init_app(app)
    init_limits(app, settings)
    install_security_headers(app, hsts=settings.secure_cookies)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    app.add_template_filter(local_time)
    register_error_handlers(app)
    return app


def start_background_work(app: Flask) -> None:
    """The threads a serving process runs beside its requests (``eds serve``, ``eds_toolkit.wsgi``; the
    tests' apps run none): codes whose process died before sending them are sent again."""
    svc = app.extensions[EXTENSION]
    seconds = svc.settings.resend_unsent_sms_seconds
    if seconds:
        waited = dt.timedelta(seconds=seconds)
        UnsentCodeSweeper(svc.flow, waited=waited, every=max(1.0, seconds / 3)).start()
