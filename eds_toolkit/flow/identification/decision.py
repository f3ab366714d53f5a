"""Recording a check's decision, the same for every step: the library's verdict is audited as it is;
positive -> store what the next steps need and move the enrolment on; negative -> count an attempt, and
fail the enrolment when the check's attempts are used up (service policy, not the library's). A refusal
only for the picture's quality (a blink at the shutter, a blurred frame: ``Verdict.quality_only``) costs
no attempt."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from eds_toolkit.core.audit_models import AuditEvent
from eds_toolkit.core.context import ServiceContext
from eds_toolkit.core.refusals import NotFound
from eds_toolkit.flow.identification.archiving import keep
from eds_toolkit.flow.identification.config import IdentifyConfig
from eds_toolkit.flow.identification.failure import mark_failed
from eds_toolkit.flow.identification.models import IdentificationRecord
from eds_toolkit.flow.identification.refusals import IdentificationFailed, IdentificationRefused, refusal
from eds_toolkit.flow.machine import State, load_for_step, refusals_audited, transition
from eds_toolkit.flow.models import Enrolment
from webcam_flow.verdict import Verdict

ACTIONS = {"selfie": "identify_selfie", "liveness": "identify_liveness", "face_match": "identify_face_match"}
ATTEMPT_COLUMNS = {
    "selfie": IdentificationRecord.selfie_attempts,
    "liveness": IdentificationRecord.liveness_attempts,
    "face_match": IdentificationRecord.id_photo_attempts,
}


@dataclass(frozen=True)
class StepOutcome:
    """A positive decision: the verdict and where the enrolment now stands."""

    verdict: Verdict
    state: str
    attempts_left: int

    def as_json(self) -> dict[str, Any]:
        return {
            "check": self.verdict.check,
            "ok": self.verdict.ok,
            "reasons": list(self.verdict.reasons),
            "message": self.verdict.message(),
            "state": self.state,
            "attempts_left": self.attempts_left,
        }


@dataclass
class Decision:
    """The library's verdict on a step, and what to store when it is positive."""

    verdict: Verdict
    store: dict[str, Any] = field(default_factory=dict)
    submission: str | None = None  # digest of what was sent (liveness: nonce + frames), kept in the audit
    kept: dict[str, Any] = field(default_factory=dict)  # IdentifyArchive.keep's image / frames / context


def audit_decision(
    ctx: ServiceContext,
    session: Session,
    enrolment: Enrolment,
    decision: Decision,
    client_address: str | None,
    attempt: int,
    *,
    counted: bool = True,
) -> None:
    """The decision with its verdict as JSON (reasons and scores; never an image); ``counted`` False for a
    refusal that cost no attempt."""
    verdict = decision.verdict
    detail: dict[str, Any] = {**verdict.to_dict(), "attempt": attempt}
    if not counted:
        detail["attempt_counted"] = False
    if decision.submission:
        detail["submission"] = decision.submission
    session.add(
        AuditEvent(
            enrolment_id=enrolment.id,
            iin_hash=ctx.iin_hash(enrolment.iin),
            action=ACTIONS[verdict.check],
            outcome="ok" if verdict.ok else "refused",
            from_state=enrolment.state,
            to_state=enrolment.state,
            reason=(",".join(verdict.reasons) or "passed")[:64],
            client_address=client_address,
            detail=json.dumps(detail, sort_keys=True),
            at=ctx.now(),
        )
    )


def apply_decision(
    ctx: ServiceContext,
    enrolment_id: str,
    decision: Decision,
    *,
    from_state: State,
    to_state: State,
    config: IdentifyConfig,
    client_address: str | None,
) -> StepOutcome:
    """Record the decision in one transaction and archive it; a negative one is raised as its refusal."""
    verdict = decision.verdict
    column = ATTEMPT_COLUMNS[verdict.check]
    limit = config.attempts_for(verdict.check)
    with ctx.session() as session:
        enrolment = load_for_step(ctx, session, enrolment_id, {from_state})
        record = session.get(IdentificationRecord, enrolment_id)
        assert record is not None
        used = getattr(record, column.key)
        if verdict.ok:
            audit_decision(ctx, session, enrolment, decision, client_address, used + 1)
            for name, value in decision.store.items():
                setattr(record, name, value)
            record.updated_at = ctx.now()
            transition(
                ctx,
                session,
                enrolment,
                to_state,
                action=f"identification_{to_state}",
                client_address=client_address,
            )
            session.commit()
            keep(ctx, enrolment_id, verdict, decision.kept, used + 1, config)
            return StepOutcome(verdict, str(to_state), limit - used)
        if verdict.quality_only:
            audit_decision(ctx, session, enrolment, decision, client_address, used + 1, counted=False)
            session.commit()
            keep(ctx, enrolment_id, verdict, decision.kept, used + 1, config)
            raise refusal(verdict, limit - used, str(from_state))
        session.execute(
            update(IdentificationRecord)
            .where(IdentificationRecord.enrolment_id == enrolment_id)
            .values({column.key: column + 1, "updated_at": ctx.now()})
        )
        used = session.scalar(select(column).where(IdentificationRecord.enrolment_id == enrolment_id))
        audit_decision(ctx, session, enrolment, decision, client_address, used)
        left = max(0, limit - used)
        if left == 0:
            record.selfie_encoding = record.video_encodings = None
            mark_failed(ctx, session, enrolment, f"{verdict.check}_attempts_exhausted", client_address)
        session.commit()
    keep(ctx, enrolment_id, verdict, decision.kept, used, config)
    raise refusal(verdict, left, str(State.FAILED) if left == 0 else str(from_state))


def audited_step(action: str) -> Callable:
    """Out-of-order and bad-input refusals go to the audit log (decisions audit themselves)."""
    return refusals_audited(action, unrecorded=(IdentificationRefused, IdentificationFailed, NotFound))
