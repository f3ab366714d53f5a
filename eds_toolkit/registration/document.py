"""The canonical JSON of an application: the exact bytes the applicant signs with the EDS."""

from __future__ import annotations

import datetime as dt
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
