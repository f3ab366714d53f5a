"""Registration applications as an officer sees them: the newest, by status; read-only."""

from __future__ import annotations

from sqlalchemy import select

from eds_toolkit.core.context import ServiceContext
from eds_toolkit.registration.models import OwnerDecision, ResidenceApplication, Status
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


def owner_decisions(ctx: ServiceContext, application_ids: list[str]) -> dict[str, tuple[str, str]]:
    """The owner's decision on each of the applications that has one: id -> (decision, method)."""
    if not application_ids:
        return {}
    with ctx.session() as session:
        rows = session.execute(
            select(OwnerDecision.application_id, OwnerDecision.decision, OwnerDecision.method).where(
                OwnerDecision.application_id.in_(application_ids)
            )
        ).all()
    return {application_id: (decision, method) for application_id, decision, method in rows}
