"""The registration service's steps: file, sign (EDS or SMS code), the rules' decision, owner's
confirmation, returns.

Each step is one function ``step(ctx, application_id, ...)`` the JSON API (and any other front end)
calls; it checks the status, moves it forward in one transaction (compare-and-set on ``version``)
and writes audit events. Refusals are flow errors with stable codes and are audited too.

The rules (``rules.RULES``) are evaluated over the registers when an application is filed (a preview
shown with the draft) and again when it is signed: that evaluation decides (registered, refused,
returned, sent to a service centre, or waiting for the owner). The registers are read before anything
is written, so a slow registry never holds the database's write lock.
"""

from __future__ import annotations

import datetime as dt
import hmac
import json
import logging
import re
import secrets
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from eds_toolkit.citizens import CitizenRecord, CitizensRegistryError
from eds_toolkit.core import audit
from eds_toolkit.core.context import ServiceContext
from eds_toolkit.core.refusals import ConcurrentChange, Refusal, ServiceUnavailable
from eds_toolkit.core.versioned import compare_and_set
from eds_toolkit.flow.codes import PendingSms, check_code_format, deliver, prepare_code, use_code
from eds_toolkit.flow.machine import aware, token_hash
from eds_toolkit.registers import InvalidRecord, RegisterUnavailable
from eds_toolkit.registers.records import checked_address_id
from eds_toolkit.registration.decision_texts import DECISION_TEXTS
from eds_toolkit.registration.document import canonical_document, document_bytes, owner_consent_document
from eds_toolkit.registration.errors import (
    ApplicationNotFound,
    ApplicationNotOpen,
    InvalidApplication,
)
from eds_toolkit.registration.facts import UnknownAddress, application_date, gather_facts
from eds_toolkit.registration.models import OwnerDecision, ResidenceApplication, Status
from eds_toolkit.registration.notices import applicant_code_text, owner_code_text
from eds_toolkit.registration.rules import Evaluation, Outcome, evaluate
from eds_toolkit.registration.service_centre import decided_at_service_centre
from eds_toolkit.registration.verification import verify_application_signature
from national_profile.iin import InvalidIIN, parse_iin

log = logging.getLogger(__name__)

OWNER_CONFIRMATION_WINDOW = dt.timedelta(hours=1)
MAX_ADDRESS_LENGTH = 300
CODE_PURPOSE = "login"  # the OTP component's purposes; codes are bound to the keys below


def applicant_code_key(application_id: str) -> str:
    return f"app:{application_id}:applicant"


def owner_code_key(application_id: str) -> str:
    return f"app:{application_id}:owner"


@dataclass(frozen=True)
class ApplicationView:
    """What the API shows of an application (no token, no codes, no signature bytes)."""

    id: str
    status: str
    applicant_iin: str
    person_iin: str
    owner_iin: str | None
    address_id: str | None
    address: str
    signed_with: str | None
    created_at: dt.datetime
    submitted_at: dt.datetime | None
    owner_deadline: dt.datetime | None
    decided_at: dt.datetime | None
    outcome_reason: str | None
    rules: Evaluation | None  # the rules' evaluation: a preview while a draft (None: filed before the rules)

    def as_json(self) -> dict:
        def moment(value: dt.datetime | None) -> str | None:
            return aware(value).isoformat() if value is not None else None

        return {
            "id": self.id,
            "status": self.status,
            "applicant_iin": self.applicant_iin,
            "person_iin": self.person_iin,
            "owner_iin": self.owner_iin,
            "address_id": self.address_id,
            "address": self.address,
            "signed_with": self.signed_with,
            "created_at": moment(self.created_at),
            "submitted_at": moment(self.submitted_at),
            "owner_deadline": moment(self.owner_deadline),
            "decided_at": moment(self.decided_at),
            "outcome_reason": self.outcome_reason,
            "decided_at_service_centre": self.decided_at_service_centre,
            "decision": self.decision_json(),
        }

    @property
    def decided_at_service_centre(self) -> bool:
        """Registered or refused in person at a service centre (the rules had sent it offline)."""
        return decided_at_service_centre(self.outcome_reason)

    def decision_json(self) -> dict | None:
        """The rules' decision (``preview`` while the application is a draft) and each rule's own."""
        if self.rules is None:
            return None
        return {**self.rules.as_json(), "preview": self.status == Status.DRAFT}


