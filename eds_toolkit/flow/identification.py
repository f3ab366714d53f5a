"""Step 4 (identification) as library calls only: the webcam steps move these states, never an endpoint."""

from __future__ import annotations

from sqlalchemy.orm import Session

from eds_toolkit.flow.machine import FlowContext, State, load_for_step, transition
from eds_toolkit.flow.models import Enrolment

IDENTIFICATION_ORDER = (State.PHONE_CONFIRMED, State.SELFIE_OK, State.LIVENESS_OK, State.FACE_MATCHED)


def advance_identification(
    ctx: FlowContext, enrolment_id: str, to_state: State, *, reason: str | None = None
) -> Enrolment:
    """Move one identification step forward (selfie_ok, liveness_ok, face_matched), in order."""
    if to_state not in IDENTIFICATION_ORDER[1:]:
        raise ValueError(f"{to_state} is not an identification state")
    previous = IDENTIFICATION_ORDER[IDENTIFICATION_ORDER.index(to_state) - 1]
    with ctx.session() as session:
        enrolment = load_for_step(ctx, session, enrolment_id, {previous})
        transition(ctx, session, enrolment, to_state, action=f"identification_{to_state}", reason=reason)
        session.commit()
        return enrolment


def mark_identified(ctx: FlowContext, enrolment_id: str) -> Enrolment:
    """Put an enrolment whose phone is confirmed through all identification states (tests, benchmark)."""
    enrolment = None
    for state in IDENTIFICATION_ORDER[1:]:
        enrolment = advance_identification(ctx, enrolment_id, state, reason="marked_by_library")
    assert enrolment is not None
    return enrolment


def fail_identification(ctx: FlowContext, enrolment_id: str, reason: str) -> Enrolment:
    """Stop the enrolment: identification failed (``reason`` is a code, never biometric data)."""
    with ctx.session() as session:
        enrolment = load_for_step(ctx, session, enrolment_id, set(IDENTIFICATION_ORDER))
        mark_failed(ctx, session, enrolment, reason)
        session.commit()
        return enrolment


def mark_failed(
    ctx: FlowContext, session: Session, enrolment: Enrolment, reason: str, client_address: str | None = None
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
