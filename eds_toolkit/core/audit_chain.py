"""The audit log as a keyed hash chain: each event carries the previous event's hash and its own.

``hash = HMAC-SHA256(chain key, prev_hash || "\\n" || canonical(event))``, the canonical form holding the
event's chain position ``seq``, its ``id`` and every column. The chain key is derived from the service's
audit key (``chain_key``): an HMAC costs microseconds per event, where a CA signature per event would
cost milliseconds and need the CA key in every worker. Whoever holds the key can verify and could
re-chain; without it a changed, inserted, deleted or moved row shows. Cutting events off the end is
seen only against the head row or an outside copy (the SIEM's export), which is why both exist.

Events get their place when their transaction commits (``before_commit``): the appending transaction
updates the single ``audit_chain_head`` row, so appends take turns only for the instant of the commit
(a row lock in PostgreSQL, the write lock SQLite takes anyway) and the chain never forks.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import event, func, insert, inspect, select, update
from sqlalchemy.orm import Session

from eds_toolkit.core.audit_models import AuditChainHead, AuditEvent

GENESIS = "0" * 64  # the "previous hash" of the first event
FORMAT = "eds-audit-1"  # names the canonical form and the MAC, written into every export line
KEY_INFO = "audit_chain_key"  # Session.info entry holding the chain key (set by ServiceContext)
_UNSEALED = "audit_chain_unsealed"
HEAD_ID = 1
HEAD = AuditChainHead.__table__
REORDER_WINDOW = 1000  # positions either side searched for a moved event's own (only once one is broken)
_FIELDS = (
    "enrolment_id",
    "iin_hash",
    "action",
    "outcome",
    "from_state",
    "to_state",
    "reason",
    "client_address",
    "detail",
)


class Chained(Protocol):
    """What the chain reads of an event: an ``AuditEvent`` row or an exported line."""

    id: int
    seq: int | None
    at: dt.datetime
    prev_hash: str | None
    hash: str | None


def chain_key(audit_key: bytes) -> bytes:
    """The chain's own key, derived from the audit key (the IIN hashes keep theirs)."""
    return hmac.new(audit_key, b"eds-toolkit/audit-chain", hashlib.sha256).digest()


def _instant(at: dt.datetime) -> str:
    aware = at if at.tzinfo is not None else at.replace(tzinfo=dt.UTC)
    return aware.astimezone(dt.UTC).isoformat(timespec="microseconds")


def canonical(item: Any, seq: int | None = None) -> bytes:
    """The bytes the MAC covers (``seq`` overrides the item's own, to test where an event came from)."""
    values = [FORMAT, item.seq if seq is None else seq, item.id]
    values += [getattr(item, name) for name in _FIELDS]
    values.append(_instant(item.at))
    return json.dumps(values, ensure_ascii=False, separators=(",", ":")).encode()


def event_hash(key: bytes, prev_hash: str, item: Any, seq: int | None = None) -> str:
    """The event's hash: the HMAC of the previous hash and its canonical form."""
    return hmac.new(key, prev_hash.encode() + b"\n" + canonical(item, seq), hashlib.sha256).hexdigest()


# --- appending ------------------------------------------------------------------------------------


@event.listens_for(Session, "before_flush")
def _remember_new_events(session: Session, _context, _instances) -> None:
    new = [item for item in session.new if isinstance(item, AuditEvent)]
    if new:
        session.info.setdefault(_UNSEALED, []).extend(new)


@event.listens_for(Session, "after_rollback")
def _forget_unsealed(session: Session) -> None:
    session.info.pop(_UNSEALED, None)


