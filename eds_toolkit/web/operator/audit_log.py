"""The audit log page: filters, newest first, the chain's state, and a JSON-lines export of the filtered
events (``operators.audit_log``). Filters travel in POSTed forms, never in the address: a typed IIN must
not reach an access log, the browser's history or a Referer. Viewing and exporting are audited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from zoneinfo import ZoneInfo

from flask import Response, make_response, render_template, request, stream_with_context

from eds_toolkit.core import audit
from eds_toolkit.core.refusals import InvalidInput, Refusal
from eds_toolkit.operators import audit_log as log
from eds_toolkit.operators.registry import operators
from eds_toolkit.operators.roles import Permission
from eds_toolkit.translations import N_
from eds_toolkit.web.context import client_address, flow_context, settings
from eds_toolkit.web.i18n import error_message
from eds_toolkit.web.operator.access import bp, current, requires, section

OUTCOMES = (audit.OK, audit.REFUSED, audit.UNDONE, "referred")
FIELDS = ("action", "outcome", "since", "until", "operator", "iin")


@bp.get("/audit")
@section(Permission.AUDIT_LOG, N_("Audit log"))
def audit_log():
    """The newest events, unfiltered."""
    return _log_page({})


@bp.post("/audit")
@requires(Permission.AUDIT_LOG)
def audit_search():
    """The filtered events (older pages: ``before``; ``check=whole``: walk the whole chain now)."""
    return _log_page(request.form)


def _log_page(form: Mapping[str, str]) -> Response:
    ctx = flow_context()
    typed = {name: (form.get(name) or "").strip() for name in FIELDS}
    status, error = 200, None
    try:
        filters = _filters(typed)
        before = _positive(form.get("before"))
    except Refusal as refused:
        filters, before, status = log.AuditFilter(), None, refused.status
        error = error_message(refused.code, refused.message, **refused.extra)
    page = log.events(ctx, filters, before_seq=before) if error is None else log.LogPage([], None)
    chain = log.chain_state(ctx, whole=form.get("check") == "whole")
    if error is None:
        log.record_viewing(
            ctx,
            current(),
            "audit_log_viewed",
            filters,
            client_address=client_address(),
            shown=len(page.events),
            before=before,
        )
    names = {view.id: view.name for view in operators(ctx)}
    body = render_template(
        "operator/audit_log.html",
        page=page,
        chain=chain,
        typed=typed,
        outcomes=OUTCOMES,
        operator_names=names,
        whole_chain_checked_at=_instant(chain.whole_chain_checked_at),
        error=error,
    )
    return make_response(body, status)


@bp.post("/audit/export")
@requires(Permission.AUDIT_LOG)
def audit_export() -> Response:
    """The filtered events as JSON lines, in chain order, as ``eds audit export`` writes them."""
    ctx = flow_context()
    typed = {name: (request.form.get(name) or "").strip() for name in FIELDS}
    filters = _filters(typed)
    export = log.prepare_export(ctx, filters)
    log.record_viewing(
        ctx,
        current(),
        "audit_log_exported",
        filters,
        client_address=client_address(),
        events=export.count,
        upto=export.upto,
    )
    stamp = ctx.now().strftime("%Y%m%dT%H%M%SZ")
    return Response(
        stream_with_context(log.export_lines(ctx, export)),
        mimetype="application/x-ndjson",
        headers={
            "Content-Disposition": f'attachment; filename="audit-events-{stamp}.jsonl"',
            "Cache-Control": "no-store",
        },
    )


def _instant(timestamp: float | None) -> dt.datetime | None:
    return dt.datetime.fromtimestamp(timestamp, dt.UTC) if timestamp is not None else None


def _filters(typed: dict[str, str]) -> log.AuditFilter:
    zone = ZoneInfo(settings().time_zone)
    return log.AuditFilter(
        action=typed["action"][:40] or None,
        outcome=typed["outcome"][:12] or None,
        since=_moment(typed["since"], zone),
        until=_moment(typed["until"], zone),
        operator_id=_operator(typed["operator"]),
        iin="".join(typed["iin"].split()) or None,
    )


def _moment(text: str, zone: ZoneInfo) -> dt.datetime | None:
    """A ``datetime-local`` value (or a date) in the service's time zone, as UTC."""
    if not text:
        return None
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{text!r} is not a date and time.", code="invalid_time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.astimezone(dt.UTC)


def _operator(text: str) -> int | None:
    if not text:
        return None
    if not text.isdigit():
        raise InvalidInput("Choose an operator from the list.", code="invalid_operator")
    return int(text)


def _positive(text: str | None) -> int | None:
    return int(text) if text and text.isdigit() and int(text) > 0 else None
