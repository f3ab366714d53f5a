"""The canonical JSON of an application (the exact bytes the applicant signs with the EDS) and of the
owner's consent to it (the exact bytes the owner signs)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

DOCUMENT_TYPE = "residence_registration"


def canonical_document(
    *,
    application_id: str,
    applicant_iin: str,
    person_iin: str,
    owner_iin: str | None,
    address_id: str | None,
    address: str,
    filed_at: dt.datetime,
) -> str:
    """Keys sorted, no spaces, UTF-8 text as is (RFC 8785 style for these plain string fields)."""
    body = {
        "type": DOCUMENT_TYPE,
        "application_id": application_id,
        "applicant_iin": applicant_iin,
        "person_iin": person_iin,
        "owner_iin": owner_iin,
        "address_id": address_id,
        "address": address,
        "filed_at": filed_at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def document_bytes(document: str) -> bytes:
    return document.encode("utf-8")


CONSENT_TYPE = "residence_owner_consent"


def owner_consent_document(
    *,
    application_id: str,
    application_document: str,
    owner_iin: str,
    applicant_iin: str,
    person_iin: str,
    address_id: str | None,
    address: str,
    confirm_by: dt.datetime,
) -> str:
    """The owner's consent to one application, as the owner signs it with the EDS: it names the owner,
    whom and where, and binds the application's exact document by its SHA-256 (the same canonical form)."""
    body = {
        "type": CONSENT_TYPE,
        "owner_agrees": True,
        "application_id": application_id,
        "application_sha256": hashlib.sha256(document_bytes(application_document)).hexdigest(),
        "owner_iin": owner_iin,
        "applicant_iin": applicant_iin,
        "person_iin": person_iin,
        "address_id": address_id,
        "address": address,
        "confirm_by": confirm_by.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
