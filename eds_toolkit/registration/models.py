"""The residence-registration application table."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from eds_toolkit.clock import UtcDateTime
from eds_toolkit.db import Base


class Status(StrEnum):
    """Where an application stands: draft (filed, not yet signed) -> submitted -> decided by the rules:
    registered | refused | returned | sent_offline (to a service centre) | awaiting_owner -> registered |
    returned (the owner did not confirm within one hour) | rejected (the owner declined)."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    AWAITING_OWNER = "awaiting_owner"
    REGISTERED = "registered"
    RETURNED = "returned"
    REJECTED = "rejected"
    REFUSED = "refused"
    SENT_OFFLINE = "sent_offline"


FINAL_STATUSES = frozenset(
    {Status.REGISTERED, Status.RETURNED, Status.REJECTED, Status.REFUSED, Status.SENT_OFFLINE}
)


class ResidenceApplication(Base):
    """One application to register the applicant's residence at an address.

    ``document`` is the canonical JSON the applicant signs; with an EDS signature its CMS is kept
    (``signature_cms``) so the registration can be re-verified later. No code is ever stored here.
    ``person_iin`` is who is registered (None: the applicant, as before it existed); ``address_id`` the
    address in the registers (None: an address as declared). ``rules_verdict`` is the rules' evaluation
    as JSON (``rules.Evaluation``): a preview while a draft, the decision from submission on.
    """

    __tablename__ = "residence_applications"
    __table_args__ = (
        Index("ix_residence_applications_applicant", "applicant_iin"),
        Index("ix_residence_applications_status_deadline", "status", "owner_deadline"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64))
    applicant_iin: Mapped[str] = mapped_column(String(12))
    owner_iin: Mapped[str | None] = mapped_column(String(12), nullable=True)  # None: the applicant owns it
    person_iin: Mapped[str | None] = mapped_column(String(12), nullable=True)
    address_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    address: Mapped[str] = mapped_column(String(300))
    document: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20))
    version: Mapped[int] = mapped_column(Integer, default=0)
    signed_with: Mapped[str | None] = mapped_column(String(8), nullable=True)  # "eds" | "sms"
    signature_cms: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    signer_serial: Mapped[str | None] = mapped_column(String(40), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, nullable=True)
    owner_deadline: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, nullable=True)
    decided_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, nullable=True)
    outcome_reason: Mapped[str | None] = mapped_column(String(64), nullable=True)
    rules_verdict: Mapped[str | None] = mapped_column(Text, nullable=True)


class OwnerDecision(Base):
    """The owner's one decision on an application (the primary key allows no second): ``confirmed`` or
    ``declined``, and how: ``eds`` (the consent document signed with the owner's SIGN key: the document,
    its CMS and the verdict of its check at the time, as JSON), ``sms`` (the code from 1414) or
    ``cabinet`` (refused in the owner's signed-in cabinet). ``document`` is the consent confirmed."""

    __tablename__ = "residence_owner_decisions"

    application_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("residence_applications.id"), primary_key=True
    )
    owner_iin: Mapped[str] = mapped_column(String(12))
    decision: Mapped[str] = mapped_column(String(10))  # "confirmed" | "declined"
    method: Mapped[str] = mapped_column(String(8))  # "eds" | "sms" | "cabinet"
    document: Mapped[str | None] = mapped_column(Text, nullable=True)
    signature_cms: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    signer_serial: Mapped[str | None] = mapped_column(String(40), nullable=True)
    verdict: Mapped[str | None] = mapped_column(Text, nullable=True)
    decided_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
