"""The audit log's table: one row per event, appended and never changed (see ``eds_toolkit.core.audit``)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from eds_toolkit.clock import UtcDateTime
from eds_toolkit.db import Base


class AuditEvent(Base):
    """Who did what, when, from where. Never holds a code, PIN, password or key."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_enrolment_at", "enrolment_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    enrolment_id: Mapped[str | None] = mapped_column(
        String(43), ForeignKey("enrolments.id", ondelete="CASCADE"), nullable=True
    )
    iin_hash: Mapped[str] = mapped_column(String(64), index=True)
    action: Mapped[str] = mapped_column(String(40))
    outcome: Mapped[str] = mapped_column(String(12))  # "ok" | "refused"
    from_state: Mapped[str | None] = mapped_column(String(20), nullable=True)
    to_state: Mapped[str | None] = mapped_column(String(20), nullable=True)
    reason: Mapped[str | None] = mapped_column(String(64), nullable=True)
    client_address: Mapped[str | None] = mapped_column(String(64), nullable=True)
    detail: Mapped[str | None] = mapped_column(Text, nullable=True)
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
