"""Tables of the citizen flow: enrolments (the state machine) and Digital ID accounts."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from eds_toolkit.clock import UtcDateTime
from eds_toolkit.db import Base


class Enrolment(Base):
    """One citizen's remote issuance. ``version`` backs the compare-and-set of every transition."""

    __tablename__ = "enrolments"

    id: Mapped[str] = mapped_column(String(43), primary_key=True)
    iin: Mapped[str] = mapped_column(String(12), index=True)
    state: Mapped[str] = mapped_column(String(20))
    version: Mapped[int] = mapped_column(Integer, default=1)
    phone: Mapped[str | None] = mapped_column(String(20), nullable=True)  # the confirmed (or base) phone
    pending_phone: Mapped[str | None] = mapped_column(String(20), nullable=True)  # awaiting confirmation
    phone_source: Mapped[str | None] = mapped_column(String(12), nullable=True)  # "base" | "registered"
    # a new number for an IIN whose base had another one: the held change (phone_changes.id)
    phone_change_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # the PIN chosen while a phone change is held (argon2id hash), given to the account when it takes effect
    pending_pin_hash: Mapped[str | None] = mapped_column(String(255), nullable=True)
    api_token_hash: Mapped[str] = mapped_column(String(64))
    failure_reason: Mapped[str | None] = mapped_column(String(64), nullable=True)
    language: Mapped[str | None] = mapped_column(String(5), nullable=True)  # en | kk | ru, for later SMS
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    issued_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, nullable=True)
    # the citizen reviewed the name and IIN going into the certificates and confirmed them (flow.application)
    application_confirmed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, nullable=True)


class DigitalIdAccount(Base):
    """The citizen's Digital ID account: the PIN (argon2 hash only) and its sign-in attempt counter."""

    __tablename__ = "digital_id_accounts"

    iin: Mapped[str] = mapped_column(String(12), primary_key=True)
    pin_hash: Mapped[str] = mapped_column(String(255))
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
