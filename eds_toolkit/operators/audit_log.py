"""The audit log as an auditor reads it: events filtered by action, outcome, time, operator and a typed
IIN (matched through the keyed hash: the log holds no IIN), newest first; the filtered events exported
as JSON lines (``eds audit export``'s format); and the chain's state (``audit_chain``).

IINs are never shown in clear except the one typed: free text (details) is passed through
``redaction.hide_iins``. Each viewing and each export is itself an audit event (``actions.record_action``).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
import time
import weakref
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session, sessionmaker

from eds_toolkit.core import audit_chain
from eds_toolkit.core.audit_models import AuditChainHead, AuditEvent
from eds_toolkit.core.context import ServiceContext
from eds_toolkit.core.refusals import InvalidInput
from eds_toolkit.operators.actions import record_action
from eds_toolkit.operators.redaction import hide_iins
from eds_toolkit.operators.signin import SignedIn

PAGE_SIZE = 50
DETAIL_SHOWN = 400  # characters of an event's detail on the page (the export carries it whole)
WHOLE_CHAIN_EVERY = 300.0  # seconds: each process walks the whole chain again this often (in a thread)
SYNC_WALK_LIMIT = 20_000  # events: a first view walks a log this long itself (about 3 s), a longer one
# in a thread (100,000 events took 14 s on the 2-core development machine under load)
_IIN = re.compile(r"\d{12}")


@dataclass(frozen=True)
class AuditFilter:
    """What the auditor asked for; every field optional. ``until`` is exclusive."""

    action: str | None = None
    outcome: str | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    operator_id: int | None = None
    iin: str | None = None

    def __post_init__(self) -> None:
        if self.iin is not None and not _IIN.fullmatch(self.iin):
            raise InvalidInput("The IIN is 12 digits.", code="invalid_iin")
        if self.since and self.until and self.since >= self.until:
            raise InvalidInput("The time range ends before it starts.", code="invalid_time_range")

    def conditions(self, ctx: ServiceContext) -> list[ColumnElement[bool]]:
        found: list[ColumnElement[bool]] = [AuditEvent.seq.is_not(None)]
        if self.action:
            found.append(AuditEvent.action == self.action)
        if self.outcome:
            found.append(AuditEvent.outcome == self.outcome)
        if self.since:
            found.append(AuditEvent.at >= self.since)
        if self.until:
            found.append(AuditEvent.at < self.until)
        if self.iin:
            found.append(AuditEvent.iin_hash == ctx.iin_hash(self.iin))
        if self.operator_id is not None:
            # record_action writes the detail as json.dumps does, operator_id first: a value in a note
            # cannot fake it (its quotes are escaped)
            marker = f'"operator_id": {int(self.operator_id)}'
            found.append(
                or_(
                    AuditEvent.detail.contains(marker + ",", autoescape=True),
                    AuditEvent.detail.contains(marker + "}", autoescape=True),
                )
            )
        return found

    def described(self) -> dict[str, Any]:
        """The filter as its audit event records it: whether an IIN was typed, never the IIN."""
        described: dict[str, Any] = {
            name: value.isoformat() if isinstance(value, dt.datetime) else value
            for name, value in asdict(self).items()
            if value not in (None, "") and name != "iin"
        }
        if self.iin:
            described["iin"] = "typed"
        return described


@dataclass(frozen=True)
class ShownEvent:
    """An event as the page shows it: the IIN only when it was typed, details with IINs hidden."""

    seq: int
    at: dt.datetime
    action: str
    outcome: str
    reason: str | None
    from_state: str | None
    to_state: str | None
    client_address: str | None
    operator_id: int | None
    iin: str | None  # the typed IIN (every shown event is about it), else None
    iin_hash: str  # a prefix, to tell events of one person apart without naming them
    detail: str


@dataclass(frozen=True)
class LogPage:
    events: list[ShownEvent]
    older_than: int | None  # the chain position to continue from (None: no older events)


def events(
    ctx: ServiceContext, filters: AuditFilter, *, before_seq: int | None = None, size: int = PAGE_SIZE
) -> LogPage:
    """One page of the filtered events, newest (highest chain position) first, before ``before_seq``."""
    query = select(AuditEvent).where(*filters.conditions(ctx))
    if before_seq is not None:
        query = query.where(AuditEvent.seq < before_seq)
    query = query.order_by(AuditEvent.seq.desc()).limit(size + 1)
    with ctx.session() as session:
        rows = list(session.scalars(query))
    shown = [_shown(row, filters.iin) for row in rows[:size]]
    return LogPage(shown, shown[-1].seq if len(rows) > size else None)


def _shown(row: AuditEvent, typed_iin: str | None) -> ShownEvent:
    detail = row.detail or ""
    operator_id = None
    try:
        parsed = json.loads(detail) if detail else None
    except ValueError:
        parsed = None
    if isinstance(parsed, dict) and isinstance(parsed.get("operator_id"), int):
        operator_id = parsed["operator_id"]
    if len(detail) > DETAIL_SHOWN:
        detail = detail[:DETAIL_SHOWN] + "…"
    return ShownEvent(
        seq=row.seq or 0,
        at=row.at,
        action=row.action,
        outcome=row.outcome,
        reason=row.reason,
        from_state=row.from_state,
        to_state=row.to_state,
        client_address=row.client_address,
        operator_id=operator_id,
        iin=typed_iin,
        iin_hash=row.iin_hash[:10],
        detail=hide_iins(detail, keep=[typed_iin] if typed_iin else []),
    )


@dataclass(frozen=True)
class Export:
    """What an export will hold: the filtered events up to chain position ``upto`` (the head when it
    was asked for, so the export's own audit event is not in it), ``count`` of them."""

    filters: AuditFilter
    upto: int
    count: int


def prepare_export(ctx: ServiceContext, filters: AuditFilter) -> Export:
    with ctx.session() as session:
        upto = session.scalar(select(func.coalesce(func.max(AuditEvent.seq), 0)))
        count = session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(*filters.conditions(ctx), AuditEvent.seq <= upto)
        )
    return Export(filters, upto, count)