@event.listens_for(Session, "before_commit")
def seal(session: Session) -> None:
    """Give this transaction's new events their places in the chain, in the order they were added."""
    unsealed = _unsealed(session)
    if not unsealed:
        return
    key = session.info.get(KEY_INFO)
    if key is None:
        raise RuntimeError(
            "An audit event can only be recorded in a session of a ServiceContext (it holds the chain key)."
        )
    session.info.pop(_UNSEALED, None)
    inserted = sorted((item for item in unsealed if not inspect(item).pending), key=lambda item: item.id)
    pending = [item for item in unsealed if inspect(item).pending]
    last_seq, head_hash, ids = _advance_head(session, len(unsealed), len(pending))
    for item, number in zip(pending, ids, strict=True):
        item.id = number  # the hash covers the id: pending events get theirs now, inserted with the rest
    start = last_seq - len(unsealed)
    previous = head_hash or _adopt_older_events(session, key, start)
    for offset, item in enumerate([*inserted, *pending], start=1):
        item.seq = start + offset
        item.prev_hash = previous
        item.hash = previous = event_hash(key, previous, item)
    session.connection().execute(update(HEAD).where(HEAD.c.id == HEAD_ID).values(hash=previous))


def _unsealed(session: Session) -> list[AuditEvent]:
    seen: dict[int, AuditEvent] = {}
    for item in [*session.info.get(_UNSEALED, []), *session.new]:
        if isinstance(item, AuditEvent) and item.hash is None and id(item) not in seen:
            state = inspect(item)
            if (state.pending or state.persistent) and state.session_id == session.hash_key:
                seen[id(item)] = item
    return list(seen.values())


def _advance_head(session: Session, count: int, new_ids: int) -> tuple[int, str | None, list[int]]:
    """Move the head ``count`` places on (taking its lock until commit): the new last seq, the
    previous last hash, and ``new_ids`` ids for events not inserted yet (PostgreSQL: from the table's
    sequence; SQLite: after the largest, safe under the write lock). The head row is made if missing
    (a schema made without the migrations)."""
    connection = session.connection()  # Core statements: no ORM bookkeeping on the hot path
    dialect = connection.dialect.name
    returned = [HEAD.c.seq, HEAD.c.hash]
    if dialect == "postgresql" and new_ids:
        sequence = func.pg_get_serial_sequence("audit_events", "id")
        numbers = select(func.array_agg(func.nextval(sequence))).select_from(func.generate_series(1, new_ids))
        returned.append(numbers.scalar_subquery())
    statement = update(HEAD).where(HEAD.c.id == HEAD_ID).values(seq=HEAD.c.seq + count).returning(*returned)
    row = connection.execute(statement).one_or_none()
    if row is None:
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as dialect_insert
        elif dialect == "sqlite":
            from sqlalchemy.dialects.sqlite import insert as dialect_insert
        else:  # pragma: no cover - the service runs on these two
            dialect_insert = insert
        connection.execute(dialect_insert(HEAD).values(id=HEAD_ID, seq=0, hash=None).on_conflict_do_nothing())
        row = connection.execute(statement).one()
    if not new_ids:
        ids: list[int] = []
    elif dialect == "postgresql":
        ids = list(row[2])
    else:
        largest = connection.execute(select(func.coalesce(func.max(AuditEvent.id), 0))).scalar_one()
        ids = list(range(largest + 1, largest + 1 + new_ids))
    return row[0], row[1], ids


def _adopt_older_events(session: Session, key: bytes, upto: int) -> str:
    """Chain the events the migration numbered (1..``upto``, recorded before the chain); once."""
    previous = GENESIS
    older = session.scalars(select(AuditEvent).where(AuditEvent.seq <= upto).order_by(AuditEvent.seq))
    for item in older:
        item.prev_hash = previous
        item.hash = previous = event_hash(key, previous, item)
    return previous


# --- verifying ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """The first thing wrong with the chain: what (changed, deleted, inserted, reordered, head) and where."""

    problem: str
    message: str
    event_id: int | None = None
    seq: int | None = None


@dataclass(frozen=True)
class Verdict:
    """How many events were checked, the last one's place and hash, and the first finding (None: intact)."""

    checked: int
    last_seq: int
    last_hash: str
    finding: Finding | None


