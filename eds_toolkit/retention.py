"""Data retention: delete what the service no longer needs once a window has passed.

Kept for good: audit events, issued certificates (``ca_certificates``), Digital ID accounts, issued
enrolments and the enrolment rows themselves (audit events point at them). Deleted after the window:

- SMS code rows (``one_time_codes``) of failed or expired enrolments;
- finished liveness tasks (used, or past their deadline) of any enrolment;
- the transient data of failed or expired enrolments: the identification record (face encodings,
  selfie and identity-card images, attempt counters) and the phone numbers on the enrolment row;
- ended or expired cabinet sessions, and sign-in throttles that are no longer pausing anyone;
- phone changes (both numbers) stopped, applied or released before the window;
- server-made keystores kept for a second download (``flow/pickup.py``) past their own time, whatever
  the window (they are kept minutes, not days).

An enrolment counts as expired once its ``expires_at`` has passed, even if nobody opened it since.
Audit events form a hash chain (``core/audit_chain.py``): a purge of them, if ever wanted, must cut
whole old segments and keep the cut's position and hash as the verifier's starting point (docs/audit.md).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Engine, delete, or_, select, update
from sqlalchemy.orm import Session

from eds_toolkit.flow.cabinet_models import CabinetSession, SigninThrottle
from eds_toolkit.flow.identification.models import IdentificationRecord, LivenessTaskRecord
from eds_toolkit.flow.machine import FINAL_STATES, State
from eds_toolkit.flow.models import Enrolment
from eds_toolkit.flow.phone_change import USABLE_AFTER_RELEASE
from eds_toolkit.flow.phone_change_models import PhoneChange
from eds_toolkit.flow.pickup import purge_expired
from eds_toolkit.otp import OneTimeCode

DEFAULT_OLDER_THAN_DAYS = 30


@dataclass(frozen=True)
class PurgeCounts:
    """How many rows each part of a purge deleted (or, for enrolments, cleared)."""

    sms_codes: int = 0
    liveness_tasks: int = 0
    identification_records: int = 0
    enrolments_cleared: int = 0
    cabinet_sessions: int = 0
    signin_throttles: int = 0
    phone_changes: int = 0
    keystore_pickups: int = 0

    def lines(self) -> list[str]:
        """One line per part, for the operator."""
        return [
            f"SMS code rows deleted: {self.sms_codes}",
            f"liveness tasks deleted: {self.liveness_tasks}",
            f"identification records deleted: {self.identification_records}",
            f"enrolments cleared of phone numbers: {self.enrolments_cleared}",
            f"cabinet sessions deleted: {self.cabinet_sessions}",
            f"sign-in throttles deleted: {self.signin_throttles}",
            f"phone changes deleted: {self.phone_changes}",
            f"kept keystores deleted: {self.keystore_pickups}",
        ]


def purge(engine: Engine, *, older_than: dt.timedelta, now: dt.datetime | None = None) -> PurgeCounts:
    """Delete data older than ``older_than`` (see the module docstring) in one transaction; return counts.

    ``older_than`` must not be negative (ValueError). Audit events and certificates are never touched.
    """
    if older_than < dt.timedelta(0):
        raise ValueError("The retention window cannot be negative.")
    now = now or dt.datetime.now(dt.UTC)
    cutoff = now - older_than
    with Session(engine) as session, session.begin():
        finished = _finished_enrolments(cutoff)
        sms_codes = session.execute(
            delete(OneTimeCode).where(OneTimeCode.enrolment_id.in_(finished)), execution_options=_BULK
        ).rowcount
        liveness_tasks = session.execute(
            delete(LivenessTaskRecord).where(
                LivenessTaskRecord.issued_at < cutoff,
                or_(LivenessTaskRecord.used_at.is_not(None), LivenessTaskRecord.deadline < now),
            ),
            execution_options=_BULK,
        ).rowcount
        identification_records = session.execute(
            delete(IdentificationRecord).where(IdentificationRecord.enrolment_id.in_(finished)),
            execution_options=_BULK,
        ).rowcount
        enrolments_cleared = session.execute(
            update(Enrolment)
            .where(
                Enrolment.id.in_(finished),
                or_(Enrolment.phone.is_not(None), Enrolment.pending_phone.is_not(None)),
            )
            .values(phone=None, pending_phone=None),
            execution_options=_BULK,
        ).rowcount
        cabinet_sessions = session.execute(
            delete(CabinetSession).where(
                or_(CabinetSession.ended_at < cutoff, CabinetSession.expires_at < cutoff)
            ),
            execution_options=_BULK,
        ).rowcount
        signin_throttles = session.execute(
            delete(SigninThrottle).where(
                SigninThrottle.updated_at < cutoff,
                or_(SigninThrottle.locked_until.is_(None), SigninThrottle.locked_until < now),
            ),
            execution_options=_BULK,
        ).rowcount
        phone_changes = session.execute(
            delete(PhoneChange).where(
                or_(
                    PhoneChange.stopped_at < cutoff,
                    PhoneChange.applied_at < cutoff,
                    PhoneChange.release_at < cutoff - USABLE_AFTER_RELEASE,
                )
            ),
            execution_options=_BULK,
        ).rowcount
        keystore_pickups = purge_expired(session, now)
    return PurgeCounts(
        keystore_pickups=keystore_pickups,
        phone_changes=phone_changes,
        sms_codes=sms_codes,
        liveness_tasks=liveness_tasks,
        identification_records=identification_records,
        enrolments_cleared=enrolments_cleared,
        cabinet_sessions=cabinet_sessions,
        signin_throttles=signin_throttles,
    )


_BULK = {"synchronize_session": False}


def _finished_enrolments(cutoff: dt.datetime):
    """Ids of enrolments that failed or expired before ``cutoff`` (a subquery)."""
    stopped = [str(State.FAILED), str(State.EXPIRED)]
    unfinished = [str(state) for state in State if state not in FINAL_STATES]
    return select(Enrolment.id).where(
        or_(
            Enrolment.state.in_(stopped) & (Enrolment.updated_at < cutoff),
            Enrolment.state.in_(unfinished) & (Enrolment.expires_at < cutoff),
        )
    )
