"""Ending identification in failure: the webcam steps and the state-photo check fail an enrolment here.

Only the steps (``selfie``, ``liveness_video``, ``id_photo``) move an enrolment into the identification
states, with the evidence they checked; the evidence-free shortcut tests use is in
``tests/evidence_free.py``, outside the service.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from eds_toolkit.core.context import ServiceContext
from eds_toolkit.flow.machine import State, transition
from eds_toolkit.flow.models import Enrolment


def mark_failed(
    ctx: ServiceContext,
    session: Session,
    enrolment: Enrolment,
    reason: str,
    client_address: str | None = None,
) -> None:
    """Move the loaded enrolment to ``failed`` (identification_failed, ``reason`` a code); no commit."""
    transition(
        ctx,
        session,
        enrolment,
        State.FAILED,
        action="identification_failed",
        client_address=client_address,
        reason=reason,
        failure_reason=reason,
    )