def _label(item: Chained) -> str:
    return f"event {item.id} (chain position {item.seq})"


def walk(
    key: bytes,
    items: Iterable[Chained],
    *,
    find_by_hash: Callable[[str], Chained | None],
    start_seq: int = 1,
    start_hash: str = GENESIS,
    head: tuple[int, str | None] | None = None,
) -> Verdict:
    """Check ``items`` (in chain order) link by link; stop at the first finding.

    ``start_seq``/``start_hash``: where the walk picks up (an export's first line); ``head``: the
    database's head row, so events cut off the end show too."""
    expected, previous, checked = start_seq, start_hash, 0
    last: Chained | None = None
    iterator = _with_next(items)
    for item, following in iterator:
        finding = _check(key, item, following, expected, previous, last, head, find_by_hash)
        if finding is not None:
            return Verdict(checked, expected - 1, previous, finding)
        previous, expected, last, checked = item.hash or "", expected + 1, item, checked + 1
    if head is not None:
        head_seq, head_hash = head
        if head_seq > expected - 1:
            after = f"after {_label(last)}" if last else "at the start"
            return Verdict(
                checked,
                expected - 1,
                previous,
                Finding(
                    "deleted",
                    f"events at chain positions {expected}..{head_seq} are missing ({after}): deleted",
                    None,
                    expected,
                ),
            )
        if head_hash != previous and checked:
            return Verdict(
                checked,
                expected - 1,
                previous,
                Finding("head", "the chain head does not name the last event: the head row was changed"),
            )
    return Verdict(checked, expected - 1, previous, None)


def _with_next(items: Iterable[Chained]) -> Iterator[tuple[Chained, Chained | None]]:
    iterator = iter(items)
    current = next(iterator, None)
    while current is not None:
        following = next(iterator, None)
        yield current, following
        current = following


def _check(
    key: bytes,
    item: Chained,
    following: Chained | None,
    expected: int,
    previous: str,
    last: Chained | None,
    head: tuple[int, str | None] | None,
    find_by_hash: Callable[[str], Chained | None],
) -> Finding | None:
    if item.seq is None:
        return Finding("inserted", f"event {item.id} has no place in the chain: inserted", item.id)
    if item.seq > expected:
        between = f"between {_label(last)} and {_label(item)}" if last else f"before {_label(item)}"
        return Finding(
            "deleted",
            f"the event at chain position {expected} is missing ({between}): deleted",
            None,
            expected,
        )
    if item.seq < expected:  # the unique index keeps this from happening, unless it was dropped
        return Finding("inserted", f"{_label(item)} repeats a chain position: inserted", item.id, item.seq)
    authentic = item.prev_hash is not None and hmac.compare_digest(
        item.hash or "", event_hash(key, item.prev_hash, item)
    )
    linked = item.prev_hash == previous
    if authentic and linked:
        return None
    if head is not None and item.seq > head[0]:
        return Finding(
            "inserted", f"{_label(item)} lies past the chain head ({head[0]}): inserted", item.id, item.seq
        )
    recorded_at = _recorded_at(key, item, find_by_hash) if item.prev_hash and not linked else None
    if recorded_at is not None:
        return Finding(
            "reordered",
            f"{_label(item)} was recorded at chain position {recorded_at}: the events were reordered",
            item.id,
            item.seq,
        )
    if following is not None and following.prev_hash == previous and not authentic:
        return Finding(
            "inserted",
            f"{_label(item)} is not part of the chain (the next event follows the one before it): inserted",
            item.id,
            item.seq,
        )
    if not linked and authentic:
        return Finding(
            "changed",
            f"{_label(item)} does not follow the event before it: the one before was replaced",
            item.id,
            item.seq,
        )
    return Finding("changed", f"{_label(item)} does not match its hash: changed", item.id, item.seq)