@dataclass(frozen=True)
class FiledApplication:
    """A new application and the bearer token that lets its applicant sign it and follow it."""

    application: ApplicationView
    token: str


def file_application(
    ctx: ServiceContext,
    *,
    applicant_iin: str,
    address: str | None = None,
    owner_iin: str | None = None,
    person_iin: str | None = None,
    address_id: str | None = None,
    client_address: str | None = None,
) -> FiledApplication:
    """File a draft application to register ``person_iin`` (default: the applicant) at an address.

    ``address_id`` names the address in the registers (its owners and any state rental contract come
    from them; ``owner_iin`` names which owner confirms when there are several). Without it ``address`` is
    the address as declared and ``owner_iin`` its owner when not the applicant. The rules are evaluated
    at once: the draft shows what they say (``decision`` with ``preview``)."""
    applicant = _checked_iin(applicant_iin, "applicant_iin")
    person = _checked_iin(person_iin, "person_iin") if person_iin not in (None, "") else applicant
    owner = _checked_iin(owner_iin, "owner_iin") if owner_iin not in (None, "") else None
    if owner == applicant:
        owner = None
    place_id = _checked_address_id(address_id) if address_id not in (None, "") else None
    place = " ".join((address or "").split())
    if place_id is None and (not place or len(place) > MAX_ADDRESS_LENGTH):
        raise InvalidApplication(
            f"The address is required and at most {MAX_ADDRESS_LENGTH} characters.", field="address"
        )
    now = ctx.now()
    evaluation, place = _evaluate(ctx, now, applicant, person, place_id, place, owner)
    if evaluation.decision.code == "owner_not_in_register":  # who is to confirm is part of the input
        if owner is not None:
            raise InvalidApplication(
                DECISION_TEXTS["owner_not_in_register"], code="owner_not_in_register", field="owner_iin"
            )
        raise InvalidApplication(DECISION_TEXTS["owner_required"], code="owner_required", field="owner_iin")
    owner = evaluation.decision.owner_iin or owner
    application_id = secrets.token_hex(16)
    token = secrets.token_urlsafe(32)
    application = ResidenceApplication(
        id=application_id,
        token_hash=token_hash(token),
        applicant_iin=applicant,
        person_iin=person,
        owner_iin=owner,
        address_id=place_id,
        address=place,
        document=canonical_document(
            application_id=application_id,
            applicant_iin=applicant,
            person_iin=person,
            owner_iin=owner,
            address_id=place_id,
            address=place,
            filed_at=now,
        ),
        status=str(Status.DRAFT),
        version=0,
        created_at=now,
        rules_verdict=json.dumps(evaluation.as_json()),
    )
    with ctx.session() as session:
        session.add(application)
        audit.record(
            ctx,
            session,
            iin=applicant,
            action="application.file",
            outcome=audit.OK,
            to_state=str(Status.DRAFT),
            client_address=client_address,
            detail={"application": application.id},
        )
        session.commit()
        return FiledApplication(_view(application), token)


def authenticate(ctx: ServiceContext, application_id: str, token: str) -> None:
    """Check the applicant's bearer token (constant time); else ApplicationNotFound."""
    with ctx.session() as session:
        application = session.get(ResidenceApplication, application_id) if application_id else None
        expected = application.token_hash if application is not None else "0" * 64
    if not hmac.compare_digest(expected, token_hash(token or "")) or application is None:
        raise ApplicationNotFound("No such application for this token.")


