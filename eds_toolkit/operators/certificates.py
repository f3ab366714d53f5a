"""The operators' view of the certificate store: search (by IIN, serial prefix, status) and a
certificate's history (its record, pair partner, origin, revocation, the audit events about its
holder, and what OCSP and the CRLs say now). Looking a person up is audited: who looked up whom.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

from cryptography import x509
from sqlalchemy import select
from sqlalchemy.orm import Session

from ca import search as store_search
from ca.errors import CertificateNotFound
from ca.store import (
    REPLACEMENT_MARK,
    CertificateRecord,
    certificate,
    certificates_of_enrolment,
    normalise_serial,
)
from eds_toolkit.core.audit_models import AuditEvent
from eds_toolkit.core.context import ServiceContext
from eds_toolkit.core.refusals import InvalidInput, NotFound
from eds_toolkit.flow.issuance import loaded_authority
from eds_toolkit.flow.models import Enrolment
from eds_toolkit.flow.renewal_models import RenewalChallenge
from eds_toolkit.operators.actions import record_action
from eds_toolkit.operators.live_status import CrlListing, OcspAnswer, crl_listings, ocsp_answer
from eds_toolkit.operators.registry import operators
from eds_toolkit.operators.signin import SignedIn
from eds_toolkit.renewal import RENEWAL_ENROLMENT_PREFIX
from national_profile.iin import InvalidIIN, parse_iin
from national_profile.names import SUBJECT_LABELS

PAGE_SIZE = 25
STATUSES = ("valid", "revoked", "expired")
_LABEL_OIDS = {label: oid for oid, label in SUBJECT_LABELS.items()}

# Audit actions that revoke certificates, in the order a revocation is looked for among a holder's events.
REVOKING_ACTIONS = (
    "operator_revoke",
    "operator_bulk_revoke",
    "replace_on_server",
    "self_revocation",  # the holder's own, from the cabinet
    "renewal",
    "issue_with_csrs",
    "issue_on_server",
)
REVOCATION_SLACK = dt.timedelta(seconds=5)  # a revocation's time and its event's, written in one step


@dataclass(frozen=True)
class CertificateRow:
    """One certificate as the console lists it."""

    serial: str
    iin: str
    holder: str
    profile: str  # "AUTH" / "SIGN"
    not_before: dt.datetime
    not_after: dt.datetime
    status: str  # valid / revoked / expired, as of the moment it was read
    revoked_at: dt.datetime | None
    revocation_reason: str | None  # the store's code, e.g. key_compromise
    invalidity_date: dt.datetime | None  # "compromised since" (RFC 5280 invalidityDate), if given
    enrolment_id: str | None
    identification: str
    subject: str

    @classmethod
    def of(cls, record: CertificateRecord, now: dt.datetime) -> CertificateRow:
        return cls(
            serial=record.serial,
            iin=record.iin,
            holder=holder_name(record.subject),
            profile=record.profile.upper(),
            not_before=record.not_before,
            not_after=record.not_after,
            status=record.status_at(now),
            revoked_at=record.revoked_at,
            revocation_reason=record.revocation_reason,
            invalidity_date=record.invalidity_date,
            enrolment_id=record.enrolment_id,
            identification=record.identification,
            subject=record.subject,
        )


def holder_name(subject: str) -> str:
    """The holder's name from the stored subject: CN ("SURNAME GIVEN") and the patronymic (G), if any."""
    try:
        name = x509.Name.from_rfc4514_string(subject, _LABEL_OIDS)
    except ValueError:
        return subject
    parts = [
        a.value
        for oid in (x509.NameOID.COMMON_NAME, x509.NameOID.GIVEN_NAME)
        for a in name.get_attributes_for_oid(oid)
    ]
    return " ".join(str(part) for part in parts) or subject


# ----- search -----


@dataclass(frozen=True)
class SearchCriteria:
    """What to look for; each given criterion must hold."""

    iin: str | None = None
    serial_prefix: str | None = None
    status: str | None = None

    @property
    def empty(self) -> bool:
        return self.iin is None and self.serial_prefix is None and self.status is None


