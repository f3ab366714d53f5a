"""The language of a JSON API answer: the body's ``language``, else ``?lang=``, else Accept-Language, else
the language the enrolment was started in, else English. Used for every text of an answer under /api/
(problem ``detail``, messages, verdicts) and for the steps' SMS."""

from __future__ import annotations

from flask import request
from werkzeug.exceptions import RequestEntityTooLarge

from eds_toolkit.db import DATABASE_DOWN
from eds_toolkit.flow.models import Enrolment
from eds_toolkit.web.context import flow_context
from eds_toolkit.web.i18n import LANGUAGES


def requested_language() -> str | None:
    """The language this request asks for (body ``language``, ``?lang=``, then Accept-Language), or None."""
    try:
        data = request.get_json(silent=True) if request.is_json else None
    except RequestEntityTooLarge:  # answering the refusal of that very body: it cannot be read
        data = None
    asked = data.get("language") if isinstance(data, dict) else None
    if isinstance(asked, str) and asked.lower() in LANGUAGES:
        return asked.lower()
    if request.args.get("lang") in LANGUAGES:
        return request.args["lang"]
    if request.headers.get("Accept-Language"):
        return request.accept_languages.best_match(LANGUAGES)
    return None


def answer_language() -> str:
    """The language to answer in: as requested, else the enrolment's own (from the URL), else English."""
    asked = requested_language()
    if asked:
        return asked
    enrolment_id = (request.view_args or {}).get("enrolment_id")
    if enrolment_id:
        try:
            with flow_context().session() as session:
                enrolment = session.get(Enrolment, enrolment_id)
                stored = enrolment.language if enrolment is not None else None
        except DATABASE_DOWN:  # answering that the database is down: in English rather than not at all
            return "en"
        if stored in LANGUAGES:
            return stored
    return "en"
