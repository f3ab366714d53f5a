"""A registration officer records a service centre's decision on an application the rules sent offline
(an address owned by a minor or by someone found incapable): ``registered``, with every in-person check
ticked (``registration.service_centre.CHECKS``), or ``refused`` with a reason from a short list and a note.

Only an application that is ``sent_offline`` is decided here, once: the status is a compare-and-set, so of
two officers (or two tabs) the first wins and the other is refused with nothing changed. An officer who is
a party to the application (its applicant, the person registered, or an owner of the address in the
property register) cannot decide it. Every decision, and every refused attempt, is audited with the
officer's identity and AUTH certificate; the applicant is then told by SMS (reference and outcome only).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from eds_toolkit.citizens import CitizensRegistryError
from eds_toolkit.core import audit
from eds_toolkit.core.context import ServiceContext
from eds_toolkit.core.refusals import ConcurrentChange, InvalidInput, Refusal, ServiceUnavailable
from eds_toolkit.core.versioned import compare_and_set
from eds_toolkit.operators.actions import record_action
from eds_toolkit.operators.signin import SignedIn
from eds_toolkit.registers import RegisterUnavailable
from eds_toolkit.registration.errors import ApplicationNotFound, ApplicationNotOpen
from eds_toolkit.registration.models import ResidenceApplication, Status
from eds_toolkit.registration.service import ApplicationView, describe
from eds_toolkit.registration.service_centre import (
    CHECK_NAMES,
    REFUSAL_REASONS,
    REGISTERED,
    outcome_sms_text,
)
from eds_toolkit.sms import DEFAULT_SENDER, SmsDeliveryError, mask_phone

log = logging.getLogger(__name__)

ACTION = "application.service_centre_decision"
NOTICE_ACTION = "application.outcome_sms"
OUTCOMES = ("registered", "refused")
NOTE_LIMIT = 1000  # characters


class PartyToApplication(Refusal):
    """The officer is the applicant, the person registered or an owner of the address."""

    status = 403
    code = "party_to_application"
    title = "Not yours to decide"


@dataclass(frozen=True)
class OfflineDecision:
    """What the officer reviewed: the outcome, the checks seen (registered), the reason (refused), a note."""

    application_id: str
    outcome: str  # "registered" | "refused"
    checks: tuple[str, ...]
    reason: str | None
    note: str

    @property
    def outcome_reason(self) -> str:
        return REGISTERED if self.outcome == "registered" else str(self.reason)


def checked_decision(
    application_id: str, outcome: str, checks: list[str], reason: str, note: str
) -> OfflineDecision:
    """The form's choices, checked; an ``InvalidInput`` names its ``field`` (``check-<name>`` for a box)."""
    if outcome not in OUTCOMES:
        raise InvalidInput(
            "Choose the outcome: registered or refused.", code="offline_outcome_missing", field="outcome"
        )
    note = (note or "").strip()
    if len(note) > NOTE_LIMIT:
        raise InvalidInput(
            f"The note is at most {NOTE_LIMIT} characters.",
            code="offline_note_too_long",
            field="note",
            limit=NOTE_LIMIT,
        )
    if outcome == "registered":
        missing = [name for name in CHECK_NAMES if name not in set(checks)]
        if missing:
            raise InvalidInput(
                "Tick every check: a registration at a service centre needs each of them seen in person.",
                code="offline_checks_missing",
                field=f"check-{missing[0]}",
            )
        return OfflineDecision(application_id, outcome, CHECK_NAMES, None, note)
    if reason not in REFUSAL_REASONS:
        raise InvalidInput(
            "Choose the reason for the refusal from the list.", code="offline_reason_invalid", field="reason"
        )
    if not note:
        raise InvalidInput(
            "Write a note: what was presented, and why it is refused.",
            code="offline_note_missing",
            field="note",
        )
    return OfflineDecision(application_id, outcome, (), reason, note)


def decidable(
    ctx: ServiceContext,
    who: SignedIn,
    application_id: str,
    *,
    client_address: str | None = None,
    audited: bool = False,
) -> ApplicationView:
    """The application, if ``who`` may decide it now; else a refusal (audited when ``audited``)."""
    view = describe(ctx, application_id)  # ApplicationNotFound for no such application
    try:
        _not_a_party(ctx, who, view)
        _sent_offline(view)
    except Refusal as error:
        if audited:
            _record_refusal(ctx, who, view, error, client_address)
        raise
    return view


