"""The cabinet's "History of services": the citizen's applications with their status, those waiting for
their consent as an owner, and each signed application's document and signature to download."""

from __future__ import annotations

from flask import Response, g, render_template

from eds_toolkit.registration.errors import ApplicationNotFound
from eds_toolkit.web.context import flow_context
from eds_toolkit.web.residence import library
from eds_toolkit.web.residence.access import bp, citizen_only
from eds_toolkit.web.residence.render import word
from eds_toolkit.web.residence.texts import STATUS_WORDS


@bp.get("/history")
@citizen_only
def history():
    ctx = flow_context()
    return render_template(
        "residence/history.html",
        applications=library.history(ctx, g.citizen_iin),
        consents=library.awaiting_consent(ctx, g.citizen_iin),
        status_word=lambda status: word(STATUS_WORDS, status),
        reference=library.reference,
    )


def _download(body: str, mimetype: str, filename: str) -> Response:
    return Response(
        body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )


@bp.get("/applications/<application_id>/document.json")
@citizen_only
def document_file(application_id: str):
    """The document exactly as signed (``eds verify signature.cms --content document.json`` checks it)."""
    library.your_application(flow_context(), application_id, g.citizen_iin)
    document = library.application_document(flow_context(), application_id)
    name = f"application-{library.reference(application_id)}.json"
    return _download(document, "application/json; charset=utf-8", name)


@bp.get("/applications/<application_id>/signature.cms")
@citizen_only
def signature_file(application_id: str):
    """The EDS signature kept with the application (PEM, as NCALayer gives it); 404 for an SMS code."""
    library.your_application(flow_context(), application_id, g.citizen_iin)
    pem = library.signed_copy_of(flow_context(), application_id, verify=False).signature_pem()
    if pem is None:
        raise ApplicationNotFound("This application was not signed with an EDS.")
    name = f"application-{library.reference(application_id)}.cms"
    return _download(pem, "application/pkcs7-mime", name)