def export_lines(ctx: ServiceContext, export: Export) -> Iterator[str]:
    """The export's events as ``eds audit export`` writes them: one JSON line each, in chain order, every
    column as stored (``iin_hash``, never an IIN) with the chain fields."""
    query = (
        select(AuditEvent)
        .where(*export.filters.conditions(ctx), AuditEvent.seq <= export.upto)
        .order_by(AuditEvent.seq)
    )
    with ctx.session() as session:
        for row in session.scalars(query.execution_options(yield_per=1000)):
            yield audit_chain.export_line(row) + "\n"


def record_viewing(
    ctx: ServiceContext,
    who: SignedIn,
    action: str,
    filters: AuditFilter,
    *,
    client_address: str | None,
    **detail: Any,
) -> None:
    """Audit an auditor reading (``audit_log_viewed``) or exporting (``audit_log_exported``) the log:
    filed under the typed IIN when there is one (whose events were read), else the operator's own."""
    with ctx.session() as session:
        record_action(
            ctx,
            session,
            who,
            action,
            iin=filters.iin or who.operator.iin,
            client_address=client_address,
            detail={"filters": filters.described(), **detail},
        )
        session.commit()


# --- the chain's state ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ChainState:
    """The chain as last verified: the verdict (its ``finding`` names the first broken event; None: not
    known yet, the first whole walk is running), when the whole chain was last walked, and whether a
    whole walk is running now."""

    verdict: audit_chain.Verdict | None
    whole_chain_checked_at: float | None  # time.time(); None: never in this process
    walking: bool

    @property
    def intact(self) -> bool:
        return self.verdict is not None and self.verdict.finding is None


