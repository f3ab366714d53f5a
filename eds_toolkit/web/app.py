"""The app factory: settings -> database, flow context, blueprints, security, limits, languages."""

from __future__ import annotations

from flask import Flask, Response, render_template, request
from flask_babel import Babel
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import MethodNotAllowed, NotFound, RequestEntityTooLarge

from eds_toolkit.bootstrap import prepare_instance
from eds_toolkit.db import make_engine
from eds_toolkit.logs import configure_logging
from eds_toolkit.services import build_flow_context
from eds_toolkit.settings import Settings
from eds_toolkit.web import i18n
from eds_toolkit.web.problems import problem
from eds_toolkit.web.security import install_security_headers


def create_app(config: Settings | None = None) -> Flask:
    """Build the citizen web service. Without ``config``, settings come from ``EDS_*`` variables."""
    settings = config or Settings.from_env()
    configure_logging()
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=settings.max_content_length,
        # __Host-: the browser keeps it only if Secure, for this host, path / (no subdomain can set it)
        SESSION_COOKIE_NAME="__Host-eds_session" if settings.secure_cookies else "eds_session",
        SESSION_COOKIE_SECURE=settings.secure_cookies,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=settings.enrolment_ttl,
        WTF_CSRF_TIME_LIMIT=settings.enrolment_ttl,
        WTF_CSRF_SSL_STRICT=settings.secure_cookies,
        JSON_SORT_KEYS=False,
    )
    if settings.trusted_proxies:
        from werkzeug.middleware.proxy_fix import ProxyFix

        # client addresses (rate limits, audit) and https come from the proxies' headers
        app.wsgi_app = ProxyFix(
            app.wsgi_app, x_for=settings.trusted_proxies, x_proto=settings.trusted_proxies
        )
    engine = make_engine(settings.database_url)
    context = build_flow_context(settings, engine)
    prepare_instance(settings, engine, context.sessions)
    app.extensions["eds_flow"] = context
    app.extensions["eds_settings"] = settings
    app.extensions["eds_engine"] = engine

    Babel(app, locale_selector=i18n.select_locale)
    from eds_toolkit.web.identify_uploads import install_identification_settings

    install_identification_settings(app, settings)  # before CSRFProtect: sets the upload limit it reads under
    csrf = CSRFProtect(app)
    install_security_headers(app, hsts=settings.secure_cookies)

    from eds_toolkit.web.api import make_api_blueprint
    from eds_toolkit.web.cabinet import make_cabinet_blueprint
    from eds_toolkit.web.limits import make_limiter
    from eds_toolkit.web.pages import make_pages_blueprint
    from eds_toolkit.web.pki import pki

    limiter = make_limiter(app, settings)
    app.extensions["eds_limiter"] = limiter  # Flask-Limiter keeps only a weak reference
    api = make_api_blueprint(limiter, settings)
    csrf.exempt(api)  # the API authenticates with a bearer token, not a cookie
    csrf.exempt(pki)  # OCSP requests are public and change nothing
    app.register_blueprint(api)
    app.register_blueprint(make_pages_blueprint(limiter, settings))
    app.register_blueprint(make_cabinet_blueprint(limiter, settings))
    from eds_toolkit.web.identify_api import make_identify_api_blueprint
    from eds_toolkit.web.identify_pages import make_identify_pages_blueprint

    identify_api = make_identify_api_blueprint(limiter, settings)
    csrf.exempt(identify_api)  # bearer token, like /api/v1
    app.register_blueprint(identify_api)
    app.register_blueprint(make_identify_pages_blueprint(limiter, settings))
    app.register_blueprint(pki)
    from eds_toolkit.web.registration_api import make_registration_blueprint

    registration_api = make_registration_blueprint(limiter, settings)
    csrf.exempt(registration_api)  # bearer token / SMS code, like /api/v1
    app.register_blueprint(registration_api)
    from eds_toolkit.web.renewal_api import make_renewal_blueprint

    renewal_api = make_renewal_blueprint(limiter, settings)
    csrf.exempt(renewal_api)  # no cookie: the AUTH signature authenticates
    app.register_blueprint(renewal_api)
    from eds_toolkit.web.language import language, switch_url

    app.register_blueprint(language)

    @app.context_processor
    def _template_helpers() -> dict:
        return {
            "_": i18n.translate,
            "language": i18n.current_language(),
            "languages": i18n.LANGUAGE_NAMES,
            "language_switch_url": switch_url,
        }

    def _refusal(status: int, code: str, english: str, **extra: object) -> Response | tuple:
        if request.path.startswith("/api/"):
            return problem(status, "Request refused", english, code, **extra)
        message = i18n.error_message(code, english)
        return render_template("error.html", message=message), status

    @app.errorhandler(NotFound)
    def _not_found(error: NotFound):
        if request.path.startswith("/api/"):
            return problem(404, "Not found", "There is no such API resource.", "not_found")
        return _refusal(404, "page_not_found", "There is no such page. Start again from the first page.")

    @app.errorhandler(MethodNotAllowed)
    def _wrong_method(error: MethodNotAllowed):
        allowed = ", ".join(sorted(error.valid_methods or []))
        if request.path.startswith("/api/"):
            response = problem(405, "Method not allowed", f"Use {allowed} here.", "method_not_allowed")
        else:
            response = app.make_response(
                _refusal(
                    405,
                    "method_not_allowed",
                    "This address cannot be opened directly: go back and use the buttons on the page.",
                )
            )
        response.headers["Allow"] = allowed
        return response

    @app.errorhandler(CSRFError)
    def _csrf(error: CSRFError):
        return _refusal(400, "csrf", "The form has expired or did not come from this site. Reload the page.")

    @app.errorhandler(RequestEntityTooLarge)
    def _too_large(error: RequestEntityTooLarge):
        limit = settings.max_content_length // 1024
        return _refusal(413, "too_large", f"What you sent is too large: the limit is {limit} KiB.")

    @app.errorhandler(RateLimitExceeded)
    def _rate_limited(error: RateLimitExceeded):
        return _refusal(
            429, "rate_limited", "Too many requests: please wait a little and try again.", retry_after=60
        )

    return app
