"""A citizen revokes their own pair from the cabinet ("I lost my key / it was stolen").

Two steps, each one function: :func:`request_revocation` fixes which of the citizen's own valid
certificates go (a pair, named by its AUTH serial) and sends a one-time code to the phone on record;
:func:`confirm_revocation` takes the code and, in one transaction, spends it and revokes both
certificates with reason ``keyCompromise`` (RFC 5280, 5.3.1: the key is out of the holder's control)
and records the audit event. Only the cabinet session that asked can confirm; a code is used once
(``eds_toolkit.otp``), 5 wrong tries end a code and 10 wrong tries per IIN in 24 hours end them all.
The CRL and OCSP answer from the store, so they say "revoked" from the commit on. The citizen may say
since when the key may be in someone else's hands (``eds_toolkit.compromised_since``): that day goes
into the CRL entries' invalidityDate (RFC 5280 5.3.2).
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ca.errors import CertificateNotFound
from ca.store import normalise_serial, revoke_valid, valid_certificates_of
from eds_toolkit import otp
from eds_toolkit.compromised_since import compromised_since as compromised_since_day
from eds_toolkit.core import audit
from eds_toolkit.core.context import ServiceContext
from eds_toolkit.core.refusals import (
    CodeRefused,
    InvalidInput,
    NotFound,
    Refusal,
    ServiceUnavailable,
    StepOutOfOrder,
    TooManyRequests,
)
from eds_toolkit.db import DATABASE_DOWN
from eds_toolkit.flow.cabinet import session_hash
from eds_toolkit.flow.cabinet_pairs import valid_pairs
from eds_toolkit.flow.codes import check_code_format, deliver, prepare_code, use_code
from eds_toolkit.flow.machine import aware
from eds_toolkit.flow.self_revocation_models import SelfRevocation
from eds_toolkit.translations import N_, gettext_in

REVOCATION_REASON = "key_compromise"
"""RFC 5280 keyCompromise: a lost or stolen key may be used by someone else."""

ACTION = "self_revocation"
"""The audit action of the confirmation (and of its refusals)."""
CODE_ACTION = "self_revocation_code"
"""The audit action of sending the code (and of its refusals)."""

CODE_KEY = "revoke:"  # one_time_codes.enrolment_id of a request's codes: revoke:<request id>
CODE_PURPOSE = "login"  # the OTP component's purposes; the key keeps these codes apart
REQUEST_LIFETIME = dt.timedelta(minutes=15)  # codes (5 minutes each) may be sent again within it
MAX_WRONG_CODES_PER_IIN = 10  # over all of an IIN's revocation requests within WRONG_CODES_WINDOW
WRONG_CODES_WINDOW = dt.timedelta(hours=24)

# TRANSLATORS: an SMS (keep it short); {code} is the 6-digit code
SMS_TEXT = N_(
    "Code to revoke your EDS certificates: {code}. Valid for 5 minutes. If you did not ask for it, "
    "do not tell it to anyone."
)


@dataclass(frozen=True)
class RevocationRequest:
    """What the confirmation page shows: the request and the serials its code revokes."""

    id: str
    serials: tuple[str, ...]
    expires_at: dt.datetime
    compromised_since: dt.datetime | None = None


def revocation_sms(code: str, language: str = "en") -> str:
    """The SMS with the code, in ``language``. Never log it."""
    return gettext_in(language, SMS_TEXT, code=code)


def request_revocation(
    ctx: ServiceContext,
    iin: str,
    session_token: str,
    pair_key: str,
    *,
    confirmed: bool,
    compromised_since: str = "",
    language: str = "en",
    client_address: str | None = None,
) -> RevocationRequest:
    """Fix the pair named by ``pair_key`` (one of ``iin``'s own valid pairs) and send the code to the
    phone on record. ``confirmed``: the citizen agreed that both certificates stop working for good;
    ``compromised_since``: the optional day since when the key may be compromised (YYYY-MM-DD)."""
    with _refusals_recorded(ctx, CODE_ACTION, iin, client_address):
        pair = _own_valid_pair(ctx, iin, pair_key)
        if not confirmed:
            raise InvalidInput(
                "Confirm that your certificates will stop working for good: tick the box, then try again.",
                code="revocation_not_confirmed",
            )
        since = compromised_since_day(
            compromised_since,
            issued=min(aware(row.not_before) for row in pair.records),
            now=ctx.now(),
            time_zone=ctx.time_zone,
        )
        phone = _phone_on_record(ctx, iin)
        now = ctx.now()
        request_id = secrets.token_urlsafe(32)
        with ctx.session() as session:
            row = SelfRevocation(
                id=request_id,
                iin=iin,
                session_hash=session_hash(session_token),
                auth_serial=pair.auth.serial if pair.auth is not None else None,
                sign_serial=pair.sign.serial if pair.sign is not None else None,
                language=language,
                created_at=now,
                expires_at=now + REQUEST_LIFETIME,
                compromised_since=since.moment if since else None,
            )
            session.add(row)
            pending = _prepare(ctx, session, row, phone)
            audit.record(
                ctx, session, iin=iin, action=CODE_ACTION, outcome=audit.OK, client_address=client_address
            )
            session.commit()
            view = _view(row)
    deliver(ctx, pending, undo=_undo(ctx, iin, request_id))  # a failed SMS is recorded as the undo
    return view


def resend_revocation_code(
    ctx: ServiceContext,
    iin: str,
    session_token: str,
    request_id: str,
    *,
    client_address: str | None = None,
) -> None:
    """A new code for an open request (at most one a minute, five an hour; the earlier one then ends)."""
    with _refusals_recorded(ctx, CODE_ACTION, iin, client_address):
        phone = _phone_on_record(ctx, iin)
        with ctx.session() as session:
            row = _open_request(ctx, session, iin, session_token, request_id)
            pending = _prepare(ctx, session, row, phone)
            audit.record(
                ctx, session, iin=iin, action=CODE_ACTION, outcome=audit.OK, client_address=client_address
            )
            session.commit()
    deliver(ctx, pending, undo=_undo(ctx, iin, None))


def open_request(ctx: ServiceContext, iin: str, session_token: str, request_id: str) -> RevocationRequest:
    """The open request of this citizen and session (for the page that asks for the code)."""
    with ctx.session() as session:
        return _view(_open_request(ctx, session, iin, session_token, request_id))


def confirm_revocation(
    ctx: ServiceContext,
    iin: str,
    session_token: str,
    request_id: str,
    code: str,
    *,
    client_address: str | None = None,
) -> list[str]:
    """Spend the code and revoke the request's certificates (keyCompromise), one transaction; return the
    serials revoked. A wrong, used or expired code revokes nothing (a wrong try still counts)."""
    with _refusals_recorded(ctx, ACTION, iin, client_address):
        entered = check_code_format(code)
        with ctx.session() as session:
            row = _open_request(ctx, session, iin, session_token, request_id)
            otp.take_turns(session, f"otp-revoke:{iin}")  # concurrent tries are counted one by one
            _refuse_when_out_of_tries(ctx, session, iin)
            try:
                use_code(ctx, session, key=CODE_KEY + row.id, purpose=CODE_PURPOSE, code=entered)
            except CodeRefused as refusal:
                raise _counted(ctx, session, iin, refusal) from None
            now = ctx.now()
            serials = [serial for serial in (row.auth_serial, row.sign_serial) if serial]
            since = aware(row.compromised_since) if row.compromised_since else None
            revoked = revoke_valid(session, serials, now, REVOCATION_REASON, invalid_since=since)
            if not revoked:  # revoked or renewed elsewhere since the check above
                session.rollback()
                raise _no_longer_valid()
            row.revoked_at = now
            audit.record(
                ctx,
                session,
                iin=iin,
                action=ACTION,
                outcome=audit.OK,
                reason="key_lost",
                client_address=client_address,
                detail={
                    "revoked": revoked,
                    "revocation_reason": REVOCATION_REASON,
                    **({"compromised_since": since.isoformat()} if since else {}),
                },
            )
            session.commit()
    return revoked


def _refusals_recorded(ctx: ServiceContext, action: str, iin: str, client_address: str | None):
    """Every refusal of a step is audited under the signed-in citizen (someone else's serial too)."""
    return audit.refusals_recorded(
        ctx, action, lambda _session: audit.Subject(iin=iin), client_address, unrecorded=()
    )


def _own_valid_pair(ctx: ServiceContext, iin: str, pair_key: str):
    """The citizen's valid pair named by ``pair_key``; one of anyone else's is "not found", the same
    answer as a serial that does not exist."""
    try:
        key = normalise_serial(pair_key or "")
    except CertificateNotFound:
        key = None
    pair = next((pair for pair in valid_pairs(ctx, iin) if pair.key == key), None)
    if pair is None:
        raise NotFound(
            "None of your valid certificates has this serial number. Choose one of the pairs listed.",
            code="certificate_not_found",
        )
    return pair


def _phone_on_record(ctx: ServiceContext, iin: str) -> str:
    try:
        record = ctx.citizens.lookup(iin)
    except DATABASE_DOWN:
        raise
    except Exception as error:  # an external registry that fails: nothing is stored
        raise ServiceUnavailable(
            "The citizens register is not answering right now. Please try again in a few minutes.",
            code="registry_unavailable",
        ) from error
    if record is None or not record.phone:
        raise StepOutOfOrder(
            "There is no phone number on record for your IIN, so no code can be sent. To revoke your "
            "certificates, visit a public service centre with your identity card.",
            code="no_phone_on_record",
        )
    return record.phone


def _prepare(ctx: ServiceContext, session: Session, row: SelfRevocation, phone: str):
    language = row.language
    return prepare_code(
        ctx,
        session,
        key=CODE_KEY + row.id,
        purpose=CODE_PURPOSE,
        phone=phone,
        text=lambda code: revocation_sms(code, language),
    )


def _undo(ctx: ServiceContext, iin: str, request_id: str | None):
    """The undo of a code whose SMS failed: the step's ``undone`` event; a new request is closed."""

    def undo(session: Session) -> None:
        if request_id is not None:
            row = session.get(SelfRevocation, request_id)
            if row is not None:
                row.expires_at = ctx.now()
        audit.record(ctx, session, iin=iin, action=CODE_ACTION, outcome=audit.UNDONE, reason="sms_failed")

    return undo


def _open_request(
    ctx: ServiceContext, session: Session, iin: str, session_token: str, request_id: str
) -> SelfRevocation:
    """The request, if it is this citizen's and this session's, not done, not expired, still revoking
    something; else the refusal that says which."""
    row = session.get(SelfRevocation, request_id) if request_id else None
    asking = session_hash(session_token or "")
    if row is None or row.iin != iin or not hmac.compare_digest(row.session_hash, asking):
        raise NotFound(
            "There is no such revocation request in this session. Choose the certificates again.",
            code="revocation_not_found",
        )
    if row.revoked_at is not None:
        raise StepOutOfOrder("These certificates were already revoked.", code="revocation_done")
    if ctx.now() >= aware(row.expires_at):
        raise StepOutOfOrder(
            "This revocation request has expired. Choose the certificates again to get a new code.",
            code="revocation_expired",
        )
    serials = {row.auth_serial, row.sign_serial} - {None}
    still_valid = {record.serial for record in valid_certificates_of(session, iin, ctx.now())}
    if not serials & still_valid:
        raise _no_longer_valid()
    return row


def _no_longer_valid() -> StepOutOfOrder:
    return StepOutOfOrder(
        "These certificates are no longer valid (revoked or expired): there is nothing to revoke.",
        code="revocation_not_needed",
    )


def _wrong_codes(ctx: ServiceContext, session: Session, iin: str) -> int:
    since = ctx.now() - WRONG_CODES_WINDOW
    ids = session.scalars(
        select(SelfRevocation.id).where(SelfRevocation.iin == iin, SelfRevocation.created_at > since)
    )
    keys = [CODE_KEY + request_id for request_id in ids]
    return sum(attempts for _, attempts in otp.wrong_tries(session, keys, since=since)) if keys else 0


def _too_many() -> TooManyRequests:
    return TooManyRequests(
        f"{MAX_WRONG_CODES_PER_IIN} wrong codes were entered to revoke your certificates within a day, so "
        "no code is accepted for now. Try again tomorrow, or visit a public service centre.",
        code="too_many_wrong_revocation_codes",
    )


def _refuse_when_out_of_tries(ctx: ServiceContext, session: Session, iin: str) -> None:
    if _wrong_codes(ctx, session, iin) >= MAX_WRONG_CODES_PER_IIN:
        raise _too_many()


def _counted(ctx: ServiceContext, session: Session, iin: str, refusal: CodeRefused) -> Refusal:
    """A refused code as the citizen should read it: the IIN's budget when that is the smaller one."""
    wrong = _wrong_codes(ctx, session, iin)
    if wrong >= MAX_WRONG_CODES_PER_IIN:
        return _too_many()
    remaining = refusal.extra.get("remaining")
    if refusal.code == "code_wrong" and isinstance(remaining, int):
        left = min(remaining, MAX_WRONG_CODES_PER_IIN - wrong)
        return CodeRefused(f"The code is wrong: {left} tries left.", code="code_wrong", remaining=left)
    return refusal


def _view(row: SelfRevocation) -> RevocationRequest:
    serials = tuple(serial for serial in (row.auth_serial, row.sign_serial) if serial)
    since = aware(row.compromised_since) if row.compromised_since else None
    return RevocationRequest(
        id=row.id, serials=serials, expires_at=aware(row.expires_at), compromised_since=since
    )
