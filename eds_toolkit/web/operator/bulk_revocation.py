"""/operator/bulk-revocations: propose a bulk revocation (serials or IINs pasted or uploaded), and a
second CA administrator approves or rejects it. The work is in ``eds_toolkit.operators.bulk_revocation``."""

from __future__ import annotations

from flask import flash, get_flashed_messages, redirect, render_template, request, url_for

from eds_toolkit.core.refusals import InvalidInput, NotFound, Refusal
from eds_toolkit.operators import bulk_revocation as bulk
from eds_toolkit.operators.revocation import OPERATOR_REASONS
from eds_toolkit.operators.roles import Permission
from eds_toolkit.translations import N_
from eds_toolkit.web.context import client_address, flow_context
from eds_toolkit.web.i18n import error_message, translate
from eds_toolkit.web.operator import certificate_texts as texts
from eds_toolkit.web.operator.access import bp, current, requires, section
from eds_toolkit.web.operator.certificates import page_texts


def _list_page(*, error: str | None = None, status: int = 200, typed: dict | None = None):
    page = render_template(
        "operator/bulk.html",
        proposals=bulk.proposals(flow_context()),
        reasons=OPERATOR_REASONS,
        typed=typed or {"kind": "serials", "entries": "", "reason": "", "note": ""},
        states=texts.PROPOSAL_STATES,
        limit=bulk.MAX_ENTRIES,
        error=error,
        notices=get_flashed_messages(),
        **page_texts(),
    )
    return page, status


@bp.get("/bulk-revocations")
@section(Permission.BULK_REVOKE, N_("Bulk revocation"))
def bulk_revocations():
    return _list_page()


@bp.post("/bulk-revocations")
@requires(Permission.BULK_REVOKE)
def propose_bulk_revocation():
    form = request.form
    typed = {key: form.get(key, "") for key in ("kind", "entries", "reason", "note")}
    text = typed["entries"]
    upload = request.files.get("file")
    if upload is not None and upload.filename:
        try:
            text = upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            message = translate("The uploaded list is not a text file (UTF-8).")
            return _list_page(error=message, status=422, typed=typed)
    try:
        made = bulk.propose(
            flow_context(),
            current(),
            text,
            typed["kind"],
            typed["reason"],
            typed["note"],
            client_address=client_address(),
        )
    except InvalidInput as error:
        return _list_page(
            error=error_message(error.code, error.message, **error.extra), status=422, typed=typed
        )
    flash(
        translate("Proposal {id} made: another CA administrator must approve it within 24 hours.", id=made.id)
    )
    return redirect(url_for("operator.bulk_proposal", proposal_id=made.id))


@bp.get("/bulk-revocations/<proposal_id>")
@requires(Permission.BULK_REVOKE)
def bulk_proposal(proposal_id: str):
    return _proposal_page(_number(proposal_id))


@bp.post("/bulk-revocations/<proposal_id>/approve")
@requires(Permission.BULK_REVOKE)
def approve_bulk_revocation(proposal_id: str):
    number = _number(proposal_id)
    try:
        done = bulk.approve(flow_context(), current(), number, client_address=client_address())
    except Refusal as error:
        return _proposal_page(
            number, error=error_message(error.code, error.message, **error.extra), status=error.status
        )
    flash(
        translate(
            "Approved: {revoked} revoked; {not_revoked} were no longer valid (revoked or expired before).",
            revoked=len(done.revoked),
            not_revoked=len(done.not_revoked),
        )
    )
    if done.crl_number is not None:
        flash(translate("CRL number {number} published.", number=done.crl_number))
    return redirect(url_for("operator.bulk_proposal", proposal_id=number))


@bp.post("/bulk-revocations/<proposal_id>/reject")
@requires(Permission.BULK_REVOKE)
def reject_bulk_revocation(proposal_id: str):
    number = _number(proposal_id)
    try:
        bulk.reject(
            flow_context(),
            current(),
            number,
            request.form.get("note", ""),
            client_address=client_address(),
        )
    except Refusal as error:
        return _proposal_page(
            number, error=error_message(error.code, error.message, **error.extra), status=error.status
        )
    flash(translate("Rejected: nothing was revoked."))
    return redirect(url_for("operator.bulk_proposal", proposal_id=number))


def _number(proposal_id: str) -> int:
    """A proposal's number from its address (a string route: every route builds from any value, as the
    HEAD-on-every-address test builds them); anything but digits is no proposal."""
    if not proposal_id.isdigit() or len(proposal_id) > 18:
        raise NotFound("There is no such bulk revocation proposal.", code="proposal_not_found")
    return int(proposal_id)


def _proposal_page(proposal_id: int, *, error: str | None = None, status: int = 200):
    proposal, rows = bulk.proposal(flow_context(), proposal_id)
    page = render_template(
        "operator/bulk_proposal.html",
        proposal=proposal,
        rows=rows,
        own=proposal.proposed_by_id == current().operator.id,
        states=texts.PROPOSAL_STATES,
        error=error,
        notices=get_flashed_messages(),
        **page_texts(),
    )
    return page, status