def decide(
    ctx: ServiceContext, who: SignedIn, decision: OfflineDecision, *, client_address: str | None = None
) -> ApplicationView:
    """Record ``decision`` (compare-and-set on the status, audited), then tell the applicant by SMS."""
    view = decidable(ctx, who, decision.application_id, client_address=client_address, audited=True)
    to_status = Status.REGISTERED if decision.outcome == "registered" else Status.REFUSED
    with ctx.session() as session:
        application = session.get(ResidenceApplication, decision.application_id)
        if application is None:
            raise ApplicationNotFound("This application does not exist.")
        try:
            if application.status != Status.SENT_OFFLINE:
                raise ConcurrentChange("decided meanwhile")
            compare_and_set(
                session,
                application,
                conflict="decided meanwhile",
                status=str(to_status),
                decided_at=ctx.now(),
                outcome_reason=decision.outcome_reason,
            )
        except ConcurrentChange:
            session.rollback()
            refusal = _not_open(describe(ctx, decision.application_id))
            _record_refusal(ctx, who, view, refusal, client_address)
            raise refusal from None
        record_action(
            ctx,
            session,
            who,
            ACTION,
            iin=view.applicant_iin,
            reason=decision.outcome_reason,
            client_address=client_address,
            from_state=str(Status.SENT_OFFLINE),
            to_state=str(to_status),
            detail={
                "application": decision.application_id,
                "checks": list(decision.checks),
                **({"note": decision.note} if decision.note else {}),
            },
        )
        session.commit()
    _tell_applicant(ctx, view, str(to_status))
    return describe(ctx, decision.application_id)


def _not_a_party(ctx: ServiceContext, who: SignedIn, view: ApplicationView) -> None:
    parties = {view.applicant_iin, view.person_iin, view.owner_iin}
    if view.address_id:
        try:
            record = ctx.registers.property.property_at(view.address_id)
        except RegisterUnavailable:
            raise ServiceUnavailable(
                "The property register cannot be checked right now. Nothing was changed; please try again "
                "later.",
                code="registers_unavailable",
            ) from None
        parties |= {owner.iin for owner in record.owners} if record else set()
    if who.operator.iin in parties:
        raise PartyToApplication(
            "You are a party to this application (its applicant, the person registered or an owner of the "
            "address): another officer decides it. Nothing was changed."
        )


def _sent_offline(view: ApplicationView) -> None:
    if view.status != Status.SENT_OFFLINE:
        raise _not_open(view)


def _not_open(view: ApplicationView) -> ApplicationNotOpen:
    if view.decided_at_service_centre:
        return ApplicationNotOpen(
            f"This application was already decided at a service centre ({view.status}). Nothing was changed.",
            application_status=view.status,
        )
    return ApplicationNotOpen(
        "Only an application sent to a service centre is decided here; this one is "
        f"{view.status}. Nothing was changed.",
        application_status=view.status,
    )


def _record_refusal(
    ctx: ServiceContext, who: SignedIn, view: ApplicationView, error: Refusal, client_address: str | None
) -> None:
    with ctx.session() as session:
        record_action(
            ctx,
            session,
            who,
            ACTION,
            iin=view.applicant_iin,
            outcome=audit.REFUSED,
            reason=error.code,
            client_address=client_address,
            detail={"application": view.id},
        )
        session.commit()


def _tell_applicant(ctx: ServiceContext, view: ApplicationView, status: str) -> None:
    """The outcome by SMS to the applicant's phone in the mobile-citizens base, sent after the answer (as
    the flow's notices are); a failure is logged and audited, and never undoes the decision."""
    try:
        citizen = ctx.citizens.lookup(view.applicant_iin)
    except CitizensRegistryError:
        log.warning("application %s: the outcome SMS was not sent (citizens base unavailable)", view.id)
        return
    phone = citizen.phone if citizen else None
    if not phone:
        return
    text = outcome_sms_text(view.id, status)

    def send() -> None:
        try:
            ctx.sms.send(phone, text, sender=DEFAULT_SENDER)
            sent = True
        except SmsDeliveryError:
            log.error("application %s: the outcome SMS could not be sent", view.id)
            sent = False
        with ctx.session() as session:
            audit.record(
                ctx,
                session,
                iin=view.applicant_iin,
                action=NOTICE_ACTION,
                outcome=audit.OK if sent else audit.REFUSED,
                reason=status if sent else "sms_failed",
                detail={"application": view.id, "to": mask_phone(phone)},
            )
            session.commit()

    ctx.deliveries.submit(phone, send)
