"""Reading an enrolment: its state for the API and pages, and bearer-token authentication."""

from __future__ import annotations

import datetime as dt
import hmac
from dataclasses import dataclass, field

from sqlalchemy import select

from eds_toolkit.core.audit_models import AuditEvent
from eds_toolkit.core.context import ServiceContext
from eds_toolkit.core.refusals import NotFound
from eds_toolkit.flow.machine import NEXT_STEP, State, aware, token_hash
from eds_toolkit.flow.models import DigitalIdAccount, Enrolment
from eds_toolkit.flow.phone_change import is_released
from eds_toolkit.flow.phone_change_models import PhoneChange


@dataclass(frozen=True)
class EnrolmentView:
    """What a citizen may see about an enrolment (no phone number: that would enumerate the base)."""

    id: str
    state: str
    next_step: str | None
    expires_at: dt.datetime
    code_sent_to_new_phone: bool
    certificates: list[dict] = field(default_factory=list)
    # a phone change not in effect yet: nothing is issued before this time unless the old number confirms
    phone_change_release_at: dt.datetime | None = None
    # the IIN's valid certificates that issuance will revoke (superseded), shown before issuing
    replaces: list[dict] = field(default_factory=list)
    # the IIN has a Digital ID account: the PIN step replaces its PIN (shown before the citizen types one)
    replaces_pin: bool = False
    # issued: how many more times a lost download may be replaced by a new pair (flow.replacement)
    replacements_left: int = 0
    # the citizen confirmed the application (name and IIN) shown before issuance (flow.application)
    application_confirmed: bool = False

    @classmethod
    def of_new(cls, enrolment: Enrolment) -> EnrolmentView:
        """The view of an enrolment just started, from its row as created (not read back: its first
        SMS is sent after the answer, and a failed send may already have removed it)."""
        return cls(
            id=enrolment.id,
            state=str(State.STARTED),
            next_step=NEXT_STEP[State.STARTED],
            expires_at=aware(enrolment.expires_at),
            code_sent_to_new_phone=False,
        )

    def as_json(self) -> dict:
        return {
            "id": self.id,
            "state": self.state,
            "next_step": self.next_step,
            "expires_at": self.expires_at.isoformat(),
            "code_sent_to_new_phone": self.code_sent_to_new_phone,
            "certificates": self.certificates,
            "phone_change_release_at": (
                self.phone_change_release_at.isoformat() if self.phone_change_release_at else None
            ),
            "replaces_pin": self.replaces_pin,
            "application_confirmed": self.application_confirmed,
            "replaces": [
                {key: row[key] for key in ("profile", "serial", "not_after")} for row in self.replaces
            ],
        }


def authenticate(ctx: ServiceContext, enrolment_id: str, token: str) -> None:
    """Check an API bearer token against the enrolment's stored hash (constant time); else NotFound."""
    with ctx.session() as session:
        enrolment = session.get(Enrolment, enrolment_id)
        expected = enrolment.api_token_hash if enrolment is not None else "0" * 64
    if not hmac.compare_digest(expected, token_hash(token or "")) or enrolment is None:
        raise NotFound("No such enrolment for this token.", code="not_found")


def describe(ctx: ServiceContext, enrolment_id: str) -> EnrolmentView:
    """The enrolment's state, next step and (once issued) its certificates."""
    from ca.store import current_pair_of_enrolment, valid_certificates_of
    from eds_toolkit.flow.replacement import replacements_left

    with ctx.session() as session:
        enrolment = session.get(Enrolment, enrolment_id)
        if enrolment is None:
            raise NotFound("This enrolment does not exist. Please start again with your IIN.")
        state = State(enrolment.state)
        if state not in {State.ISSUED, State.FAILED, State.EXPIRED} and ctx.now() >= aware(
            enrolment.expires_at
        ):
            state = State.EXPIRED
        certificates, replacements = [], 0
        if state == State.ISSUED:
            replacements = replacements_left(ctx, session, enrolment)
            certificates = [
                certificate_json(row, now=ctx.now())
                for row in current_pair_of_enrolment(session, enrolment.id)
            ]
        release_at, replaces, replaces_pin = None, [], False
        if state in (State.FACE_MATCHED, State.PIN_SET):
            change = (
                session.get(PhoneChange, enrolment.phone_change_id) if enrolment.phone_change_id else None
            )
            if change is not None and not is_released(change, ctx.now()) and change.stopped_at is None:
                release_at = aware(change.release_at)
            replaces_pin = session.get(DigitalIdAccount, enrolment.iin) is not None
            replaces = [
                certificate_json(row, now=ctx.now())
                for row in valid_certificates_of(session, enrolment.iin, ctx.now())
            ]
        return EnrolmentView(
            id=enrolment.id,
            state=str(state),
            next_step=NEXT_STEP.get(state),
            expires_at=aware(enrolment.expires_at),
            code_sent_to_new_phone=bool(enrolment.pending_phone),
            certificates=certificates,
            phone_change_release_at=release_at,
            replaces=replaces,
            replaces_pin=replaces_pin,
            replacements_left=replacements,
            application_confirmed=enrolment.application_confirmed_at is not None,
        )


def certificate_status(row, now: dt.datetime) -> str:
    """``revoked`` (by the CA), ``expired`` (``now`` is past not_after) or ``valid``."""
    if row.status == "revoked":
        return "revoked"
    if now > aware(row.not_after):
        return "expired"
    return "valid"


def certificate_json(row, now: dt.datetime | None = None) -> dict:
    """A certificate record as the API and the cabinet show it (status as of ``now``, else as stored)."""
    return {
        "profile": row.profile,
        "serial": row.serial,
        "not_before": aware(row.not_before).isoformat(),
        "not_after": aware(row.not_after).isoformat(),
        "status": certificate_status(row, now) if now is not None else row.status,
        "pem": row.pem if isinstance(row.pem, str) else row.pem.decode(),
    }


def history(ctx: ServiceContext, iin: str) -> list[AuditEvent]:
    """Every audit event of this citizen's enrolments, oldest first."""
    with ctx.session() as session:
        return list(
            session.scalars(
                select(AuditEvent)
                .where(AuditEvent.iin_hash == ctx.iin_hash(iin))
                .order_by(AuditEvent.at, AuditEvent.id)
            )
        )
