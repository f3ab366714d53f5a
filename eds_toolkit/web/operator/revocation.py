"""/operator/certificates/<serial>/revoke: choose the certificates (the whole pair by default), the RFC
5280 reason and a note; review what will be revoked; confirm. The work is in
``eds_toolkit.operators.revocation``."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import flash, redirect, render_template, request, url_for

from eds_toolkit.compromised_since import FIELD
from eds_toolkit.core.refusals import InvalidInput, Refusal
from eds_toolkit.operators.revocation import OPERATOR_REASONS, pair_of, revocation_request, revoke
from eds_toolkit.operators.roles import Permission
from eds_toolkit.web.context import client_address, flow_context
from eds_toolkit.web.i18n import error_message, translate
from eds_toolkit.web.operator.access import bp, current, requires
from eds_toolkit.web.operator.certificates import page_texts


def _form(
    serial: str, *, error: str | None = None, error_field: str | None = None, status: int = 200, **chosen
):
    ctx = flow_context()
    pair = pair_of(ctx, serial)
    selected = chosen.get("selected")
    if selected is None:  # the whole pair, as far as it can still be revoked
        selected = [row.serial for row in pair if row.status == "valid"]
    zone = ZoneInfo(ctx.time_zone)
    page = render_template(
        "operator/revoke.html",
        pair=pair,
        selected=selected,
        reason=chosen.get("reason", ""),
        note=chosen.get("note", ""),
        compromised_since=chosen.get("compromised_since", ""),
        today=ctx.now().astimezone(zone).date().isoformat(),
        issued_on=min(row.not_before for row in pair).astimezone(zone).date().isoformat(),
        reasons=OPERATOR_REASONS,
        error=error,
        error_field=error_field,
        **page_texts(),
    )
    return page, status


def _field_of(code: str) -> str | None:
    """The form field a refusal is about (its error is tied to it)."""
    return FIELD if code.startswith("compromise_date") else None


@bp.get("/certificates/<serial>/revoke")
@requires(Permission.REVOKE)
def revoke_form(serial: str):
    return _form(serial)


@bp.post("/certificates/<serial>/revoke")
@requires(Permission.REVOKE)
def revoke_certificates(serial: str):
    """``step=review`` shows what will be revoked; ``step=confirm`` (from that page) revokes."""
    form = request.form
    chosen = {
        "selected": form.getlist("serials"),
        "reason": form.get("reason", ""),
        "note": form.get("note", ""),
        "compromised_since": form.get(FIELD, ""),
    }
    ctx = flow_context()
    pair = pair_of(ctx, serial)
    try:
        asked = revocation_request(
            pair,
            chosen["selected"],
            chosen["reason"],
            chosen["note"],
            compromised_since=chosen["compromised_since"],
            now=ctx.now(),
            time_zone=ctx.time_zone,
        )
    except InvalidInput as error:
        message = error_message(error.code, error.message, **error.extra)
        return _form(serial, error=message, error_field=_field_of(error.code), status=422, **chosen)
    if form.get("step") != "confirm":
        rows = [row for row in pair if row.serial in asked.serials]
        return render_template(
            "operator/revoke_review.html", pair=pair, rows=rows, asked=asked, **page_texts()
        )
    try:
        done = revoke(flow_context(), current(), asked, client_address=client_address())
    except Refusal as error:
        message = error_message(error.code, error.message, **error.extra)
        return _form(serial, error=message, status=error.status, **chosen)
    if done.crl_number is not None:
        flash(
            translate(
                "Revoked: {count}. CRL number {number} published.",
                count=len(done.serials),
                number=done.crl_number,
            )
        )
    else:
        flash(translate("Revoked: {count}. The next scheduled CRL will list them.", count=len(done.serials)))
    return redirect(url_for("operator.certificate", serial=asked.serial))
