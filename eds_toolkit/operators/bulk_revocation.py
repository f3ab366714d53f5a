"""Bulk revocation by two people: one CA administrator proposes (a list of serials or of IINs, a reason,
a note), a *different* one approves or rejects, within 24 hours; only the approval revokes.

The certificates are resolved when the proposal is made (an IIN stands for its certificates valid at
that moment), so the approver decides on exactly what will be revoked. The approval is one
transaction: the proposal's compare-and-set from ``pending`` to ``approved``, every revocation, and an
audit event per holder; what was no longer valid by then is reported, not an error. The two-person
rule compares operators, not certificates: operators are unique by IIN, so the proposer signing in
with another AUTH certificate of theirs is still the proposer.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import select, update

from ca import search as store_search
from ca.errors import CertificateNotFound
from ca.store import normalise_serial, revoke_valid
from eds_toolkit.core import audit
from eds_toolkit.core.context import ServiceContext
from eds_toolkit.core.refusals import InvalidInput, NotFound, Refusal
from eds_toolkit.operators.actions import record_action
from eds_toolkit.operators.bulk_models import BulkRevocation
from eds_toolkit.operators.certificates import CertificateRow
from eds_toolkit.operators.registry import operators
from eds_toolkit.operators.revocation import checked_note, checked_reason, publish_crl
from eds_toolkit.operators.signin import SignedIn
from national_profile.iin import InvalidIIN, parse_iin

LIFETIME = dt.timedelta(hours=24)
MAX_ENTRIES = 5000  # lines of one proposal (the request body limit, 64 KiB by default, comes first)
SHOWN_BAD_ENTRIES = 10  # how many bad lines a refusal names
LIST_KINDS = ("serials", "iins")
_SEPARATORS = re.compile(r"[\s,;]+")


class BulkRefused(Refusal):
    """The proposal cannot be decided now (decided already, expired) or not by this operator."""

    status = 409
    code = "proposal_decided"
    title = "Bulk revocation refused"


class OwnProposal(BulkRefused):
    """The two-person rule: the proposer does not approve their own proposal."""

    status = 403
    code = "own_proposal"


@dataclass(frozen=True)
class Proposal:
    """A bulk revocation as the console shows it; ``state`` is ``expired`` once a pending one is past
    ``expires_at``."""

    id: int
    state: str
    reason: str
    note: str
    listed: str
    entries: int
    serials: tuple[str, ...]
    proposed_by_id: int
    proposed_by: str
    proposed_at: dt.datetime
    expires_at: dt.datetime
    decided_by: str | None
    decided_at: dt.datetime | None
    decision_note: str | None
    revoked_count: int | None
    not_revoked: tuple[str, ...]

    @property
    def pending(self) -> bool:
        return self.state == "pending"


@dataclass(frozen=True)
class Approved:
    proposal: Proposal
    revoked: tuple[str, ...]
    not_revoked: tuple[str, ...]  # revoked or expired before the approval: reported, not an error
    crl_number: int | None


def parse_list(text: str, kind: str) -> list[str]:
    """The serials (stored form) or IINs of a pasted or uploaded list, one or more per line (commas,
    semicolons and spaces separate too), in order, without repeats. Any bad entry refuses the list."""
    if kind not in LIST_KINDS:
        raise InvalidInput("Say whether the list holds serial numbers or IINs.", code="invalid_list_kind")
    tokens = [token for token in _SEPARATORS.split(text) if token]
    if not tokens:
        raise InvalidInput("The list is empty: paste or upload serial numbers or IINs.", code="list_empty")
    if len(tokens) > MAX_ENTRIES:
        raise InvalidInput(
            f"The list has {len(tokens)} entries; one proposal takes at most {MAX_ENTRIES}.",
            code="list_too_long",
            limit=MAX_ENTRIES,
        )
    entries, bad = [], []
    for token in tokens:
        try:
            entries.append(normalise_serial(token) if kind == "serials" else parse_iin(token).value)
        except (CertificateNotFound, InvalidIIN):
            bad.append(token)
    if bad:
        what = "serial numbers (hexadecimal)" if kind == "serials" else "valid IINs"
        raise InvalidInput(
            f"These entries are not {what}: {_some(bad)}. Nothing was proposed.",
            code="invalid_list_entry",
            entries=_some(bad),
        )
    return list(dict.fromkeys(entries))


def propose(
    ctx: ServiceContext,
    who: SignedIn,
    text: str,
    kind: str,
    reason: str,
    note: str,
    *,
    client_address: str | None = None,
) -> Proposal:
    """Store a pending proposal to revoke the listed certificates (or the listed IINs' valid ones)."""
    entries = parse_list(text, kind)
    reason, note = checked_reason(reason), checked_note(note)
    now = ctx.now()
    with ctx.session() as session:
        if kind == "serials":
            found = store_search.records_by_serial(session, entries)
            unknown = [serial for serial in entries if serial not in found]
            serials = entries
        else:
            held = store_search.records_of_iins(session, entries)
            unknown = [iin for iin in entries if iin not in held]
            serials = [
                row.serial for iin in entries for row in held.get(iin, []) if row.status_at(now) == "valid"
            ]
        if unknown:
            what = "serial numbers" if kind == "serials" else "IINs"
            raise InvalidInput(
                f"No certificate in this CA's store has these {what}: {_some(unknown)}. "
                "Nothing was proposed.",
                code="unknown_entries",
                entries=_some(unknown),
            )
        if not serials:
            raise InvalidInput(
                "None of these IINs has a valid certificate: there is nothing to revoke.",
                code="nothing_to_revoke",
            )
        row = BulkRevocation(
            state="pending",
            reason=reason,
            note=note,
            listed=kind,
            serials="\n".join(serials),
            count=len(entries),
            proposed_by=who.operator.id,
            proposed_with=who.certificate_serial,
            proposed_at=now,
            expires_at=now + LIFETIME,
        )
        session.add(row)
        session.flush()
        record_action(
            ctx,
            session,
            who,
            "bulk_revocation_proposed",
            iin=who.operator.iin,
            reason=reason,
            client_address=client_address,
            detail={
                "proposal": row.id,
                "listed": kind,
                "entries": len(entries),
                "certificates": len(serials),
            },
        )
        session.commit()
        return _view(row, _names(ctx), now)


def proposals(ctx: ServiceContext, *, decided: int = 20) -> list[Proposal]:
    """The pending proposals (oldest first), then the ``decided`` most recent others."""
    now = ctx.now()
    names = _names(ctx)
    with ctx.session() as session:
        pending = session.scalars(
            select(BulkRevocation).where(BulkRevocation.state == "pending").order_by(BulkRevocation.id)
        )
        others = session.scalars(
            select(BulkRevocation)
            .where(BulkRevocation.state != "pending")
            .order_by(BulkRevocation.id.desc())
            .limit(decided)
        )
        return [_view(row, names, now) for row in [*pending, *others]]


def proposal(ctx: ServiceContext, proposal_id: int) -> tuple[Proposal, list[CertificateRow]]:
    """A proposal and its certificates as they stand now."""
    now = ctx.now()
    with ctx.session() as session:
        row = _row(session, proposal_id)
        found = store_search.records_by_serial(session, row.serials.split())
        certificates = [CertificateRow.of(found[s], now) for s in row.serials.split() if s in found]
        return _view(row, _names(ctx), now), certificates


def approve(
    ctx: ServiceContext, who: SignedIn, proposal_id: int, *, client_address: str | None = None
) -> Approved:
    """The second administrator's approval: revoke the proposal's certificates still valid, all in one
    transaction with the proposal's decision and the audit events. A refusal is audited and changes
    nothing."""
    now = ctx.now()
    names = _names(ctx)
    with ctx.session() as session:
        row = _decided(ctx, session, proposal_id, who, now, "approved", None, client_address)
        serials = row.serials.split()
        records = store_search.records_by_serial(session, serials)
        still_valid = [s for s in serials if s in records and records[s].status_at(now) == "valid"]
        revoked = revoke_valid(session, still_valid, now, row.reason)
        done = set(revoked)
        not_revoked = [s for s in serials if s not in done]
        session.execute(
            update(BulkRevocation)
            .where(BulkRevocation.id == row.id)
            .values(revoked_count=len(revoked), not_revoked="\n".join(not_revoked))
            .execution_options(synchronize_session=False)
        )
        by_holder: dict[str, list[str]] = {}
        for serial in revoked:
            by_holder.setdefault(records[serial].iin, []).append(serial)
        for iin, theirs in by_holder.items():
            record_action(
                ctx,
                session,
                who,
                "operator_bulk_revoke",
                iin=iin,
                reason=row.reason,
                client_address=client_address,
                detail={
                    "proposal": row.id,
                    "proposed_by": row.proposed_by,
                    "serials": theirs,
                    "note": row.note,
                },
            )
        record_action(
            ctx,
            session,
            who,
            "bulk_revocation_approved",
            iin=who.operator.iin,
            reason=row.reason,
            client_address=client_address,
            detail={
                "proposal": row.id,
                "proposed_by": row.proposed_by,
                "revoked": len(revoked),
                "not_revoked": len(not_revoked),
            },
        )
        session.commit()
        session.refresh(row)
        view = _view(row, names, now)
    return Approved(view, tuple(revoked), tuple(not_revoked), publish_crl(ctx) if revoked else None)


def reject(
    ctx: ServiceContext, who: SignedIn, proposal_id: int, note: str = "", *, client_address: str | None = None
) -> Proposal:
    """Reject a pending proposal (by its proposer: withdraw it). Nothing is revoked."""
    now = ctx.now()
    note = note.strip()[:1000] or None
    with ctx.session() as session:
        row = _decided(ctx, session, proposal_id, who, now, "rejected", note, client_address)
        record_action(
            ctx,
            session,
            who,
            "bulk_revocation_rejected",
            iin=who.operator.iin,
            client_address=client_address,
            detail={
                "proposal": row.id,
                "proposed_by": row.proposed_by,
                "withdrawn": row.proposed_by == who.operator.id,
            },
        )
        session.commit()
        session.refresh(row)
        return _view(row, _names(ctx), now)


def _decided(
    ctx: ServiceContext,
    session,
    proposal_id: int,
    who: SignedIn,
    now: dt.datetime,
    state: str,
    note: str | None,
    client_address: str | None,
) -> BulkRevocation:
    """The proposal, moved from pending to ``state`` (``approved``, ``rejected``) with ``note``; a refusal
    is rolled back, audited (``bulk_revocation_<state>``) and raised."""
    row = _row(session, proposal_id)
    try:
        _decidable(row, who, now, approving=state == "approved")
        _settle_proposal(session, row, who, now, state, note)
    except BulkRefused as error:
        session.rollback()
        _record_refusal(ctx, who, f"bulk_revocation_{state}", proposal_id, error, client_address)
        raise
    return row


def _decidable(row: BulkRevocation, who: SignedIn, now: dt.datetime, *, approving: bool) -> None:
    if row.state != "pending":
        raise BulkRefused(f"This proposal was already {row.state}: nothing was changed.", state=row.state)
    if now >= row.expires_at:
        raise BulkRefused(
            "This proposal expired (a proposal waits 24 hours for a second administrator): propose it again.",
            code="proposal_expired",
        )
    if approving and row.proposed_by == who.operator.id:
        raise OwnProposal(
            "You proposed this bulk revocation: another CA administrator must approve it.",
        )


def _settle_proposal(
    session, row: BulkRevocation, who: SignedIn, now: dt.datetime, state: str, note: str | None
) -> None:
    """The compare-and-set: pending and unexpired -> ``state``; of two deciding at once, one wins."""
    changed = session.execute(
        update(BulkRevocation)
        .where(
            BulkRevocation.id == row.id, BulkRevocation.state == "pending", BulkRevocation.expires_at > now
        )
        .values(
            state=state,
            decided_by=who.operator.id,
            decided_with=who.certificate_serial,
            decided_at=now,
            decision_note=note,
        )
        .execution_options(synchronize_session=False)
    )
    if changed.rowcount != 1:
        raise BulkRefused("Another administrator decided this proposal just now: nothing was changed.")


def _record_refusal(
    ctx: ServiceContext,
    who: SignedIn,
    action: str,
    proposal_id: int,
    error: Refusal,
    client_address: str | None,
) -> None:
    with ctx.session() as session:
        record_action(
            ctx,
            session,
            who,
            action,
            iin=who.operator.iin,
            outcome=audit.REFUSED,
            reason=error.code,
            client_address=client_address,
            detail={"proposal": proposal_id},
        )
        session.commit()


def _row(session, proposal_id: int) -> BulkRevocation:
    row = session.get(BulkRevocation, proposal_id)
    if row is None:
        raise NotFound("There is no such bulk revocation proposal.", code="proposal_not_found")
    return row


def _names(ctx: ServiceContext) -> dict[int, str]:
    return {view.id: view.name for view in operators(ctx)}


def _view(row: BulkRevocation, names: dict[int, str], now: dt.datetime) -> Proposal:
    state = "expired" if row.state == "pending" and now >= row.expires_at else row.state
    return Proposal(
        id=row.id,
        state=state,
        reason=row.reason,
        note=row.note,
        listed=row.listed,
        entries=row.count,
        serials=tuple(row.serials.split()),
        proposed_by_id=row.proposed_by,
        proposed_by=names.get(row.proposed_by, str(row.proposed_by)),
        proposed_at=row.proposed_at,
        expires_at=row.expires_at,
        decided_by=names.get(row.decided_by) if row.decided_by is not None else None,
        decided_at=row.decided_at,
        decision_note=row.decision_note,
        revoked_count=row.revoked_count,
        not_revoked=tuple((row.not_revoked or "").split()),
    )


def _some(entries: list[str]) -> str:
    shown = ", ".join(entries[:SHOWN_BAD_ENTRIES])
    return shown + (
        f" (and {len(entries) - SHOWN_BAD_ENTRIES} more)" if len(entries) > SHOWN_BAD_ENTRIES else ""
    )
