"""Every operator action is audited with the operator's identity (their id and the AUTH certificate
they signed in with); the IIN of the citizen it concerns is kept as the audit log's keyed hash."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from eds_toolkit.core import audit
from eds_toolkit.core.context import ServiceContext
from eds_toolkit.operators.signin import SignedIn


def record_action(
    ctx: ServiceContext,
    session: Session,
    who: SignedIn,
    action: str,
    *,
    iin: str,
    outcome: str = audit.OK,
    reason: str | None = None,
    client_address: str | None = None,
    detail: dict[str, Any] | None = None,
    from_state: str | None = None,
    to_state: str | None = None,
) -> None:
    """Add the audit event of ``who`` doing ``action`` about ``iin`` (the caller commits)."""
    audit.record(
        ctx,
        session,
        iin=iin,
        action=action,
        outcome=outcome,
        reason=reason,
        client_address=client_address,
        from_state=from_state,
        to_state=to_state,
        detail={**operator_detail(who), **(detail or {})},
    )


def operator_detail(who: SignedIn) -> dict[str, Any]:
    """The operator's identity as every console event carries it (the audit log's operator filter reads
    ``operator_id``)."""
    return {"operator_id": who.operator.id, "operator_certificate": who.certificate_serial}
