"""Tables of remote identification: per-enrolment attempts and face encodings, and liveness tasks.

Face encodings (128 floats, not images) are kept only until the face match is decided; raw
images are stored only when the operator's configuration says so.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Float, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from eds_toolkit.clock import UtcDateTime
from eds_toolkit.db import Base


class IdentificationRecord(Base):
    """One enrolment's identification: attempts per check, and the encodings the face match needs."""

    __tablename__ = "identification_records"

    enrolment_id: Mapped[str] = mapped_column(
        String(43), ForeignKey("enrolments.id", ondelete="CASCADE"), primary_key=True
    )
    selfie_attempts: Mapped[int] = mapped_column(Integer, default=0)
    liveness_attempts: Mapped[int] = mapped_column(Integer, default=0)
    id_photo_attempts: Mapped[int] = mapped_column(Integer, default=0)
    selfie_encoding: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    video_encodings: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    selfie_image: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True, deferred=True)
    id_photo_image: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True, deferred=True)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class LivenessTaskRecord(Base):
    """A liveness task handed to the page: only the nonce hash is stored; ``used_at`` makes it single use."""

    __tablename__ = "liveness_tasks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    enrolment_id: Mapped[str] = mapped_column(
        String(43), ForeignKey("enrolments.id", ondelete="CASCADE"), index=True
    )
    nonce_hash: Mapped[str] = mapped_column(String(64), unique=True)
    challenges: Mapped[str] = mapped_column(String(80))  # comma-separated Challenge values, in order
    # Seconds per movement of this task (more than the default when the citizen asked for more time);
    # None: tasks issued before it was stored, which used the configured default.
    seconds_per_challenge: Mapped[float | None] = mapped_column(Float, nullable=True)
    # The screen colours the page shows while recording (webcam_flow.colour.ColourSequence.to_text);
    # None: the colour challenge was off when the task was handed out.
    colours: Mapped[str | None] = mapped_column(Text, nullable=True)
    issued_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    deadline: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, nullable=True)


class IdentificationReview(Base):
    """A face match referred to an officer (neither close enough to accept nor far enough to refuse): the
    pictures until the decision, the verdict with its scores and engine, and who decided what, when."""

    __tablename__ = "identification_reviews"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    enrolment_id: Mapped[str] = mapped_column(
        String(43), ForeignKey("enrolments.id", ondelete="CASCADE"), index=True
    )
    iin_hash: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)  # pending | accepted | refused
    engine: Mapped[str] = mapped_column(String(80))  # the face-match engine's name/version
    verdict: Mapped[str] = mapped_column(Text)  # the library's verdict as JSON (reasons, scores)
    # the pictures the officer compares with the state photo (read from the register by the IIN); deleted
    # once decided
    selfie_image: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True, deferred=True)
    id_photo_image: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True, deferred=True)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    decided_by: Mapped[str | None] = mapped_column(String(80), nullable=True)
    decided_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, nullable=True)
    note: Mapped[str | None] = mapped_column(String(500), nullable=True)