def describe(ctx: ServiceContext, application_id: str) -> ApplicationView:
    """The application as it stands (an overdue owner confirmation is turned into ``returned`` first)."""
    with ctx.session() as session:
        return _view(_load(ctx, session, application_id))


def application_document(ctx: ServiceContext, application_id: str) -> str:
    """The canonical JSON the applicant signs with the EDS (CMS, attached or detached)."""
    with ctx.session() as session:
        return _load(ctx, session, application_id).document


def send_signing_code(
    ctx: ServiceContext, application_id: str, *, language: str = "en", client_address: str | None = None
) -> None:
    """Send a one-time code to the applicant's phone in the mobile-citizens base (answer is the same
    when there is no phone: no enumeration; the applicant then signs with the EDS).

    The code is committed first and the SMS sent after, outside any transaction; a failed send
    deletes the code and the step is undone (an ``undone`` event, then the refusal ``sms_failed``)."""
    with _refusals_audited(ctx, application_id, "signing_code", client_address):
        with ctx.session() as session:
            application = _load(ctx, session, application_id, allowed={Status.DRAFT})
            pending = _prepare_code(
                ctx,
                session,
                applicant_code_key(application.id),
                application.applicant_iin,
                lambda code: applicant_code_text(code, application.id, language=language),
            )
            _event(
                ctx,
                session,
                _subject(application, application.applicant_iin),
                "signing_code",
                audit.OK,
                client_address,
            )
            session.commit()
            undo = _undo_on_failed_send(ctx, application, application.applicant_iin, "signing_code")
        deliver(ctx, pending, undo=undo)


def sign_with_code(
    ctx: ServiceContext, application_id: str, code: str, *, client_address: str | None = None
) -> ApplicationView:
    """Sign the draft with the SMS code sent to the applicant; then submit it and the rules decide
    (see ``_submit``)."""
    entered = check_code_format(code)
    with _refusals_audited(ctx, application_id, "sign_sms", client_address), ctx.session() as session:
        application = _load(ctx, session, application_id, allowed={Status.DRAFT})
        evaluation = _evaluate_application(ctx, application)
        _use_code(ctx, session, applicant_code_key(application.id), entered)
        _submit(ctx, session, application, "sms", client_address, evaluation)
        session.commit()
    _notify_owner(ctx, application_id)
    return describe(ctx, application_id)


def sign_with_eds(
    ctx: ServiceContext, application_id: str, cms: bytes, *, client_address: str | None = None
) -> ApplicationView:
    """Sign the draft with a CMS over its canonical JSON, made with the applicant's own SIGN certificate.

    The signature is verified as of now against the service CA, with revocation from its OCSP
    responder; any failure is refused with the verdict's reasons and nothing changes.
    """
    with _refusals_audited(ctx, application_id, "sign_eds", client_address), ctx.session() as session:
        application = _load(ctx, session, application_id, allowed={Status.DRAFT})
        verdict = verify_application_signature(
            ctx, cms, document_bytes(application.document), applicant_iin=application.applicant_iin
        )
        detail = {"signer_serial": verdict.signer.serial, "revocation": verdict.revocation.source}
        evaluation = _evaluate_application(ctx, application)
        _submit(
            ctx,
            session,
            application,
            "eds",
            client_address,
            evaluation,
            detail=detail,
            signature_cms=cms,
            signer_serial=verdict.signer.serial,
        )
        session.commit()
    _notify_owner(ctx, application_id)
    return describe(ctx, application_id)


def send_owner_code(
    ctx: ServiceContext, application_id: str, *, language: str = "en", client_address: str | None = None
) -> None:
    """(Re)send the confirmation code to the owner's phone while the application awaits the owner
    (committed first, sent after; a failed send keeps no code and the step is recorded as undone)."""
    with _refusals_audited(ctx, application_id, "owner_code", client_address):
        with ctx.session() as session:
            application = _load(ctx, session, application_id, allowed={Status.AWAITING_OWNER})
            pending = _prepare_owner_code(ctx, session, application, language)
            _event(
                ctx,
                session,
                _subject(application, application.owner_iin),
                "owner_code",
                audit.OK,
                client_address,
            )
            session.commit()
            undo = _undo_on_failed_send(ctx, application, application.owner_iin, "owner_code")
        deliver(ctx, pending, undo=undo)


