"""The identification review queue: referred face matches, oldest first; a review's pictures (each
viewing audited, never cached) and the officer's decision with a note (``operators.review_queue``)."""

from __future__ import annotations

from flask import Response, make_response, redirect, render_template, request, url_for

from eds_toolkit.core.refusals import InvalidInput, NotFound, Refusal
from eds_toolkit.operators import review_queue
from eds_toolkit.operators.redaction import hide_iins
from eds_toolkit.operators.roles import Permission
from eds_toolkit.translations import N_
from eds_toolkit.web.context import client_address, flow_context, identify_config
from eds_toolkit.web.i18n import error_message
from eds_toolkit.web.operator.access import bp, current, requires, section

PICTURE_LABELS = {
    "selfie": N_("Selfie"),
    "id_photo": N_("Photo of the identity card"),
    "state_photo": N_("Photo in the state register"),
}
IMAGE_TYPES = ((b"\xff\xd8\xff", "image/jpeg"), (b"\x89PNG", "image/png"), (b"RIFF", "image/webp"))


@bp.get("/reviews")
@section(Permission.REVIEW_IDENTIFICATION, N_("Identification reviews"))
def reviews():
    ctx = flow_context()
    return render_template(
        "operator/reviews.html",
        pending=review_queue.pending(ctx),
        decided=review_queue.decided(ctx),
        shown_officer=review_queue.shown_officer,
        decided_now=request.args.get("decided", type=int),
    )


@bp.get("/reviews/<int:review_id>")
@requires(Permission.REVIEW_IDENTIFICATION)
def review(review_id: int):
    return _review_page(review_id)


def _review_page(review_id: int, *, error: str | None = None, note: str = "", status: int = 200):
    entry = review_queue.entry(flow_context(), review_id)
    page = render_template(
        "operator/review.html",
        entry=entry,
        pictures=[(name, PICTURE_LABELS[name]) for name in review_queue.PICTURES],
        shown_officer=review_queue.shown_officer,
        error=error,
        note=note,
    )
    return make_response(page, status)


@bp.get("/reviews/<int:review_id>/pictures/<name>")
@requires(Permission.REVIEW_IDENTIFICATION)
def review_picture(review_id: int, name: str) -> Response:
    """A picture of a pending review, for the officer's eyes only: audited, never kept by a cache."""
    data = review_queue.picture(flow_context(), current(), review_id, name, client_address=client_address())
    mimetype = next((kind for magic, kind in IMAGE_TYPES if data.startswith(magic)), None)
    response = Response(data, mimetype=mimetype or "application/octet-stream")
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    response.headers["Content-Disposition"] = "inline"
    return response


@bp.post("/reviews/<int:review_id>/decision")
@requires(Permission.REVIEW_IDENTIFICATION)
def decide_review(review_id: int):
    decision = request.form.get("decision")
    note = request.form.get("note", "")
    try:
        if decision not in ("accept", "refuse"):
            raise InvalidInput("Choose to accept or to refuse.", code="decision_missing")
        review_queue.decide(
            flow_context(),
            current(),
            review_id,
            accept=decision == "accept",
            note=note,
            config=identify_config(),
            client_address=client_address(),
        )
    except NotFound:
        raise
    except Refusal as error:
        message = hide_iins(error_message(error.code, error.message, **error.extra))
        return _review_page(review_id, error=message, note=note, status=error.status)
    return redirect(url_for("operator.reviews", decided=review_id), code=303)
