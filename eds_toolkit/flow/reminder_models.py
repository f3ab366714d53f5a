"""Renewal reminders: one row per (AUTH certificate, days before expiry), its state kept across crashes."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from eds_toolkit.clock import UtcDateTime
from eds_toolkit.db import Base

SENDING = "sending"  # claimed and committed before the gateway is called: the SMS may be out (in doubt)
SENT = "sent"  # the gateway accepted it
SKIPPED = "skipped"  # not sent on purpose (``reason``: no_phone, missed)
RETRY = "retry"  # the gateway refused it: the next run tries again
FAILED = "failed"  # refused on every attempt: given up
UNCONFIRMED = "unconfirmed"  # left in doubt by a dead run and given up (a later reminder was due)
FINAL_STATES = frozenset({SENT, SKIPPED, FAILED, UNCONFIRMED})


class RenewalReminder(Base):
    """The reminder sent (or not) ``days_before`` the expiry of the AUTH certificate ``auth_serial``.

    UNIQUE(auth_serial, days_before): one reminder per pair and slot, whichever process gets there."""

    __tablename__ = "renewal_reminders"
    __table_args__ = (
        UniqueConstraint("auth_serial", "days_before", name="uq_renewal_reminders_slot"),
        Index("ix_renewal_reminders_not_after", "not_after"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    auth_serial: Mapped[str] = mapped_column(String(40))
    days_before: Mapped[int] = mapped_column(Integer)
    not_after: Mapped[dt.datetime] = mapped_column(UtcDateTime)  # the expiry the reminder announces
    state: Mapped[str] = mapped_column(String(12))
    reason: Mapped[str | None] = mapped_column(String(32), nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)  # times handed to the gateway
    claimed_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, nullable=True)