def owner_decides(
    ctx: ServiceContext,
    application_id: str,
    code: str,
    *,
    accept: bool = True,
    client_address: str | None = None,
) -> ApplicationView:
    """The owner confirms (``registered``) or declines (``rejected``) with the code sent to them,
    within one hour of submission; after that the application has been returned."""
    entered = check_code_format(code)
    with _refusals_audited(ctx, application_id, "owner_decision", client_address), ctx.session() as session:
        application = _load(ctx, session, application_id, allowed={Status.AWAITING_OWNER})
        _use_code(ctx, session, owner_code_key(application.id), entered)
        document = owner_consent_text(application) if accept else None
        owner_decided(
            ctx,
            session,
            application,
            "owner_decision",
            client_address,
            accept=accept,
            method="sms",
            document=document,
        )
        session.commit()
    return describe(ctx, application_id)


def owner_consent_text(application: ResidenceApplication) -> str:
    """The consent the owner gives to ``application`` (awaiting them): what they sign with the EDS."""
    return owner_consent_document(
        application_id=application.id,
        application_document=application.document,
        owner_iin=application.owner_iin or "",
        applicant_iin=application.applicant_iin,
        person_iin=_person(application),
        address_id=application.address_id,
        address=application.address,
        confirm_by=aware(application.owner_deadline),
    )


def owner_decided(
    ctx: ServiceContext,
    session: Session,
    application: ResidenceApplication,
    action: str,
    client_address: str | None,
    *,
    accept: bool,
    method: str,
    document: str | None = None,
    detail: dict | None = None,
    **kept: object,
) -> None:
    """The owner's decision: ``registered`` or ``rejected`` (compare-and-set, audited as ``action``), and
    the one ``OwnerDecision`` row kept with it (``kept``: the signature and its verdict); the caller
    commits, so a second decision racing this one finds the version moved on and changes nothing."""
    now = ctx.now()
    reason = "owner_confirmed" if accept else "owner_declined"
    _move(
        ctx,
        session,
        application,
        Status.REGISTERED if accept else Status.REJECTED,
        action,
        application.owner_iin,
        client_address,
        reason=reason,
        detail={"method": method, **(detail or {})},
        decided_at=now,
        outcome_reason=reason,
    )
    session.add(
        OwnerDecision(
            application_id=application.id,
            owner_iin=application.owner_iin,
            decision="confirmed" if accept else "declined",
            method=method,
            document=document,
            decided_at=now,
            **kept,
        )
    )


def return_overdue(ctx: ServiceContext) -> int:
    """Return every application whose owner did not confirm within the hour; how many were returned.

    ``describe`` and every step do this for the application they touch; a periodic job calls this.
    """
    with ctx.session() as session:
        overdue = session.scalars(
            select(ResidenceApplication.id).where(
                ResidenceApplication.status == str(Status.AWAITING_OWNER),
                ResidenceApplication.owner_deadline <= ctx.now(),
            )
        ).all()
    returned = 0
    for application_id in overdue:
        with ctx.session() as session:
            application = session.get(ResidenceApplication, application_id)
            if application is not None and _return_if_overdue(ctx, session, application):
                returned += 1
    return returned


# ----- internals -----


def _checked_iin(value: str | None, field: str) -> str:
    try:
        return parse_iin(value if isinstance(value, str) else "").value
    except InvalidIIN as error:
        raise InvalidApplication(f"{field}: {error}", field=field) from None


def _checked_address_id(value: str | None) -> str:
    try:
        return checked_address_id(value)
    except InvalidRecord as error:
        raise InvalidApplication(str(error), field="address_id") from None


