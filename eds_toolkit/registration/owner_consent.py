"""The owner's consent beyond the SMS code: the consent document the owner signs with their EDS (SIGN key,
``basics.sign``), the owner's refusal from their signed-in cabinet, and the decision as kept.

Each step takes the application while it waits for its owner and before its hour ends by the server's clock
(``service._load`` returns it otherwise), moves it with a compare-and-set and adds the one ``OwnerDecision``
row in the same transaction, so one decision wins whatever races it (the code from 1414 included).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, replace

from eds_toolkit.core.context import ServiceContext
from eds_toolkit.flow.machine import aware
from eds_toolkit.registration.document import document_bytes
from eds_toolkit.registration.models import OwnerDecision, Status
from eds_toolkit.registration.service import (
    ApplicationView,
    _load,
    _refusals_audited,
    describe,
    owner_consent_text,
    owner_decided,
)
from eds_toolkit.registration.signed_copy import verdict_as_of
from eds_toolkit.registration.verification import verify_consent_signature
from eds_toolkit.signatures import SignatureVerdict


def consent_document(ctx: ServiceContext, application_id: str) -> str:
    """The exact consent the owner signs (canonical JSON, UTF-8), while the application awaits them."""
    with ctx.session() as session:
        return owner_consent_text(_load(ctx, session, application_id, allowed={Status.AWAITING_OWNER}))


def confirm_with_eds(
    ctx: ServiceContext, application_id: str, cms: bytes, *, client_address: str | None = None
) -> ApplicationView:
    """The owner confirms by a CMS over the consent document made with their own SIGN certificate: checked
    as the applicant's signature is (chain to the service CA, revocation from its OCSP responder, the
    signer's IIN equal to the owner's), then ``registered``, the CMS and its verdict kept."""
    action = "owner_sign_eds"
    with _refusals_audited(ctx, application_id, action, client_address), ctx.session() as session:
        application = _load(ctx, session, application_id, allowed={Status.AWAITING_OWNER})
        document = owner_consent_text(application)
        verdict = verify_consent_signature(
            ctx, cms, document_bytes(document), owner_iin=application.owner_iin or ""
        )
        owner_decided(
            ctx,
            session,
            application,
            action,
            client_address,
            accept=True,
            method="eds",
            document=document,
            detail={"signer_serial": verdict.signer.serial, "revocation": verdict.revocation.source},
            signature_cms=cms,
            signer_serial=verdict.signer.serial,
            verdict=json.dumps(verdict.to_dict(), ensure_ascii=False),
        )
        session.commit()
    return describe(ctx, application_id)


def decline(
    ctx: ServiceContext, application_id: str, *, client_address: str | None = None
) -> ApplicationView:
    """The owner, signed in to their cabinet (the caller checked that they own the address), refuses:
    ``rejected``. Refusing asks for no code: the cabinet's sign-in (PIN or AUTH certificate) is the proof."""
    action = "owner_decline"
    with _refusals_audited(ctx, application_id, action, client_address), ctx.session() as session:
        application = _load(ctx, session, application_id, allowed={Status.AWAITING_OWNER})
        owner_decided(ctx, session, application, action, client_address, accept=False, method="cabinet")
        session.commit()
    return describe(ctx, application_id)


@dataclass(frozen=True)
class KeptDecision:
    """The owner's decision as kept: ``verdict`` is the EDS signature's verdict checked again as of the
    decision (None for the SMS code or a refusal)."""

    decision: str
    method: str
    owner_iin: str
    decided_at: dt.datetime
    document: str | None
    signature_cms: bytes | None
    verdict: SignatureVerdict | None


def owner_decision_of(
    ctx: ServiceContext, application_id: str, *, verify: bool = True
) -> KeptDecision | None:
    """The owner's decision on the application, or None (none yet, or none was needed)."""
    with ctx.session() as session:
        row = session.get(OwnerDecision, application_id)
        if row is None:
            return None
        kept = KeptDecision(
            decision=row.decision,
            method=row.method,
            owner_iin=row.owner_iin,
            decided_at=aware(row.decided_at),
            document=row.document,
            signature_cms=row.signature_cms,
            verdict=None,
        )
    if not verify or kept.signature_cms is None or kept.document is None:
        return kept
    verdict = verdict_as_of(ctx, kept.signature_cms, document_bytes(kept.document), kept.decided_at)
    return replace(kept, verdict=verdict)