def search_criteria(iin: str = "", serial: str = "", status: str = "") -> SearchCriteria:
    """The typed criteria, checked: an IIN of 12 digits with a right check digit; a serial in hex
    (colons, spaces and ``0x`` allowed) of at least 8 digits; a status of valid/revoked/expired."""
    iin, serial, status = iin.strip(), serial.strip(), status.strip()
    checked_iin = None
    if iin:
        try:
            checked_iin = parse_iin(iin).value
        except InvalidIIN as error:
            raise InvalidInput(f"Not a valid IIN: {error}", code="invalid_iin") from None
    prefix = None
    if serial:
        prefix = serial.lower().removeprefix("0x").replace(":", "").replace(" ", "")
        if any(c not in "0123456789abcdef" for c in prefix) or len(prefix) > 40:
            raise InvalidInput(
                "A serial number is hexadecimal (0-9, a-f; colons allowed), at most 40 digits.",
                code="invalid_serial",
            )
        if len(prefix) < store_search.MIN_SERIAL_PREFIX:
            raise InvalidInput(
                "Type at least the first 8 hexadecimal digits of the serial number.",
                code="serial_too_short",
            )
    if status and status not in STATUSES:
        raise InvalidInput("The status is valid, revoked or expired.", code="invalid_status")
    return SearchCriteria(checked_iin, prefix, status or None)


@dataclass(frozen=True)
class SearchResult:
    rows: list[CertificateRow]
    total: int
    page: int
    pages: int