def _evaluate(
    ctx: ServiceContext,
    now: dt.datetime,
    applicant: str,
    person: str,
    address_id: str | None,
    address: str,
    owner: str | None,
) -> tuple[Evaluation, str]:
    """The rules over the registers as of ``now``'s date, and the address's text (the register's when
    it has an id)."""
    try:
        facts = gather_facts(
            ctx.registers,
            on=application_date(now, ctx.time_zone),
            applicant_iin=applicant,
            person_iin=person,
            address_id=address_id,
            address=address,
            owner_iin=owner,
        )
    except UnknownAddress:
        raise InvalidApplication(
            DECISION_TEXTS["address_not_in_register"], code="address_not_in_register", field="address_id"
        ) from None
    except RegisterUnavailable as error:
        log.warning("the registers cannot be read: %s", re.sub(r"\d{12}", "<IIN>", str(error)))
        raise ServiceUnavailable(
            DECISION_TEXTS["registers_unavailable"], code="registers_unavailable"
        ) from None
    return evaluate(facts), facts.address.address


def _evaluate_application(ctx: ServiceContext, application: ResidenceApplication) -> Evaluation:
    """The rules for a filed application as of now (the date it is signed is the application's date)."""
    evaluation, _address = _evaluate(
        ctx,
        ctx.now(),
        application.applicant_iin,
        _person(application),
        application.address_id,
        application.address,
        application.owner_iin,
    )
    return evaluation


def _person(application: ResidenceApplication) -> str:
    return application.person_iin or application.applicant_iin


def _view(application: ResidenceApplication) -> ApplicationView:
    return ApplicationView(
        id=application.id,
        status=application.status,
        applicant_iin=application.applicant_iin,
        person_iin=_person(application),
        owner_iin=application.owner_iin,
        address_id=application.address_id,
        address=application.address,
        signed_with=application.signed_with,
        created_at=application.created_at,
        submitted_at=application.submitted_at,
        owner_deadline=application.owner_deadline,
        decided_at=application.decided_at,
        outcome_reason=application.outcome_reason,
        rules=Evaluation.from_json(json.loads(application.rules_verdict))
        if application.rules_verdict
        else None,
    )


_NOT_OPEN = {
    Status.DRAFT: "This application is not signed yet: sign it with your EDS or an SMS code first.",
    Status.SUBMITTED: "This application is being processed.",
    Status.AWAITING_OWNER: "This application is already signed and waits for the owner's confirmation.",
    Status.REGISTERED: "This application was already decided: the residence is registered.",
    Status.RETURNED: "This application was returned: the owner did not confirm within one hour.",
    Status.REJECTED: "This application was rejected: the owner declined. File a new one.",
    Status.REFUSED: "This application was refused.",
    Status.SENT_OFFLINE: "This application cannot be decided online: it was sent to a public service centre.",
}


def _not_open_message(application: ResidenceApplication) -> str:
    """Why a decided application takes no more steps: the rule's own text where a rule decided it."""
    status = Status(application.status)
    rule_text = DECISION_TEXTS.get(application.outcome_reason or "")
    if rule_text and status in (Status.REFUSED, Status.RETURNED, Status.SENT_OFFLINE):
        return f"{_NOT_OPEN[status].split(':')[0].rstrip('.')}: {rule_text}"
    return _NOT_OPEN[status]


def _load(
    ctx: ServiceContext, session: Session, application_id: str, allowed: set[Status] | None = None
) -> ResidenceApplication:
    application = session.get(ResidenceApplication, application_id) if application_id else None
    if application is None:
        raise ApplicationNotFound("This application does not exist.")
    _return_if_overdue(ctx, session, application)
    status = Status(application.status)
    if allowed is not None and status not in allowed:
        raise ApplicationNotOpen(_not_open_message(application), application_status=str(status))
    return application


