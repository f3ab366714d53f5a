"""The liveness task: the library's 2-3 random challenges (or the configured ones) with a one-time nonce,
stored only as its hash, and a deadline. Asking for a new task closes the enrolment's older unused ones."""

from __future__ import annotations

import datetime as dt
import json
import random
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import func, select, update

from eds_toolkit.core.audit_models import AuditEvent
from eds_toolkit.core.context import ServiceContext
from eds_toolkit.core.refusals import TooManyRequests
from eds_toolkit.flow.identification.blocking import begin_step
from eds_toolkit.flow.identification.config import IdentifyConfig
from eds_toolkit.flow.identification.decision import audited_step
from eds_toolkit.flow.identification.models import LivenessTaskRecord
from eds_toolkit.flow.identification.nonces import nonce_hash
from eds_toolkit.flow.machine import State, load_for_step
from webcam_flow.colour import new_sequence
from webcam_flow.liveness import LivenessTask, new_task
from webcam_flow.verdict import CHALLENGE_PHRASES


@dataclass(frozen=True)
class IssuedTask:
    """A liveness task as the page needs it (the nonce in clear is only ever sent to the citizen)."""

    task: LivenessTask
    seconds_per_challenge: float
    attempts_left: int
    max_seconds_per_challenge: float = 0.0  # how far "I need more time" may extend it

    def as_json(self) -> dict[str, Any]:
        return {
            "nonce": self.task.nonce,
            "challenges": [
                {"code": c.value, "text": CHALLENGE_PHRASES[c.value].capitalize()}
                for c in self.task.challenges
            ],
            "deadline": dt.datetime.fromtimestamp(self.task.deadline, dt.UTC).isoformat(),
            "seconds_per_challenge": self.seconds_per_challenge,
            # shown from the first recorded frame on, each colour for its seconds (None: no colour challenge)
            "colours": self.task.colours.to_json() if self.task.colours else None,
            "max_seconds_per_challenge": max(self.max_seconds_per_challenge, self.seconds_per_challenge),
            "attempts_left": self.attempts_left,
        }


@audited_step("identify_liveness_task")
def start_liveness(
    ctx: ServiceContext,
    enrolment_id: str,
    *,
    config: IdentifyConfig = IdentifyConfig(),
    rng: random.Random | None = None,
    client_address: str | None = None,
    seconds_per_challenge: float | None = None,
) -> IssuedTask:
    """Hand out a liveness task: 2-3 random challenges (or the configured ones), a one-time nonce
    stored only as its hash, and a deadline. The enrolment's older unused tasks are closed.
    ``seconds_per_challenge``: the time per movement the citizen asked for ("I need more time"), kept
    between the configured default and maximum; the task's frames are judged on that schedule."""
    record = begin_step(ctx, enrolment_id, State.SELFIE_OK, config, client_address)
    now = ctx.now()
    slot = config.slot_seconds(seconds_per_challenge)
    slots = len(config.fixed_challenges or ()) or 3
    ttl = max(config.liveness_ttl, config.liveness_ttl + slots * (slot - config.seconds_per_challenge))
    task = new_task(rng=rng, now=now.timestamp(), ttl=ttl)
    if config.fixed_challenges:
        task = replace(task, challenges=config.fixed_challenges)
    if config.colour_challenge:
        task = replace(task, colours=new_sequence(len(task.challenges) * slot, rng))
    with ctx.session() as session:
        enrolment = load_for_step(ctx, session, enrolment_id, {State.SELFIE_OK})
        issued = session.scalar(
            select(func.count())
            .select_from(LivenessTaskRecord)
            .where(LivenessTaskRecord.enrolment_id == enrolment_id)
        )
        if issued >= config.max_tasks:
            raise TooManyRequests(
                "Too many video checks were started for this enrolment. Please start again "
                "or visit a service centre.",
                code="too_many_tasks",
            )
        # Only the newest task counts: the older unused ones are closed, so a client cannot collect
        # several tasks and answer the one whose challenges suit a recording.
        session.execute(
            update(LivenessTaskRecord)
            .where(LivenessTaskRecord.enrolment_id == enrolment_id, LivenessTaskRecord.used_at.is_(None))
            .values(used_at=now)
        )
        session.add(
            LivenessTaskRecord(
                enrolment_id=enrolment_id,
                nonce_hash=nonce_hash(task.nonce),
                challenges=",".join(c.value for c in task.challenges),
                seconds_per_challenge=slot,
                colours=task.colours.to_text() if task.colours else None,
                issued_at=now,
                deadline=now + dt.timedelta(seconds=ttl),
            )
        )
        session.add(
            AuditEvent(
                enrolment_id=enrolment_id,
                iin_hash=ctx.iin_hash(enrolment.iin),
                action="identify_liveness_task",
                outcome="ok",
                from_state=enrolment.state,
                to_state=enrolment.state,
                reason=None,
                client_address=client_address,
                at=now,
                detail=json.dumps(
                    {
                        "challenges": [c.value for c in task.challenges],
                        "ttl_s": ttl,
                        "seconds_per_challenge": slot,
                        "fixed": bool(config.fixed_challenges),
                        "colour_challenge": task.colours is not None,
                    }
                ),
            )
        )
        session.commit()
    return IssuedTask(
        task, slot, config.liveness_attempts - record.liveness_attempts, config.max_seconds_per_challenge
    )
