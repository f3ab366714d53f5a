"""Whose applications: an applicant's own (the cabinet's "History of services") and those waiting for an
owner's consent. Read-only; each application is described as ``service.describe`` sees it, so one whose
owner's hour has passed is shown (and stored) as returned."""

from __future__ import annotations

from sqlalchemy import select

from eds_toolkit.core.context import ServiceContext
from eds_toolkit.registration.models import ResidenceApplication, Status
from eds_toolkit.registration.service import ApplicationView, describe

HISTORY_LENGTH = 50  # the newest applications a cabinet lists


def applications_of(
    ctx: ServiceContext, applicant_iin: str, *, limit: int = HISTORY_LENGTH
) -> list[ApplicationView]:
    """The applicant's applications, newest first (drafts included: they can still be signed)."""
    with ctx.session() as session:
        ids = session.scalars(
            select(ResidenceApplication.id)
            .where(ResidenceApplication.applicant_iin == applicant_iin)
            .order_by(ResidenceApplication.created_at.desc(), ResidenceApplication.id)
            .limit(limit)
        ).all()
    return [describe(ctx, application_id) for application_id in ids]


def awaiting_consent_of(
    ctx: ServiceContext, owner_iin: str, *, limit: int = HISTORY_LENGTH
) -> list[ApplicationView]:
    """Applications at an address of ``owner_iin`` that wait for their consent, the oldest first (the
    nearest deadline); one whose hour ran out while being read is left out."""
    with ctx.session() as session:
        ids = session.scalars(
            select(ResidenceApplication.id)
            .where(
                ResidenceApplication.owner_iin == owner_iin,
                ResidenceApplication.status == str(Status.AWAITING_OWNER),
            )
            .order_by(ResidenceApplication.owner_deadline, ResidenceApplication.id)
            .limit(limit)
        ).all()
    views = [describe(ctx, application_id) for application_id in ids]
    return [view for view in views if view.status == Status.AWAITING_OWNER]
