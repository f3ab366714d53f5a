"""The server-made keystores kept, encrypted with the citizen's password, until they are picked up."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from eds_toolkit.clock import UtcDateTime
from eds_toolkit.db import Base


class KeystorePickup(Base):
    """The zip of an enrolment's two .p12 files (each encrypted with the password the citizen chose),
    written in the transaction that issues the pair and kept until ``expires_at``: a crash after the
    commit, or an answer lost on the way, never loses the keys of an issued pair."""

    __tablename__ = "keystore_pickups"

    enrolment_id: Mapped[str] = mapped_column(
        String(43), ForeignKey("enrolments.id", ondelete="CASCADE"), primary_key=True
    )
    auth_serial: Mapped[str] = mapped_column(String(64))
    sign_serial: Mapped[str] = mapped_column(String(64))
    zip_bytes: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, index=True)