def _recorded_at(key: bytes, item: Chained, find_by_hash: Callable[[str], Chained | None]) -> int | None:
    """The position ``item`` was chained at, if another (it was moved): after the event its
    ``prev_hash`` names, else found among the ``REORDER_WINDOW`` positions around its own."""
    origin = find_by_hash(item.prev_hash or "")
    candidates = [origin.seq + 1] if origin is not None and origin.seq is not None else []
    seq = item.seq or 0
    candidates += range(max(1, seq - REORDER_WINDOW), seq + REORDER_WINDOW + 1)
    for candidate in candidates:
        if candidate != seq and hmac.compare_digest(
            item.hash or "", event_hash(key, item.prev_hash or "", item, candidate)
        ):
            return candidate
    return None


def verify_database(session: Session, key: bytes, *, batch: int = 1000) -> Verdict:
    """Walk the whole chain in the database (rows streamed in ``batch``es), then look for rows outside it."""
    head = session.get(AuditChainHead, HEAD_ID)
    head_state = (head.seq, head.hash) if head is not None else (0, GENESIS)
    if head is not None and head.hash is None:
        return _verify_unadopted(session, head.seq)

    def find_by_hash(value: str) -> AuditEvent | None:
        return session.scalars(select(AuditEvent).where(AuditEvent.hash == value).limit(1)).first()

    chained = session.scalars(
        select(AuditEvent)
        .where(AuditEvent.seq.is_not(None))
        .order_by(AuditEvent.seq)
        .execution_options(yield_per=batch)
    )
    verdict = walk(key, chained, find_by_hash=find_by_hash, head=head_state if head is not None else None)
    if verdict.finding is not None:
        return verdict
    outside = session.scalars(
        select(AuditEvent).where(AuditEvent.seq.is_(None)).order_by(AuditEvent.id)
    ).first()
    if outside is not None:
        finding = Finding("inserted", f"event {outside.id} has no place in the chain: inserted", outside.id)
        return Verdict(verdict.checked, verdict.last_seq, verdict.last_hash, finding)
    return verdict


def _verify_unadopted(session: Session, upto: int) -> Verdict:
    """Before the first event after the migration: the numbered older events, none sealed yet."""
    count = session.scalar(select(func.count()).select_from(AuditEvent))
    sealed = session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.hash.is_not(None)))
    if count != upto or sealed:
        finding = Finding("head", "the chain head says the log is not chained yet, but rows disagree")
        return Verdict(0, 0, GENESIS, finding)
    return Verdict(0, upto, GENESIS, None)


# --- exporting ------------------------------------------------------------------------------------


def export_line(item: AuditEvent) -> str:
    """One event as a JSON line for a SIEM: every column as stored, and the chain fields to verify it."""
    record = {"format": FORMAT, "seq": item.seq, "id": item.id}
    record |= {name: getattr(item, name) for name in _FIELDS}
    record |= {"at": _instant(item.at), "prev_hash": item.prev_hash, "hash": item.hash}
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"))


@dataclass(frozen=True)
class ExportedEvent:
    """An event read back from an export line (what ``walk`` needs of it)."""

    id: int
    seq: int | None
    at: dt.datetime
    prev_hash: str | None
    hash: str | None
    enrolment_id: str | None
    iin_hash: str
    action: str
    outcome: str
    from_state: str | None
    to_state: str | None
    reason: str | None
    client_address: str | None
    detail: str | None


def read_export_line(line: str) -> ExportedEvent:
    """Parse one export line (ValueError when it is not one)."""
    record = json.loads(line)
    if not isinstance(record, dict) or record.get("format") != FORMAT:
        raise ValueError(f"not an audit export line of format {FORMAT}")
    values = {name: record.get(name) for name in _FIELDS}
    return ExportedEvent(
        id=int(record["id"]),
        seq=record["seq"],
        at=dt.datetime.fromisoformat(record["at"]),
        prev_hash=record["prev_hash"],
        hash=record["hash"],
        **values,
    )
