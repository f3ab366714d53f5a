"""Tables of the personal cabinet: server-side sign-in sessions and the per-IIN sign-in throttle."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from eds_toolkit.clock import UtcDateTime
from eds_toolkit.db import Base


class CabinetSession(Base):
    """One signed-in cabinet session. The browser holds the token; only its SHA-256 is stored here."""

    __tablename__ = "cabinet_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    iin: Mapped[str] = mapped_column(String(12), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, index=True)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, nullable=True)
    # the AUTH certificate it was opened with (None: IIN + PIN); it ends once that one is revoked/expired
    certificate_serial: Mapped[str | None] = mapped_column(String(40), nullable=True)


class SigninThrottle(Base):
    """Wrong sign-ins per IIN, kept for every IIN tried (with or without an account), so a lock says
    nothing about whether the IIN has an account. Keyed by the audit key's hash of the IIN."""

    __tablename__ = "signin_throttles"

    iin_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, nullable=True)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, index=True)
