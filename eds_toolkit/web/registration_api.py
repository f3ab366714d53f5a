"""The registration service's JSON API under /api/v1/applications; views only translate HTTP.

The applicant holds the bearer token returned on filing; the owner proves themselves with the code
sent to their phone in the mobile-citizens base (no token). An application's ``decision`` (the rules'
outcome and code) carries its ``message`` in the answer's language.
"""

from __future__ import annotations

from flask import Response

from eds_toolkit.core.refusals import InvalidInput
from eds_toolkit.registration import service
from eds_toolkit.registration.decision_texts import decision_message
from eds_toolkit.registration.signed_copy import signed_copy as signed_copy_of
from eds_toolkit.web.api_language import answer_language
from eds_toolkit.web.api_support import (
    api_blueprint,
    bearer_token,
    json_body,
    json_response,
    optional_text_field,
    text_field,
)
from eds_toolkit.web.context import client_address, flow_context

bp = api_blueprint("registration_api", __name__, "/api/v1/applications")

CODE_SENT = (
    "If a phone is registered for this IIN in the mobile-citizens base, a one-time code was sent to it "
    "from 1414 (valid 5 minutes)."
)


def _authorised(application_id: str) -> None:
    token = bearer_token(
        "Send the application's token: Authorization: Bearer <token from POST /api/v1/applications>."
    )
    service.authenticate(flow_context(), application_id, token)


def _application_json(view: service.ApplicationView) -> dict:
    body = view.as_json()
    if body["decision"] is not None:
        body["decision"]["message"] = decision_message(body["decision"]["code"], answer_language())
    if view.decided_at_service_centre:  # the rules sent it offline; this is what the service centre decided
        body["outcome_message"] = decision_message(view.outcome_reason, answer_language())
    return body


@bp.post("")
def file_application() -> Response:
    data = json_body()
    address_id = optional_text_field(data, "address_id")
    filed = service.file_application(
        flow_context(),
        applicant_iin=text_field(data, "applicant_iin"),
        address=optional_text_field(data, "address") if address_id else text_field(data, "address"),
        address_id=address_id,
        person_iin=optional_text_field(data, "person_iin"),
        owner_iin=optional_text_field(data, "owner_iin"),
        client_address=client_address(),
    )
    document = service.application_document(flow_context(), filed.application.id)
    return json_response(
        {**_application_json(filed.application), "token": filed.token, "document": document}, 201
    )


@bp.get("/<application_id>")
def show(application_id: str) -> Response:
    _authorised(application_id)
    return json_response(_application_json(service.describe(flow_context(), application_id)))


@bp.get("/<application_id>/document")
def document(application_id: str) -> Response:
    _authorised(application_id)
    return json_response(
        {"document": service.application_document(flow_context(), application_id), "encoding": "utf-8"}
    )


@bp.post("/<application_id>/signing-code")
def signing_code(application_id: str) -> Response:
    _authorised(application_id)
    service.send_signing_code(
        flow_context(),
        application_id,
        language=answer_language(),
        client_address=client_address(),
    )
    return json_response({"message": CODE_SENT}, 202)


@bp.post("/<application_id>/signature")
def signature(application_id: str) -> Response:
    _authorised(application_id)
    data = json_body()
    method = data.get("method")
    if method == "sms":
        view = service.sign_with_code(
            flow_context(), application_id, text_field(data, "code"), client_address=client_address()
        )
    elif method == "eds":
        cms = text_field(data, "cms").encode("ascii", "replace")
        view = service.sign_with_eds(flow_context(), application_id, cms, client_address=client_address())
    else:
        raise InvalidInput(
            "The field 'method' is 'eds' (with 'cms') or 'sms' (with 'code').", code="field_missing"
        )
    return json_response(_application_json(view))


@bp.post("/<application_id>/owner-code")
def owner_code(application_id: str) -> Response:
    service.send_owner_code(
        flow_context(),
        application_id,
        language=answer_language(),
        client_address=client_address(),
    )
    return json_response({"message": CODE_SENT.replace("this IIN", "the owner's IIN")}, 202)


@bp.post("/<application_id>/owner-decision")
def owner_decision(application_id: str) -> Response:
    data = json_body()
    decision = data.get("decision", "confirm")
    if decision not in ("confirm", "decline"):
        raise InvalidInput("The field 'decision' is 'confirm' or 'decline'.", code="field_missing")
    view = service.owner_decides(
        flow_context(),
        application_id,
        text_field(data, "code"),
        accept=decision == "confirm",
        client_address=client_address(),
    )
    return json_response({"id": view.id, "status": view.status})


@bp.get("/<application_id>/signed-copy")
def signed_copy(application_id: str) -> Response:
    """The application as signed: the document, the CMS kept with it (PEM) and the signature's verdict as
    of its signing (chain, revocation, the signer's IIN against the applicant's); nulls for an SMS code."""
    _authorised(application_id)
    copy = signed_copy_of(flow_context(), application_id)
    verdict = copy.verdict
    return json_response(
        {
            "id": copy.application_id,
            "document": copy.document,
            "encoding": "utf-8",
            "signed_with": copy.signed_with,
            "signed_at": copy.signed_at.isoformat() if copy.signed_at else None,
            "signature": copy.signature_pem(),
            "verdict": verdict.to_dict() if verdict is not None else None,
            "signer_is_applicant": copy.signer_is_applicant if verdict is not None else None,
        }
    )
