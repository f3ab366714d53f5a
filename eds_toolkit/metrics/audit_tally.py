"""Audit events counted by (action, outcome, reason), read on each scrape at the cost of the new events only.

The audit log is append-only and every committed event has its chain position ``seq``, handed out at
commit under the chain head's lock (``core/audit_chain.py``): once position N is visible, every position
below it is too, and no event ever changes. So the counts up to a position are final, and a tally keeps
them with that position: the first scrape of a process counts everything once (one pass over the
index ``ix_audit_events_action_outcome_reason_seq``), each later one only the events after it (by
``ux_audit_events_seq``). Every process therefore answers the same numbers for the same database; the
tally is a memo of the database, not a count kept in memory. A database whose chain is shorter than
the tally's position (restored from a backup) is counted again from the start.

An identification decision stores its reason codes comma-separated in ``reason``, cut at the column's
64 characters (``flow/identification/decision.py``); its ``detail`` keeps the whole list. For the events
of ``spelled_out`` actions whose reason is that long, the tally reads the list from ``detail`` (those
events only, by the same index), so no reason is lost to the cut.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from eds_toolkit.core.audit_models import AuditEvent

Key = tuple[str, str, str | None]  # action, outcome, reason
BATCH = 50_000  # events read per statement after the first count
REASON_LIMIT = AuditEvent.__table__.c.reason.type.length  # 64: a longer reason list was cut here


@dataclass(frozen=True)
class TallyReading:
    """The counts by (action, outcome, reason), and the refused events whose reason was cut, counted by
    (action, reason code) from their whole list (their ``counts`` key holds the cut text)."""

    counts: dict[Key, int]
    spelled_out: dict[tuple[str, str], int]

    @staticmethod
    def cut(reason: str | None) -> bool:
        """Whether ``reason`` may have been cut at the column's length."""
        return reason is not None and len(reason) >= REASON_LIMIT


class AuditTally:
    """Counts of audit events, brought up to date by :meth:`read`; ``spelled_out``: the actions whose
    refused events keep their whole reason list in ``detail["reasons"]``."""

    def __init__(self, spelled_out: frozenset[str] = frozenset()) -> None:
        self._lock = threading.Lock()
        self._spelled_out = spelled_out
        self._position: int | None = None  # counted up to this chain position; None: nothing counted yet
        self._counts: Counter[Key] = Counter()
        self._reasons: Counter[tuple[str, str]] = Counter()

    def read(self, session: Session) -> TallyReading:
        """The counts as of now (copies)."""
        with self._lock:
            top = session.scalar(select(func.max(AuditEvent.seq))) or 0
            if self._position is None or top < self._position:
                self._count_all(session)
            while self._position < top:
                if not self._count_after(session, self._position):
                    break
            return TallyReading(dict(self._counts), dict(self._reasons))

    def _count_all(self, session: Session) -> None:
        """Every event, in one statement (its own snapshot): the counts and the last position in them."""
        event = AuditEvent
        columns = (event.action, event.outcome, event.reason)
        rows = session.execute(select(*columns, func.count(), func.max(event.seq)).group_by(*columns)).all()
        self._counts = Counter({(action, outcome, reason): n for action, outcome, reason, n, _ in rows})
        self._reasons = Counter()
        self._position = max((last for *_, last in rows if last is not None), default=0)
        self._spell_out(session, rows, after=None, up_to=self._position)

    def _count_after(self, session: Session, position: int) -> bool:
        """Add up to BATCH events after ``position`` (in chain order); False when there were none."""
        event = AuditEvent
        newer = (
            select(event.action, event.outcome, event.reason, event.seq)
            .where(event.seq > position)
            .order_by(event.seq)
            .limit(BATCH)
            .subquery()
        )
        columns = (newer.c.action, newer.c.outcome, newer.c.reason)
        rows = session.execute(select(*columns, func.count(), func.max(newer.c.seq)).group_by(*columns)).all()
        for action, outcome, reason, n, _ in rows:
            self._counts[(action, outcome, reason)] += n
        self._position = max((last for *_, last in rows), default=position)
        self._spell_out(session, rows, after=position, up_to=self._position)
        return bool(rows)

    def _spell_out(self, session: Session, rows, *, after: int | None, up_to: int) -> None:
        """Count the whole reason lists of the counted refused events whose reason was cut (positions
        ``after`` < seq <= ``up_to``: the events the counts just took in, by their index)."""
        event = AuditEvent
        for action, outcome, reason, *_ in rows:
            if action not in self._spelled_out or outcome != "refused" or not TallyReading.cut(reason):
                continue
            statement = select(event.detail).where(
                event.action == action, event.outcome == outcome, event.reason == reason, event.seq <= up_to
            )
            if after is not None:
                statement = statement.where(event.seq > after)
            for detail in session.scalars(statement):
                for code in _reasons_in(detail):
                    self._reasons[(action, code)] += 1


def _reasons_in(detail: str | None) -> list[str]:
    try:
        reasons = json.loads(detail or "{}").get("reasons")
    except (ValueError, AttributeError):
        return []
    return [str(reason) for reason in reasons] if isinstance(reasons, list) else []
