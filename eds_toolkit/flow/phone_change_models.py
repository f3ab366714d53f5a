"""A change of the phone number the mobile-citizens base holds for an IIN, held until it may take effect."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from eds_toolkit.clock import UtcDateTime
from eds_toolkit.db import Base


class PhoneChange(Base):
    """A new number confirmed for an IIN whose base already had one (``old_phone``, told by SMS).

    It takes effect (the base gets ``new_phone``; certificates and a PIN may be issued to an enrolment
    that uses it) once ``release_at`` has passed or the old number confirmed it with the code it was
    sent (``owner_code_hash``), and never after the owner stopped it with that code (``stopped_at``).
    """

    __tablename__ = "phone_changes"
    __table_args__ = (Index("ix_phone_changes_iin_new_phone", "iin", "new_phone"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    iin: Mapped[str] = mapped_column(String(12))
    old_phone: Mapped[str] = mapped_column(String(16))
    new_phone: Mapped[str] = mapped_column(String(16))
    enrolment_id: Mapped[str] = mapped_column(String(43))  # the enrolment that asked first
    requested_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    release_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    owner_code_hash: Mapped[str] = mapped_column(String(64))
    confirm_attempts: Mapped[int] = mapped_column(Integer, default=0)  # wrong codes typed in the enrolment
    stop_attempts: Mapped[int] = mapped_column(Integer, default=0)  # wrong codes typed on the stop page
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, nullable=True)
    stopped_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, nullable=True)
    applied_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, nullable=True)
