"""Who the operators are: added, given roles and disabled by a CA administrator at the command line
(``eds operator ...``); the console only reads this. Every change is audited."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from eds_toolkit.core import audit
from eds_toolkit.core.context import ServiceContext
from eds_toolkit.core.refusals import InvalidInput, NotFound
from eds_toolkit.operators.models import Operator
from eds_toolkit.operators.roles import Permission, Role, parse_roles, permissions_of
from national_profile.iin import InvalidIIN, parse_iin


@dataclass(frozen=True)
class OperatorView:
    """An operator as the console and the command line show them."""

    id: int
    iin: str
    name: str
    roles: frozenset[Role]
    enabled: bool

    @property
    def permissions(self) -> frozenset[Permission]:
        return permissions_of(self.roles) if self.enabled else frozenset()

    def may(self, permission: Permission) -> bool:
        return permission in self.permissions


def view(row: Operator) -> OperatorView:
    return OperatorView(row.id, row.iin, row.name, parse_roles(row.roles), row.disabled_at is None)


def _roles_text(roles: frozenset[Role]) -> str:
    return " ".join(sorted(role.value for role in roles))


def add_operator(ctx: ServiceContext, iin: str, name: str, roles: str, *, added_by: str) -> OperatorView:
    """Add an operator (or re-enable one, with these roles). ``roles``: e.g. ``"ca_admin,auditor"``."""
    iin = _valid_iin(iin)
    wanted = _valid_roles(roles)
    name = " ".join(name.split())
    if not name:
        raise InvalidInput("Give the operator's name as it is in their certificate.", code="name_missing")
    with ctx.session() as session:
        row = session.scalar(select(Operator).where(Operator.iin == iin))
        if row is None:
            row = Operator(iin=iin, name=name, added_at=ctx.now(), added_by=added_by, roles="")
            session.add(row)
        row.name, row.roles, row.disabled_at = name, _roles_text(wanted), None
        session.flush()
        _audit(ctx, session, row, "operator_added", added_by, {"roles": sorted(r.value for r in wanted)})
        session.commit()
        return view(row)


def disable_operator(ctx: ServiceContext, iin: str, *, disabled_by: str) -> OperatorView:
    """Disable an operator: their sessions stop at the next request; the record and its history stay."""
    with ctx.session() as session:
        row = _row(session, _valid_iin(iin))
        if row.disabled_at is None:
            row.disabled_at = ctx.now()
            _audit(ctx, session, row, "operator_disabled", disabled_by, None)
            session.commit()
        return view(row)


def operators(ctx: ServiceContext) -> list[OperatorView]:
    """Every operator, enabled or not, by name."""
    with ctx.session() as session:
        return [view(row) for row in session.scalars(select(Operator).order_by(Operator.name))]


def operator(ctx: ServiceContext, operator_id: int) -> OperatorView | None:
    with ctx.session() as session:
        row = session.get(Operator, operator_id)
        return view(row) if row is not None else None


def operator_by_iin(ctx: ServiceContext, iin: str) -> OperatorView | None:
    with ctx.session() as session:
        row = session.scalar(select(Operator).where(Operator.iin == iin))
        return view(row) if row is not None else None


def _row(session, iin: str) -> Operator:
    row = session.scalar(select(Operator).where(Operator.iin == iin))
    if row is None:
        raise NotFound("No operator has this IIN.", code="operator_not_found")
    return row


def _valid_iin(iin: str) -> str:
    try:
        return parse_iin(iin).value
    except InvalidIIN as error:
        raise InvalidInput(f"Not a valid IIN: {error}", code="invalid_iin") from None


def _valid_roles(roles: str) -> frozenset[Role]:
    try:
        wanted = parse_roles(roles)
    except ValueError as error:
        raise InvalidInput(str(error), code="unknown_role") from None
    if not wanted:
        raise InvalidInput("Give at least one role.", code="roles_missing")
    return wanted


def _audit(ctx: ServiceContext, session, row: Operator, action: str, by: str, detail: dict | None) -> None:
    audit.record(
        ctx, session, iin=row.iin, action=action, outcome=audit.OK, detail={"by": by, **(detail or {})}
    )
