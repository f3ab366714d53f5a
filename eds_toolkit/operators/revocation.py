"""An operator revokes one holder's certificates (by default the whole pair) with an RFC 5280 reason
and a note, then the CA publishes a fresh CRL so relying parties see it at once.

The reasons an operator may choose (RFC 5280 5.3.1, for end-entity certificates):
keyCompromise, affiliationChanged, superseded, cessationOfOperation and privilegeWithdrawn. Left out
on purpose: unspecified (the operator always knows why; RFC 5280 prefers a reason code), cACompromise
and aACompromise (about authorities, not a citizen's pair), certificateHold (a hold is meant to be
released, but a revocation here is final: nothing un-revokes, and the CA/Browser Forum's rules
forbid it too), and removeFromCRL (only a delta CRL's release of a hold).

An optional "compromised since" day (``eds_toolkit.compromised_since``, keyCompromise only) goes with
the revocation into the CRL entries' invalidityDate (RFC 5280 5.3.2).

The revocation is a compare-and-set on ``valid`` (``ca.store.revoke_valid``): a certificate revoked or
expired meanwhile makes the whole request refused with nothing changed, so the operator revokes
exactly what they confirmed.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from cryptography import x509
from sqlalchemy.exc import SQLAlchemyError

from ca.crl import REASON_FLAGS, publish_due
from ca.errors import CAError
from ca.store import certificates_of_enrolment, revoke_valid
from eds_toolkit.compromised_since import CompromisedSince, compromised_since
from eds_toolkit.core import audit
from eds_toolkit.core.context import ServiceContext
from eds_toolkit.core.refusals import InvalidInput, Refusal
from eds_toolkit.flow.issuance import loaded_authority
from eds_toolkit.operators.actions import record_action
from eds_toolkit.operators.certificates import CertificateRow, load_record
from eds_toolkit.operators.signin import SignedIn

log = logging.getLogger(__name__)

OPERATOR_REASONS = (
    "key_compromise",
    "affiliation_changed",
    "superseded",
    "cessation_of_operation",
    "privilege_withdrawn",
)
"""The store's codes of the reasons an operator may give (see the module's docstring)."""

NOTE_LIMIT = 1000  # characters


def rfc5280_name(reason: str) -> str:
    """The RFC 5280 name of a stored reason code (``key_compromise`` -> ``keyCompromise``)."""
    flag = REASON_FLAGS.get(reason)
    return flag.value if flag is not None else reason


class NotRevocable(Refusal):
    """A certificate asked to be revoked is revoked already, or expired: nothing was revoked."""

    status = 409
    code = "already_revoked"
    title = "Not revocable"


@dataclass(frozen=True)
class RevocationRequest:
    """What the operator confirmed: which certificates (of one pair), the reason, the note."""

    serial: str  # the certificate whose page it started from
    serials: tuple[str, ...]
    reason: str
    note: str
    compromised_since: CompromisedSince | None = None


@dataclass(frozen=True)
class Revoked:
    """What was done: the certificates revoked, when, and the CRL published after (None: not now,
    the scheduled publication lists them)."""

    serials: tuple[str, ...]
    at: dt.datetime
    crl_number: int | None


def pair_of(ctx: ServiceContext, serial: str) -> list[CertificateRow]:
    """The certificate and its pair partner(s) (same enrolment), the certificate first."""
    now = ctx.now()
    with ctx.session() as session:
        record = load_record(session, serial)
        others = certificates_of_enrolment(session, record.enrolment_id) if record.enrolment_id else []
        return [CertificateRow.of(record, now)] + [
            CertificateRow.of(row, now) for row in others if row.serial != record.serial
        ]


def checked_reason(reason: str) -> str:
    if reason not in OPERATOR_REASONS:
        names = ", ".join(rfc5280_name(r) for r in OPERATOR_REASONS)
        raise InvalidInput(f"Choose the reason for the revocation: one of {names}.", code="invalid_reason")
    return reason


def checked_note(note: str) -> str:
    note = note.strip()
    if not note:
        raise InvalidInput(
            "Write a note: why the certificates are revoked, and on whose request.",
            code="revocation_note_missing",
        )
    if len(note) > NOTE_LIMIT:
        raise InvalidInput(
            f"The note is at most {NOTE_LIMIT} characters.", code="revocation_note_too_long", limit=NOTE_LIMIT
        )
    return note


def revocation_request(
    pair: list[CertificateRow],
    selected: list[str],
    reason: str,
    note: str,
    *,
    compromised_since: str = "",
    now: dt.datetime | None = None,
    time_zone: str = "Asia/Almaty",
) -> RevocationRequest:
    """The form's choices, checked against ``pair`` (from :func:`pair_of`); ``compromised_since`` is
    the optional day (keyCompromise only) in ``time_zone``, not after ``now``."""
    in_pair = [row.serial for row in pair]
    chosen = tuple(serial for serial in in_pair if serial in set(selected))
    if set(selected) - set(in_pair):
        raise InvalidInput(
            "Only this certificate and its pair partner can be revoked here.", code="not_in_pair"
        )
    if not chosen:
        raise InvalidInput("Choose at least one certificate to revoke.", code="nothing_selected")
    reason, note = checked_reason(reason), checked_note(note)
    since = compromised_since_for(
        [row for row in pair if row.serial in chosen], reason, compromised_since, now, time_zone
    )
    return RevocationRequest(in_pair[0], chosen, reason, note, since)


def compromised_since_for(
    rows: list[CertificateRow], reason: str, text: str, now: dt.datetime | None, time_zone: str
) -> CompromisedSince | None:
    """The "compromised since" day for revoking ``rows`` with ``reason``: keyCompromise only."""
    if text.strip() and reason != "key_compromise":
        raise InvalidInput(
            "A “compromised since” date goes only with the reason keyCompromise: choose that reason or "
            "leave the date empty.",
            code="compromise_date_wrong_reason",
        )
    return compromised_since(
        text,
        issued=min(row.not_before for row in rows),
        now=now or dt.datetime.now(dt.UTC),
        time_zone=time_zone,
    )


def revoke(
    ctx: ServiceContext, who: SignedIn, request: RevocationRequest, *, client_address: str | None = None
) -> Revoked:
    """Revoke ``request.serials`` in one transaction with the audit event, or none of them (a refusal,
    audited too). Then a new CRL is published (a failure there is logged; the revocation stands)."""
    now = ctx.now()
    with ctx.session() as session:
        records = [load_record(session, serial) for serial in request.serials]
        iin = records[0].iin
        try:
            for record in records:
                state = record.status_at(now)
                if state != "valid":
                    raise _not_revocable(record.serial, state, record.revoked_at, record.revocation_reason)
            since = request.compromised_since.moment if request.compromised_since else None
            revoked = revoke_valid(session, list(request.serials), now, request.reason, invalid_since=since)
            if revoked != list(request.serials):  # another operator (or the holder) was first
                session.rollback()
                record = load_record(session, next(s for s in request.serials if s not in revoked))
                raise _not_revocable(record.serial, "revoked", record.revoked_at, record.revocation_reason)
        except NotRevocable as error:
            session.rollback()
            record_action(
                ctx,
                session,
                who,
                "operator_revoke",
                iin=iin,
                outcome=audit.REFUSED,
                reason=error.code,
                client_address=client_address,
                detail={"serials": list(request.serials)},
            )
            session.commit()
            raise
        record_action(
            ctx,
            session,
            who,
            "operator_revoke",
            iin=iin,
            reason=request.reason,
            client_address=client_address,
            detail={
                "serials": revoked,
                "note": request.note,
                **({"compromised_since": since.isoformat()} if since else {}),
            },
        )
        session.commit()
    return Revoked(tuple(revoked), now.replace(microsecond=0), publish_crl(ctx))


def publish_crl(ctx: ServiceContext) -> int | None:
    """Publish the issuing CA's base and delta CRLs now; the base CRL's number, or None if that failed
    (then the scheduled publication, within the hour, lists the revocation)."""
    try:
        published = publish_due(loaded_authority(ctx), force=True)
    except (CAError, Refusal, SQLAlchemyError) as error:  # the revocation is committed: say so, not 500
        log.error("CRL not published after a revocation: %s", type(error).__name__)
        return None
    return published.base.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number


def _not_revocable(
    serial: str, state: str, revoked_at: dt.datetime | None, reason: str | None
) -> NotRevocable:
    if state == "expired":
        return NotRevocable(
            f"Certificate {serial} has expired: it is no longer valid and cannot be revoked. "
            "Nothing was revoked.",
            code="revoke_expired",
            serial=serial,
        )
    when = f"{revoked_at:%Y-%m-%d %H:%M} UTC" if revoked_at else "earlier"
    return NotRevocable(
        f"Certificate {serial} was already revoked ({when}, {rfc5280_name(reason or 'unspecified')}). "
        "Nothing was revoked: reload the certificate's page.",
        serial=serial,
        revoked_at=when,
        reason=rfc5280_name(reason or "unspecified"),
    )
