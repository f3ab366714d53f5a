"""The renewal challenge: a random nonce the citizen signs with the still-valid AUTH key, used once."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from eds_toolkit.clock import UtcDateTime
from eds_toolkit.db import Base


class RenewalChallenge(Base):
    """One renewal attempt. ``used_at`` makes it single use; the serials record what it renewed into."""

    __tablename__ = "renewal_challenges"

    id: Mapped[str] = mapped_column(String(43), primary_key=True)
    challenge: Mapped[str] = mapped_column(String(200))  # the exact text to sign (public, not a secret)
    issued_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, nullable=True)
    outcome: Mapped[str | None] = mapped_column(String(64), nullable=True)  # "renewed" or a refusal code
    old_auth_serial: Mapped[str | None] = mapped_column(String(40), nullable=True)
    new_auth_serial: Mapped[str | None] = mapped_column(String(40), nullable=True)
    new_sign_serial: Mapped[str | None] = mapped_column(String(40), nullable=True)
