"""/operator/expiring: valid certificates expiring within 7, 30 or 90 days, counted by week, and their
CSV. The work is in ``eds_toolkit.operators.expiring``."""

from __future__ import annotations

from flask import Response, render_template, request

from eds_toolkit.core.refusals import InvalidInput
from eds_toolkit.operators import expiring as wave
from eds_toolkit.operators.roles import Permission
from eds_toolkit.translations import N_
from eds_toolkit.web.context import client_address, flow_context, settings
from eds_toolkit.web.i18n import error_message
from eds_toolkit.web.operator.access import bp, current, requires, section
from eds_toolkit.web.operator.certificates import page_texts


@bp.get("/expiring")
@section(Permission.EXPIRING, N_("Expiring certificates"))
def expiring():
    try:
        days = wave.window(request.args.get("days"))
    except InvalidInput as error:
        message = error_message(error.code, error.message, **error.extra)
        return render_template(
            "operator/expiring.html", report=None, windows=wave.WINDOWS, days=None, error=message
        ), 422
    try:
        page = int(request.args.get("page", "1") or 1)
    except ValueError:
        page = 1
    report = wave.report(flow_context(), days, settings().time_zone, page=page)
    return render_template(
        "operator/expiring.html", report=report, windows=wave.WINDOWS, days=days, **page_texts()
    )


@bp.get("/expiring.csv")
@requires(Permission.EXPIRING)
def expiring_csv():
    try:
        days = wave.window(request.args.get("days"))
    except InvalidInput as error:
        return Response(error_message(error.code, error.message) + "\n", status=422, mimetype="text/plain")
    chunks = wave.csv_export(
        flow_context(), current(), days, settings().time_zone, client_address=client_address()
    )
    filename = f"expiring-{days}-days.csv"
    return Response(
        chunks,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
