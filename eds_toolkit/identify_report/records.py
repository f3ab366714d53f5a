"""What the report reads: each enrolment's identification decisions, as the service recorded them.

Every decision of the webcam steps is an audit event (``identify_selfie``, ``identify_liveness``,
``identify_face_match``) whose detail is the library's verdict as is (reasons and scores) plus the attempt
number, with ``attempt_counted: false`` for a refusal for the picture's quality alone
(``flow/identification/decision.py``); a referred face match is outcome ``referred``
(``flow/identification/review.py``) and the officer's decision an ``identification_review`` event whose
reason is ``accepted`` or ``refused``. The enrolment row says whether the citizen finished (``issued``),
failed (``failure_reason``) or let it expire. Nothing here reads an IIN, a name, a phone or a picture.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field, replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from eds_toolkit.core.audit_models import AuditEvent
from eds_toolkit.flow.models import Enrolment

DECISIONS = {
    "identify_selfie": "selfie",
    "identify_liveness": "liveness",
    "identify_face_match": "face_match",
}
REVIEW_DECISION = "identification_review"
PASSED, REFUSED, QUALITY, REFERRED = "passed", "refused", "refused_quality", "referred"
FINISHED_STATE, FAILED_STATE, EXPIRED_STATE = "issued", "failed", "expired"


@dataclass(frozen=True)
class Try:
    """One decision of one check: ``outcome`` passed, refused (an attempt used), refused_quality (no
    attempt used) or referred (face match: an officer decides; ``review`` accepted / refused / None)."""

    check: str
    outcome: str
    reasons: tuple[str, ...] = ()
    scores: dict[str, float] = field(default_factory=dict)
    review: str | None = None

    @property
    def refused(self) -> bool:
        return self.outcome in (REFUSED, QUALITY)

    @property
    def accepted(self) -> bool:
        """Passed, or referred and accepted by an officer."""
        return self.outcome == PASSED or self.review == "accepted"


@dataclass
class Trace:
    """One enrolment's identification: its decisions in order and how the enrolment stands now."""

    state: str
    failure_reason: str | None
    expired: bool  # ended without finishing: expired, or past its time though nobody opened it since
    tries: list[Try] = field(default_factory=list)

    @property
    def finished(self) -> bool:
        """The certificates were issued (the face match accepted, automatically or by an officer)."""
        return self.state == FINISHED_STATE

    @property
    def ended(self) -> bool:
        return self.finished or self.state == FAILED_STATE or self.expired

    def of(self, check: str) -> list[Try]:
        return [t for t in self.tries if t.check == check]


def _verdict_try(check: str, outcome: str, detail: str | None) -> Try | None:
    """The try an audit event records, or None for an event that is not a decision (a bad upload)."""
    try:
        verdict = json.loads(detail or "")
    except ValueError:
        return None
    if not isinstance(verdict, dict) or "scores" not in verdict or verdict.get("check") != check:
        return None
    if outcome == "ok":
        kind = PASSED
    elif outcome == "referred":
        kind = REFERRED
    else:
        kind = QUALITY if verdict.get("attempt_counted") is False else REFUSED
    scores = {k: float(v) for k, v in verdict["scores"].items() if isinstance(v, int | float)}
    return Try(check, kind, tuple(verdict.get("reasons") or ()), scores)


def read_traces(
    session: Session, start: dt.datetime | None, end: dt.datetime | None, now: dt.datetime
) -> list[Trace]:
    """The enrolments started in [start, end) (UTC; None: unbounded) that reached a decision of the
    webcam steps, each with all its decisions, whenever they were made."""
    started = select(Enrolment.id)
    if start is not None:
        started = started.where(Enrolment.created_at >= start)
    if end is not None:
        started = started.where(Enrolment.created_at < end)
    events = session.execute(
        select(
            AuditEvent.enrolment_id,
            AuditEvent.action,
            AuditEvent.outcome,
            AuditEvent.reason,
            AuditEvent.detail,
        )
        .where(
            AuditEvent.enrolment_id.in_(started),
            AuditEvent.action.in_([*DECISIONS, REVIEW_DECISION]),
        )
        .order_by(AuditEvent.id)
    )
    tries: dict[str, list[Try]] = {}
    for enrolment_id, action, outcome, reason, detail in events:
        found = tries.setdefault(enrolment_id, [])
        if action == REVIEW_DECISION:
            referred = [i for i, t in enumerate(found) if t.outcome == REFERRED]
            if outcome == "ok" and referred and reason in ("accepted", "refused"):
                found[referred[-1]] = replace(found[referred[-1]], review=reason)
            continue
        decision = _verdict_try(DECISIONS[action], outcome, detail)
        if decision is not None:
            found.append(decision)
    traces = []
    decided = select(AuditEvent.enrolment_id).where(AuditEvent.action.in_(list(DECISIONS)))
    rows = session.execute(
        select(Enrolment.id, Enrolment.state, Enrolment.failure_reason, Enrolment.expires_at).where(
            Enrolment.id.in_(started), Enrolment.id.in_(decided)
        )
    )
    for enrolment_id, state, failure_reason, expires_at in rows:
        if not tries.get(enrolment_id):
            continue  # only refusals that were not decisions (bad uploads)
        expires = expires_at if expires_at.tzinfo else expires_at.replace(tzinfo=dt.UTC)
        expired = state == EXPIRED_STATE or (state not in (FINISHED_STATE, FAILED_STATE) and now >= expires)
        traces.append(Trace(state, failure_reason, expired, tries[enrolment_id]))
    return traces