def _return_if_overdue(ctx: ServiceContext, session: Session, application: ResidenceApplication) -> bool:
    """Past the owner's hour: returned, committed on its own so the refusal that follows sticks."""
    if application.status != Status.AWAITING_OWNER or ctx.now() < aware(application.owner_deadline):
        return False
    try:
        _move(
            ctx,
            session,
            application,
            Status.RETURNED,
            "return",
            application.owner_iin,
            None,
            reason="owner_not_confirmed",
            decided_at=ctx.now(),
            outcome_reason="owner_not_confirmed",
        )
        session.commit()
    except ConcurrentChange:
        session.rollback()
        session.refresh(application)
        return False
    return True


def _use_code(ctx: ServiceContext, session: Session, key: str, code: str) -> None:
    use_code(ctx, session, key=key, purpose=CODE_PURPOSE, code=code)


def _submit(
    ctx: ServiceContext,
    session: Session,
    application: ResidenceApplication,
    method: str,
    client_address: str | None,
    evaluation: Evaluation,
    *,
    detail: dict | None = None,
    **changes: object,
) -> None:
    """Signed: ``submitted``; then as the rules decide: ``registered`` (the applicant owns the address, or
    a state rental contract lists the person), ``awaiting_owner`` with a one-hour deadline, ``refused``,
    ``returned`` or ``sent_offline`` (the rule's code is the outcome reason)."""
    now = ctx.now()
    applicant = application.applicant_iin
    _move(
        ctx,
        session,
        application,
        Status.SUBMITTED,
        f"sign_{method}",
        applicant,
        client_address,
        detail=detail,
        signed_with=method,
        submitted_at=now,
        rules_verdict=json.dumps(evaluation.as_json()),
        **changes,
    )
    decision = evaluation.decision
    if decision.outcome == Outcome.NEEDS_OWNER_CONSENT:
        _move(
            ctx,
            session,
            application,
            Status.AWAITING_OWNER,
            "await_owner",
            applicant,
            client_address,
            owner_iin=decision.owner_iin,
            owner_deadline=now + OWNER_CONFIRMATION_WINDOW,
        )
    elif decision.outcome == Outcome.OK:
        _decide(ctx, session, application, Status.REGISTERED, "register", decision.code, client_address)
    elif decision.outcome == Outcome.REFUSED:
        _decide(ctx, session, application, Status.REFUSED, "refuse", decision.code, client_address)
    elif decision.outcome == Outcome.RETURNED:
        _decide(ctx, session, application, Status.RETURNED, "return", decision.code, client_address)
    else:
        _decide(ctx, session, application, Status.SENT_OFFLINE, "send_offline", decision.code, client_address)


def _decide(
    ctx: ServiceContext,
    session: Session,
    application: ResidenceApplication,
    to_status: Status,
    action: str,
    code: str | None,
    client_address: str | None,
) -> None:
    """The rules decided: the final status, the rule's code as the outcome reason."""
    now = ctx.now()
    _move(
        ctx,
        session,
        application,
        to_status,
        action,
        application.applicant_iin,
        client_address,
        reason=code,
        decided_at=now,
        outcome_reason=code,
    )


def _notify_owner(ctx: ServiceContext, application_id: str) -> None:
    """After submission, the owner's first code; a failed SMS leaves the application waiting (the
    owner, or the applicant on their behalf, can ask for the code again; the failed code is deleted)."""
    try:
        with ctx.session() as session:
            application = session.get(ResidenceApplication, application_id)
            if application is None or application.status != Status.AWAITING_OWNER:
                return
            pending = _prepare_owner_code(ctx, session, application, "en")
            session.commit()
        deliver(ctx, pending)
    except Refusal as error:
        log.warning(
            "application %s: the owner's code was not sent (%s)", application_id, type(error).__name__
        )