@dataclass
class _Watch:
    """A process's last verified place in one database's chain. Walking the whole chain costs about
    0.15 ms an event (benchmarks/console_audit_log.py), so a view walks only what was appended since and
    the whole walk runs beside the requests."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    verdict: audit_chain.Verdict | None = None
    whole_at: float | None = None
    walker: threading.Thread | None = None


_watches: weakref.WeakKeyDictionary[sessionmaker, _Watch] = weakref.WeakKeyDictionary()
_watches_lock = threading.Lock()


def chain_state(ctx: ServiceContext, *, whole: bool = False) -> ChainState:
    """The chain's state for a view.

    The whole chain is walked now when asked (``whole``: the page's button), or on this process's first
    view of a log of at most ``SYNC_WALK_LIMIT`` events; a longer log is walked in a thread, as is any log
    every ``WHOLE_CHAIN_EVERY`` seconds. Between whole walks a view checks the events appended since the
    last check, linked to the last checked event (whose stored hash must not have changed); a change to
    an older event shows at the next whole walk."""
    watch = _watch_of(ctx.sessions)
    key = audit_chain.chain_key(ctx.audit_key)
    with watch.lock:
        with ctx.session() as session:
            verdict = None
            if watch.verdict is not None and not whole:
                verdict = _appended_since(session, key, watch.verdict)
            if verdict is None and (
                whole or watch.verdict is not None or _head_seq(session) <= SYNC_WALK_LIMIT
            ):
                verdict = audit_chain.verify_database(session, key)
                watch.whole_at = time.time()
        if verdict is not None:
            watch.verdict = verdict
        due = watch.whole_at is None or time.time() - watch.whole_at >= WHOLE_CHAIN_EVERY
        if due and (watch.walker is None or not watch.walker.is_alive()):
            watch.walker = threading.Thread(
                target=_walk_whole, args=(ctx, key, watch), name="audit-chain-walk", daemon=True
            )
            watch.walker.start()
        walking = watch.walker is not None and watch.walker.is_alive()
        return ChainState(watch.verdict, watch.whole_at, walking)


def _walk_whole(ctx: ServiceContext, key: bytes, watch: _Watch) -> None:
    """The whole walk beside the requests; its verdict replaces the watch's (the next view goes on from
    its last event)."""
    with ctx.session() as session:
        verdict = audit_chain.verify_database(session, key)
    with watch.lock:
        watch.verdict, watch.whole_at = verdict, time.time()


def _head_seq(session: Session) -> int:
    head = session.get(AuditChainHead, audit_chain.HEAD_ID)
    return head.seq if head is not None else 0


def _watch_of(sessions: sessionmaker) -> _Watch:
    with _watches_lock:
        return _watches.setdefault(sessions, _Watch())


def _appended_since(session: Session, key: bytes, last: audit_chain.Verdict) -> audit_chain.Verdict | None:
    """The events after the last checked one, walked on from it; None when that event's stored hash
    changed (or it is gone): then only the whole chain can say what happened."""
    anchor = session.scalar(select(AuditEvent.hash).where(AuditEvent.seq == last.last_seq))
    if anchor != last.last_hash:
        return None
    head = session.get(AuditChainHead, audit_chain.HEAD_ID)
    newer = session.scalars(select(AuditEvent).where(AuditEvent.seq > last.last_seq).order_by(AuditEvent.seq))

    def find_by_hash(value: str) -> AuditEvent | None:
        return session.scalars(select(AuditEvent).where(AuditEvent.hash == value).limit(1)).first()

    walked = audit_chain.walk(
        key,
        newer,
        find_by_hash=find_by_hash,
        start_seq=last.last_seq + 1,
        start_hash=last.last_hash,
        head=(head.seq, head.hash) if head is not None else None,
    )
    finding = walked.finding
    if finding is None:
        outside = session.scalar(select(AuditEvent.id).where(AuditEvent.seq.is_(None)).limit(1))
        if outside is not None:
            finding = audit_chain.Finding(
                "inserted", f"event {outside} has no place in the chain: inserted", outside
            )
    return audit_chain.Verdict(last.checked + walked.checked, walked.last_seq, walked.last_hash, finding)
