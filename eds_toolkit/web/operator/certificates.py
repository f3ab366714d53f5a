"""/operator/certificates: search by IIN, serial or status, and one certificate's page (its history and
what OCSP and the CRLs say now). The work is in ``eds_toolkit.operators.certificates``."""

from __future__ import annotations

from flask import get_flashed_messages, render_template, request

from eds_toolkit.core.refusals import InvalidInput
from eds_toolkit.operators.certificates import SearchCriteria, certificate_history, search, search_criteria
from eds_toolkit.operators.revocation import rfc5280_name
from eds_toolkit.operators.roles import Permission
from eds_toolkit.translations import N_
from eds_toolkit.web import history_text
from eds_toolkit.web.context import client_address, flow_context
from eds_toolkit.web.i18n import error_message
from eds_toolkit.web.operator import certificate_texts as texts
from eds_toolkit.web.operator.access import bp, current, requires, section


def page_texts() -> dict:
    """What the certificate templates need to put the store's codes into words."""
    return {
        "status_words": texts.STATUS_WORDS,
        "reason_words": texts.REASON_WORDS,
        "rfc5280_name": rfc5280_name,
    }


def event_sentence(action: str, outcome: str, reason: str | None) -> str:
    """An audit event in words: the console's own actions done, else the citizen's history sentence told
    about the holder (never "your ...")."""
    if outcome == "ok" and action in texts.CONSOLE_ACTIONS:
        return texts.CONSOLE_ACTIONS[action]
    sentence = history_text.sentence_for(action, outcome, reason)
    return texts.ABOUT_THE_HOLDER.get(sentence, sentence)


@bp.get("/certificates")
@section(Permission.SEARCH, N_("Certificates"))
def certificates():
    args = request.args
    typed = {name: args.get(name, "") for name in ("iin", "serial", "status")}
    try:
        criteria = search_criteria(**typed)
        page = int(args.get("page", "1") or 1)
    except InvalidInput as error:
        message = error_message(error.code, error.message, **error.extra)
        return render_template("operator/certificates.html", typed=typed, error=message, **page_texts()), 422
    except ValueError:
        page = 1
    result = None
    if not criteria.empty:
        result = search(flow_context(), current(), criteria, page=page, client_address=client_address())
    return render_template(
        "operator/certificates.html", typed=typed, result=result, query=_query(criteria), **page_texts()
    )


@bp.get("/certificates/<serial>")
@requires(Permission.SEARCH)
def certificate(serial: str):
    history = certificate_history(flow_context(), current(), serial, client_address=client_address())
    return render_template(
        "operator/certificate.html",
        history=history,
        notices=get_flashed_messages(),
        may_revoke=current().operator.may(Permission.REVOKE),
        event_sentence=event_sentence,
        origin_words=texts.ORIGIN_WORDS,
        revoked_by_words=texts.REVOKED_BY_WORDS,
        not_recorded=texts.NOT_RECORDED,
        ocsp_words=texts.OCSP_WORDS,
        **page_texts(),
    )


def _query(criteria: SearchCriteria) -> dict:
    """The search's criteria as query arguments, for the pages' links."""
    return {
        key: value
        for key, value in (
            ("iin", criteria.iin),
            ("serial", criteria.serial_prefix),
            ("status", criteria.status),
        )
        if value
    }
