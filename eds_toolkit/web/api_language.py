"""The language of a JSON API answer: the body's ``language``, else Accept-Language, else the language
the enrolment was started in, else English. Used for problem ``detail`` texts and the steps' SMS."""

from __future__ import annotations

from flask import current_app, request

from eds_toolkit.flow.models import Enrolment
from eds_toolkit.web.i18n import LANGUAGES


def requested_language() -> str | None:
    """The language this request asks for (body ``language``, then Accept-Language), or None."""
    data = request.get_json(silent=True) if request.is_json else None
    asked = data.get("language") if isinstance(data, dict) else None
    if isinstance(asked, str) and asked.lower() in LANGUAGES:
        return asked.lower()
    if request.headers.get("Accept-Language"):
        return request.accept_languages.best_match(LANGUAGES)
    return None


def answer_language() -> str:
    """The language to answer in: as requested, else the enrolment's own (from the URL), else English."""
    asked = requested_language()
    if asked:
        return asked
    enrolment_id = (request.view_args or {}).get("enrolment_id")
    context = current_app.extensions.get("eds_flow")
    if enrolment_id and context is not None:
        with context.session() as session:
            enrolment = session.get(Enrolment, enrolment_id)
            stored = enrolment.language if enrolment is not None else None
        if stored in LANGUAGES:
            return stored
    return "en"
