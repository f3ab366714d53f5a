"""Registration applications as an officer sees them: the newest, by status; read-only."""

from __future__ import annotations

from sqlalchemy import select

from eds_toolkit.core.context import ServiceContext
from eds_toolkit.registration.models import ResidenceApplication, Status
from eds_toolkit.registration.service import ApplicationView, describe

PAGE = 50
STATUSES = tuple(str(status) for status in Status)


def recent_applications(ctx: ServiceContext, *, status: str | None = None) -> list[ApplicationView]:
    """The newest ``PAGE`` applications (of ``status``, one of ``STATUSES``, when given)."""
    query = select(ResidenceApplication.id).order_by(
        ResidenceApplication.created_at.desc(), ResidenceApplication.id
    )
    if status in STATUSES:
        query = query.where(ResidenceApplication.status == status)
    with ctx.session() as session:
        ids = session.scalars(query.limit(PAGE)).all()
    return [describe(ctx, application_id) for application_id in ids]
