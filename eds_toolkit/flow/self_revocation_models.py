"""A citizen's own revocation request (lost or stolen key), confirmed with a one-time SMS code."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from eds_toolkit.clock import UtcDateTime
from eds_toolkit.db import Base


class SelfRevocation(Base):
    """One request to revoke a pair from the cabinet. Only the cabinet session that asked may confirm it
    (``session_hash``, the SHA-256 of that session's token); the serials are the citizen's own, fixed
    when the request is made. The code goes to the phone on record (``one_time_codes``, key
    ``revoke:<id>``)."""

    __tablename__ = "self_revocations"

    id: Mapped[str] = mapped_column(String(43), primary_key=True)
    iin: Mapped[str] = mapped_column(String(12), index=True)
    session_hash: Mapped[str] = mapped_column(String(64))
    auth_serial: Mapped[str | None] = mapped_column(String(40), nullable=True)
    sign_serial: Mapped[str | None] = mapped_column(String(40), nullable=True)
    language: Mapped[str] = mapped_column(String(8))  # of the SMS
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, index=True)
    expires_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, nullable=True)
    # since when the key may be compromised, as the citizen said (the CRL entry's invalidityDate)
    compromised_since: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, nullable=True)