def search(
    ctx: ServiceContext,
    who: SignedIn,
    criteria: SearchCriteria,
    *,
    page: int = 1,
    client_address: str | None = None,
) -> SearchResult:
    """One page of the certificates matching ``criteria``, newest first. A search by IIN is audited
    (about the IIN looked up, naming the operator), whether or not anything was found."""
    page = max(1, page)
    now = ctx.now()
    with ctx.session() as session:
        found = store_search.search(
            session,
            now=now,
            iin=criteria.iin,
            serial_prefix=criteria.serial_prefix,
            status=criteria.status,
            offset=(page - 1) * PAGE_SIZE,
            limit=PAGE_SIZE,
        )
        if criteria.iin is not None:
            record_action(
                ctx,
                session,
                who,
                "operator_search",
                iin=criteria.iin,
                client_address=client_address,
                detail={"status": criteria.status, "found": found.total},
            )
            session.commit()
        rows = [CertificateRow.of(record, now) for record in found.records]
    pages = max(1, -(-found.total // PAGE_SIZE))
    return SearchResult(rows, found.total, page, pages)


# ----- one certificate -----


@dataclass(frozen=True)
class Origin:
    """Where a certificate came from: a remote ``enrolment`` (or its n-th ``replacement`` pair after a
    lost download), a ``renewal`` signed with an earlier AUTH certificate, or ``direct`` issuance (a
    service centre, ``eds ca issue``: no enrolment)."""

    kind: str
    reference: str | None = None  # the enrolment's id, or the renewal challenge's
    started_at: dt.datetime | None = None
    issued_at: dt.datetime | None = None
    state: str | None = None  # an enrolment's state now
    replacement: int | None = None
    renewed_from: str | None = None  # the AUTH serial the renewal was signed with


@dataclass(frozen=True)
class Revocation:
    """When and why a certificate was revoked, and by whom: an operator (``operator``), or the step
    whose audit event revoked it (``action``); neither when no event names it (``eds ca revoke``)."""

    at: dt.datetime
    reason: str  # the store's code
    action: str | None = None
    operator: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class HistoryEvent:
    """An audit event about the holder, as the console shows it (no client address, no secret)."""

    at: dt.datetime
    action: str
    outcome: str
    reason: str | None
    enrolment_id: str | None
    operator: str | None  # the operator who did it, for the console's own actions
    serials: list[str] = field(default_factory=list)  # the certificates it revoked, if it says
    note: str | None = None  # an operator's note (a revocation's)


@dataclass(frozen=True)
class CertificateHistory:
    certificate: CertificateRow
    partners: list[CertificateRow]
    origin: Origin
    replaced_by: list[str]  # the serials of the renewal that superseded it
    revocation: Revocation | None
    events: list[HistoryEvent]
    ocsp: OcspAnswer
    crls: list[CrlListing]


def stored_serial(serial: str) -> str:
    """The stored form of a typed serial; one that is not hexadecimal is NotFound (as an unknown one)."""
    try:
        return normalise_serial(serial)
    except CertificateNotFound:
        raise NotFound(f"{serial!r} is not a certificate serial number.", code="serial_not_found") from None


def load_record(session: Session, serial: str) -> CertificateRecord:
    """The record of ``serial`` (any typed form), or NotFound."""
    record = certificate(session, stored_serial(serial))
    if record is None:
        raise NotFound("No certificate with this serial number in this CA's store.", code="serial_not_found")
    return record


def certificate_history(
    ctx: ServiceContext, who: SignedIn, serial: str, *, client_address: str | None = None
) -> CertificateHistory:
    """Everything the console shows about one certificate. Opening it is audited (about its holder)."""
    now = ctx.now()
    names = {view.id: view.name for view in operators(ctx)}
    with ctx.session() as session:
        record = load_record(session, serial)
        row = CertificateRow.of(record, now)
        partners = [
            CertificateRow.of(other, now)
            for other in (
                certificates_of_enrolment(session, record.enrolment_id) if record.enrolment_id else []
            )
            if other.serial != record.serial
        ]
        origin = _origin(session, record)
        replaced_by = _replaced_by(session, [row.serial, *(p.serial for p in partners)])
        record_action(
            ctx,
            session,
            who,
            "operator_view_certificate",
            iin=record.iin,
            client_address=client_address,
            detail={"serial": record.serial},
        )
        session.commit()
        events = [
            _event(event, names)
            for event in session.scalars(
                select(AuditEvent)
                .where(AuditEvent.iin_hash == ctx.iin_hash(record.iin))
                .order_by(AuditEvent.at, AuditEvent.id)
            )
        ]
        pem = record.pem
    authority = loaded_authority(ctx)
    issued = x509.load_pem_x509_certificate(pem.encode("ascii"))
    return CertificateHistory(
        certificate=row,
        partners=partners,
        origin=origin,
        replaced_by=replaced_by,
        revocation=_revocation(row, events),
        events=events,
        ocsp=ocsp_answer(authority, issued),
        crls=crl_listings(authority, issued.serial_number),
    )


def _origin(session: Session, record: CertificateRecord) -> Origin:
    reference = record.enrolment_id
    if reference is None:
        return Origin("direct")
    if reference.startswith(RENEWAL_ENROLMENT_PREFIX):
        challenge_id = reference.removeprefix(RENEWAL_ENROLMENT_PREFIX)
        challenge = session.get(RenewalChallenge, challenge_id)
        return Origin(
            "renewal",
            challenge_id,
            started_at=challenge.issued_at if challenge else None,
            issued_at=challenge.used_at if challenge else None,
            renewed_from=challenge.old_auth_serial if challenge else None,
        )
    enrolment_id, mark, number = reference.partition(REPLACEMENT_MARK)
    enrolment = session.get(Enrolment, enrolment_id)
    if enrolment is None:  # issued by the CA library under a reference of the caller's own
        return Origin("direct", reference)
    return Origin(
        "replacement" if mark else "enrolment",
        enrolment_id,
        started_at=enrolment.created_at,
        issued_at=enrolment.issued_at,
        state=enrolment.state,
        replacement=int(number) if mark and number.isdigit() else None,
    )


def _replaced_by(session: Session, serials: list[str]) -> list[str]:
    """The new pair of the renewal signed with one of ``serials`` (the AUTH certificate), if any."""
    renewal = session.scalars(
        select(RenewalChallenge).where(
            RenewalChallenge.old_auth_serial.in_(serials), RenewalChallenge.outcome == "renewed"
        )
    ).first()
    if renewal is None:
        return []
    return [s for s in (renewal.new_auth_serial, renewal.new_sign_serial) if s]


def _event(event: AuditEvent, names: dict[int, str]) -> HistoryEvent:
    detail = _detail(event)
    operator_id = detail.get("operator_id")
    serials = [
        s for key in ("serials", "revoked", "superseded") for s in detail.get(key) or [] if isinstance(s, str)
    ]
    return HistoryEvent(
        at=event.at,
        action=event.action,
        outcome=event.outcome,
        reason=event.reason,
        enrolment_id=event.enrolment_id,
        operator=names.get(operator_id) if isinstance(operator_id, int) else None,
        serials=serials,
        note=detail.get("note") if isinstance(detail.get("note"), str) else None,
    )


def _detail(event: AuditEvent) -> dict:
    try:
        detail = json.loads(event.detail) if event.detail else {}
    except ValueError:
        return {}
    return detail if isinstance(detail, dict) else {}


def _revocation(row: CertificateRow, events: list[HistoryEvent]) -> Revocation | None:
    """The revocation and the event that made it: one naming the serial, else (a superseding step
    names no serial) the revoking step at the same moment."""
    if row.status != "revoked" or row.revoked_at is None:
        return None
    revoking = [e for e in events if e.action in REVOKING_ACTIONS and e.outcome == "ok"]
    named = [e for e in revoking if row.serial in e.serials]
    near = [e for e in revoking if abs(e.at - row.revoked_at) <= REVOCATION_SLACK]
    event = (named or near or [None])[0]
    if event is None:
        return Revocation(row.revoked_at, row.revocation_reason or "unspecified")
    reason = row.revocation_reason or "unspecified"
    return Revocation(row.revoked_at, reason, event.action, event.operator, event.note)
