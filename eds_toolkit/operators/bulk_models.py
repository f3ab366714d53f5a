"""The table of bulk revocations: proposed by one CA administrator, decided by another."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from eds_toolkit.clock import UtcDateTime
from eds_toolkit.db import Base


class BulkRevocation(Base):
    """A proposal to revoke many certificates at once, and its decision.

    ``serials`` holds the certificates it names (stored form, one per line), resolved when it was
    proposed, so the approver sees and decides exactly what will be revoked. ``state`` moves once, by
    compare-and-set, from ``pending`` to ``approved`` or ``rejected``; a pending proposal past
    ``expires_at`` is expired (derived, never stored).
    """

    __tablename__ = "bulk_revocations"
    __table_args__ = (Index("ix_bulk_revocations_state_proposed_at", "state", "proposed_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    state: Mapped[str] = mapped_column(String(12))  # pending / approved / rejected
    reason: Mapped[str] = mapped_column(String(32))  # the store's reason code
    note: Mapped[str] = mapped_column(Text)
    listed: Mapped[str] = mapped_column(String(8))  # what the proposer pasted: "serials" or "iins"
    serials: Mapped[str] = mapped_column(Text)
    count: Mapped[int] = mapped_column(Integer)
    proposed_by: Mapped[int] = mapped_column(ForeignKey("operators.id"))
    proposed_with: Mapped[str] = mapped_column(String(64))  # the proposer's AUTH certificate serial
    proposed_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("operators.id"), nullable=True)
    decided_with: Mapped[str | None] = mapped_column(String(64), nullable=True)
    decided_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, nullable=True)
    decision_note: Mapped[str | None] = mapped_column(Text, nullable=True)
    revoked_count: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # the serials that were no longer valid when it was approved (revoked or expired before)
    not_revoked: Mapped[str | None] = mapped_column(Text, nullable=True)
