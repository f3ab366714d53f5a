"""The audit log's tables: one row per event, appended and never changed (see ``eds_toolkit.core.audit``),
and the chain's head (``eds_toolkit.core.audit_chain``)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from eds_toolkit.clock import UtcDateTime
from eds_toolkit.db import Base


class AuditEvent(Base):
    """Who did what, when, from where. Never holds a code, PIN, password or key.

    ``seq``, ``prev_hash`` and ``hash`` chain it to the event before it; they are filled in when its
    transaction commits (``audit_chain.seal``), so a committed event always carries them."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_enrolment_at", "enrolment_id", "at"),
        Index("ux_audit_events_seq", "seq", unique=True),
        # the operators' counts (eds_toolkit/metrics/audit_tally.py): read from the index alone
        Index("ix_audit_events_action_outcome_reason_seq", "action", "outcome", "reason", "seq"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    enrolment_id: Mapped[str | None] = mapped_column(
        String(43), ForeignKey("enrolments.id", ondelete="CASCADE"), nullable=True
    )
    iin_hash: Mapped[str] = mapped_column(String(64), index=True)
    action: Mapped[str] = mapped_column(String(40))
    outcome: Mapped[str] = mapped_column(String(12))  # "ok" | "refused" | "undone"
    from_state: Mapped[str | None] = mapped_column(String(20), nullable=True)
    to_state: Mapped[str | None] = mapped_column(String(20), nullable=True)
    reason: Mapped[str | None] = mapped_column(String(64), nullable=True)
    client_address: Mapped[str | None] = mapped_column(String(64), nullable=True)
    detail: Mapped[str | None] = mapped_column(Text, nullable=True)
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    seq: Mapped[int | None] = mapped_column(Integer, nullable=True)  # position in the chain, from 1
    prev_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    hash: Mapped[str | None] = mapped_column(String(64), nullable=True)


class AuditChainHead(Base):
    """One row (id 1): the last chained event's position and hash. Updating it in the appending
    transaction makes appends take turns (a row lock in PostgreSQL, the write lock in SQLite)."""

    __tablename__ = "audit_chain_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str | None] = mapped_column(String(64), nullable=True)  # None: older rows not sealed yet
