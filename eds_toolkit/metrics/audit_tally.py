"""Audit events counted by (action, outcome, reason), read on each scrape at the cost of the new events only.

The audit log is append-only and every committed event has its chain position ``seq``, handed out at
commit under the chain head's lock (``core/audit_chain.py``): once position N is visible, every position
below it is too, and no event ever changes. So the counts up to a position are final, and a tally keeps
them with that position: the first scrape of a process counts everything once (one pass over the
index ``ix_audit_events_action_outcome_reason_seq``), each later one only the events after it (by
``ux_audit_events_seq``). Every process therefore answers the same numbers for the same database; the
tally is a memo of the database, not a count kept in memory. A database whose chain is shorter than
the tally's position (restored from a backup) is counted again from the start.
"""

from __future__ import annotations

import threading
from collections import Counter

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from eds_toolkit.core.audit_models import AuditEvent

Key = tuple[str, str, str | None]  # action, outcome, reason
BATCH = 50_000  # events read per statement after the first count


class AuditTally:
    """Counts of audit events by (action, outcome, reason), brought up to date by :meth:`read`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._position: int | None = None  # counted up to this chain position; None: nothing counted yet
        self._counts: Counter[Key] = Counter()

    def read(self, session: Session) -> dict[Key, int]:
        """The counts as of now (a copy)."""
        with self._lock:
            top = session.scalar(select(func.max(AuditEvent.seq))) or 0
            if self._position is None or top < self._position:
                self._count_all(session)
            while self._position < top:
                if not self._count_after(session, self._position):
                    break
            return dict(self._counts)

    def _count_all(self, session: Session) -> None:
        """Every event, in one statement (its own snapshot): the counts and the last position in them."""
        event = AuditEvent
        columns = (event.action, event.outcome, event.reason)
        rows = session.execute(select(*columns, func.count(), func.max(event.seq)).group_by(*columns)).all()
        self._counts = Counter({(action, outcome, reason): n for action, outcome, reason, n, _ in rows})
        self._position = max((last for *_, last in rows if last is not None), default=0)

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
        return bool(rows)