def _prepare_owner_code(
    ctx: ServiceContext, session: Session, application: ResidenceApplication, language: str
) -> PendingSms | None:
    person = _citizen(ctx, _person(application))  # the one the owner agrees to register
    who = f"{person.surname} {person.given_name}" if person else f"IIN {_person(application)}"
    return _prepare_code(
        ctx,
        session,
        owner_code_key(application.id),
        application.owner_iin,
        lambda code: owner_code_text(
            code, application.id, who=who, address=application.address, language=language
        ),
    )


def _prepare_code(
    ctx: ServiceContext, session: Session, key: str, iin: str, text: Callable[[str], str]
) -> PendingSms | None:
    """Issue a code into ``session`` for the phone of ``iin``; the SMS ``text(code)`` to ``deliver`` after
    the commit. With no phone the code is made but sent nowhere (None), so answers and throttling are the
    same whether or not a phone is known."""
    citizen = _citizen(ctx, iin)
    return prepare_code(
        ctx, session, key=key, purpose=CODE_PURPOSE, phone=citizen.phone if citizen else None, text=text
    )


def _undo_on_failed_send(
    ctx: ServiceContext, application: ResidenceApplication, actor_iin: str, action: str
) -> Callable[[Session], None]:
    """The undo of a code-sending step whose SMS failed: a new ``undone`` event (the code is gone)."""
    subject = _subject(application, actor_iin)

    def undo(session: Session) -> None:
        _event(ctx, session, subject, action, audit.UNDONE, None, reason="sms_failed")

    return undo


def _event(
    ctx: ServiceContext,
    session: Session,
    subject: audit.Subject,
    action: str,
    outcome: str,
    client_address: str | None,
    *,
    reason: str | None = None,
) -> None:
    """An event about an application that leaves its status as it is (actions are ``application.*``)."""
    audit.record_about(
        ctx,
        session,
        subject,
        action=f"application.{action}",
        outcome=outcome,
        reason=reason,
        client_address=client_address,
    )


def _citizen(ctx: ServiceContext, iin: str) -> CitizenRecord | None:
    """The person of ``iin`` in the mobile-citizens base, or None."""
    try:
        return ctx.citizens.lookup(iin)
    except CitizensRegistryError:
        raise ServiceUnavailable(
            "The mobile-citizens base cannot be reached right now; nothing was sent, please try again later.",
            code="citizens_base_unavailable",
        ) from None


def _move(
    ctx: ServiceContext,
    session: Session,
    application: ResidenceApplication,
    to_status: Status,
    action: str,
    actor_iin: str | None,
    client_address: str | None,
    *,
    reason: str | None = None,
    detail: dict | None = None,
    **changes: object,
) -> None:
    """Compare-and-set the status (nobody moved it since it was read) and audit; the caller commits."""
    from_status = application.status
    compare_and_set(
        session,
        application,
        conflict="This application was changed by another request. Reload it and try again.",
        status=str(to_status),
        **changes,
    )
    audit.record(
        ctx,
        session,
        iin=actor_iin or application.applicant_iin,
        action=f"application.{action}",
        outcome=audit.OK,
        from_state=str(from_status),
        to_state=str(to_status),
        reason=reason,
        client_address=client_address,
        detail={"application": application.id, **(detail or {})},
    )


def _subject(application: ResidenceApplication, actor_iin: str | None = None) -> audit.Subject:
    """The application as an audit subject: the person acting on it, its status, its id."""
    return audit.Subject(
        iin=actor_iin or application.applicant_iin,
        state=application.status,
        detail={"application": application.id},
    )


def _refusals_audited(
    ctx: ServiceContext, application_id: str, action: str, client_address: str | None
) -> AbstractContextManager[None]:
    """A refused step is audited in a transaction of its own (the step's work was rolled back)."""

    def find(session: Session) -> audit.Subject | None:
        application = session.get(ResidenceApplication, application_id)
        if application is None:
            return None
        actor = application.owner_iin if action.startswith("owner") else application.applicant_iin
        return _subject(application, actor)

    return audit.refusals_recorded(
        ctx, action=f"application.{action}", find=find, client_address=client_address
    )
