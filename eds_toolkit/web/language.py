"""The language of every answer, and the pages' language switch: ``GET /language/<code>?next=<path>``
stores the choice and goes back to a page.

The switch works from any page, including one rendered by a refused POST (whose own URL cannot be opened with
GET). ``next`` is followed only when it is a path on this site that answers GET; anything else (another
host, a scheme, a POST-only route) goes to the page of the citizen's current step instead.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, Response, abort, current_app, redirect, request, session, url_for
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

from eds_toolkit.web import i18n
from eds_toolkit.web.api_language import answer_language
from eds_toolkit.web.i18n import LANGUAGES

bp = Blueprint("language", __name__)


def request_language() -> str:
    """The one rule for the language of an answer (Flask-Babel's locale selector): under /api/ the API's
    (``api_language.answer_language``), elsewhere the pages' (``i18n.select_locale``: ``?lang=``, the
    session, Accept-Language)."""
    if request.path.startswith("/api/"):
        return answer_language()
    return i18n.select_locale()


@bp.get("/language/<code>")
def switch(code: str) -> Response:
    if code not in LANGUAGES:
        abort(404)
    session["lang"] = code
    return redirect(safe_return_path(request.args.get("next")) or url_for("flow.resume"))


def safe_return_path(target: str | None) -> str | None:
    """``target`` when it is a same-site path (and query) that a GET can open, else None."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(ch) < 0x21 or ord(ch) == 0x7F for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    adapter = current_app.url_map.bind_to_environ(request.environ)
    try:
        endpoint, _ = adapter.match(parts.path, method="GET")
    except (HTTPException, RequestRedirect):
        return None
    if endpoint in ("static", "language.switch"):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


@bp.app_context_processor
def _template_helpers() -> dict:
    """What every template uses: ``_`` (translate), the page's language and the switch's links."""
    return {
        "_": i18n.translate,
        "language": i18n.current_language(),
        "languages": i18n.LANGUAGE_NAMES,
        "language_switch_url": switch_url,
    }


def switch_url(code: str) -> str:
    """The link that switches to ``code`` and comes back to this page (or to the current step)."""
    here = request.full_path.rstrip("?") if request.method == "GET" else request.path
    return url_for("language.switch", code=code, next=here)
