"""Face matches referred to an officer: the third outcome between accept and refuse.

A referred match moves the enrolment to ``face_review`` (the citizen cannot send the ID photo again, so
cannot fish for an automatic accept) and records an ``identification_reviews`` row with the pictures,
the verdict, its scores and the engine. While an IIN has a pending review, no other enrolment of that IIN
is accepted automatically either: its match is referred too. An officer decides once (compare-and-set on
the pending status): accepted -> ``face_matched`` (the PIN step), refused -> ``failed`` (counted like any
failed identification of the IIN). Every decision is in the audit log; the pictures are deleted with it.
No citizen-facing endpoint decides: officers use the operators' console (``/operator/reviews``, signed in
with their AUTH certificate: ``eds_toolkit.operators.review_queue``) or ``eds identify review``.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update

from eds_toolkit.core import audit
from eds_toolkit.core.context import ServiceContext
from eds_toolkit.core.refusals import InvalidInput, NotFound, StepOutOfOrder
from eds_toolkit.flow.identification.archiving import keep
from eds_toolkit.flow.identification.config import IdentifyConfig
from eds_toolkit.flow.identification.decision import StepOutcome
from eds_toolkit.flow.identification.failure import mark_failed
from eds_toolkit.flow.identification.models import IdentificationRecord, IdentificationReview
from eds_toolkit.flow.machine import FINAL_STATES, State, aware, load_for_step, subject_of, transition
from eds_toolkit.flow.models import Enrolment
from webcam_flow.verdict import Verdict

PENDING, ACCEPTED, REFUSED = "pending", "accepted", "refused"
REFUSED_REASON = "face_review_refused"  # the enrolment's failure reason when an officer refuses


class ReviewAlreadyDecided(StepOutOfOrder):
    """A review is decided once; a second decision (or a race with another officer) is refused."""


@dataclass(frozen=True)
class ReviewView:
    """What an officer sees of a review (the pictures are read separately: :func:`review_pictures`)."""

    id: int
    enrolment_id: str
    status: str
    engine: str
    verdict: dict[str, Any]
    created_at: dt.datetime
    decided_by: str | None
    decided_at: dt.datetime | None
    note: str | None

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "enrolment_id": self.enrolment_id,
            "status": self.status,
            "engine": self.engine,
            "scores": self.verdict.get("scores", {}),
            "pictures": self.verdict.get("pictures"),
            "created_at": self.created_at.isoformat(),
            "decided_by": self.decided_by,
            "decided_at": self.decided_at.isoformat() if self.decided_at else None,
            "note": self.note,
        }


def _view(review: IdentificationReview) -> ReviewView:
    return ReviewView(
        review.id,
        review.enrolment_id,
        review.status,
        review.engine,
        json.loads(review.verdict),
        aware(review.created_at),
        review.decided_by,
        aware(review.decided_at) if review.decided_at else None,
        review.note,
    )


def has_pending_review(ctx: ServiceContext, iin: str) -> bool:
    """Whether any enrolment of ``iin`` waits for an officer's decision on its face match."""
    with ctx.session() as session:
        found = session.scalar(
            select(IdentificationReview.id).where(
                IdentificationReview.iin_hash == ctx.iin_hash(iin), IdentificationReview.status == PENDING
            )
        )
    return found is not None


def refer(
    ctx: ServiceContext,
    enrolment_id: str,
    verdict: Verdict,
    *,
    engine: str,
    id_photo: bytes,
    config: IdentifyConfig,
    client_address: str | None,
) -> StepOutcome:
    """Record a referred face match: the review row, the audit event (outcome ``referred``), the enrolment
    at ``face_review`` for up to ``config.review_hours``; the encodings are no longer needed."""
    with ctx.session() as session:
        enrolment = load_for_step(ctx, session, enrolment_id, {State.LIVENESS_OK})
        record = session.get(IdentificationRecord, enrolment_id)
        assert record is not None
        record.id_photo_attempts += 1
        attempt = record.id_photo_attempts
        pictures_at = "archive" if config.archive else "review"
        session.add(
            IdentificationReview(
                enrolment_id=enrolment_id,
                iin_hash=ctx.iin_hash(enrolment.iin),
                status=PENDING,
                engine=engine,
                # where the pictures are: in this row, or the operators' archive (eds identify export)
                verdict=json.dumps(
                    {**verdict.to_dict(), "outcome": verdict.outcome, "pictures": pictures_at}, sort_keys=True
                ),
                selfie_image=record.selfie_image,
                id_photo_image=id_photo,
                created_at=ctx.now(),
            )
        )
        record.selfie_encoding = record.video_encodings = record.selfie_image = None
        record.updated_at = ctx.now()
        audit.record_about(
            ctx,
            session,
            subject_of(enrolment),
            "identify_face_match",
            "referred",
            reason=",".join(verdict.reasons),
            client_address=client_address,
            detail={**verdict.to_dict(), "attempt": attempt, "engine": engine},
        )
        transition(
            ctx,
            session,
            enrolment,
            State.FACE_REVIEW,
            action="identification_face_review",
            client_address=client_address,
            expires_at=ctx.now() + dt.timedelta(hours=config.review_hours),
        )
        session.commit()
    keep(ctx, enrolment_id, verdict, {"image": ("id-photo", id_photo)}, attempt, config)
    return StepOutcome(verdict, str(State.FACE_REVIEW), 0)


def list_reviews(ctx: ServiceContext, *, status: str | None = PENDING) -> list[ReviewView]:
    """Reviews, oldest first (only those with ``status``; None: all)."""
    query = select(IdentificationReview).order_by(IdentificationReview.id)
    if status is not None:
        query = query.where(IdentificationReview.status == status)
    with ctx.session() as session:
        return [_view(review) for review in session.scalars(query)]


def get_review(ctx: ServiceContext, review_id: int) -> ReviewView:
    """One review, whatever its status (NotFound: there is none)."""
    with ctx.session() as session:
        review = session.get(IdentificationReview, review_id)
        if review is None:
            raise NotFound(f"There is no identification review {review_id}.", code="review_not_found")
        return _view(review)


def decided_reviews(ctx: ServiceContext, *, limit: int = 50) -> list[ReviewView]:
    """The latest ``limit`` decided reviews, the most recently decided first."""
    query = (
        select(IdentificationReview)
        .where(IdentificationReview.status != PENDING)
        .order_by(IdentificationReview.decided_at.desc(), IdentificationReview.id.desc())
        .limit(limit)
    )
    with ctx.session() as session:
        return [_view(review) for review in session.scalars(query)]


def review_pictures(ctx: ServiceContext, review_id: int) -> dict[str, bytes]:
    """The pictures of a pending review the officer compares: ``selfie``, ``id_photo`` and the register's
    ``state_photo`` of the IIN (empty once decided: the pictures are deleted with the decision)."""
    with ctx.session() as session:
        review = session.get(IdentificationReview, review_id)
        if review is None:
            raise NotFound(f"There is no identification review {review_id}.")
        enrolment = session.get(Enrolment, review.enrolment_id)
        pictures = {"selfie": review.selfie_image, "id_photo": review.id_photo_image}
        iin = enrolment.iin if enrolment is not None else None
    if review.status == PENDING and iin is not None:
        citizen = ctx.citizens.lookup(iin)
        pictures["state_photo"] = citizen.photo if citizen is not None else None
    return {name: data for name, data in pictures.items() if data}


def decide_review(
    ctx: ServiceContext,
    review_id: int,
    *,
    accept: bool,
    officer: str,
    note: str | None = None,
    config: IdentifyConfig = IdentifyConfig(),
    officer_iin: str | None = None,
    audit_detail: dict[str, Any] | None = None,
) -> ReviewView:
    """An officer's decision on a pending review, once: accepted -> the enrolment is ``face_matched`` (and
    lives ``config.review_hours`` more for the PIN step); refused -> ``failed``. Audited
    (``identification_review``, with ``audit_detail`` added: the console's operator identity), the pictures
    deleted. Refused: no officer named, an officer deciding their own IIN's review (``officer`` itself, or
    ``officer_iin`` when the officer is named otherwise), a review already decided (ReviewAlreadyDecided),
    an enrolment that ended meanwhile (accept only; a refusal is still recorded)."""
    officer = (officer or "").strip()
    if not officer:
        raise InvalidInput("Name the officer who decides (their staff identifier).", code="officer_required")
    with ctx.session() as session:
        review = session.get(IdentificationReview, review_id)
        if review is None:
            raise NotFound(f"There is no identification review {review_id}.")
        if review.status != PENDING:
            raise ReviewAlreadyDecided(
                f"Review {review_id} was already {review.status} by {review.decided_by}.",
                code="review_decided",
            )
        enrolment = session.get(Enrolment, review.enrolment_id)
        if review.iin_hash in {ctx.iin_hash(officer), ctx.iin_hash(officer_iin or officer)}:
            raise InvalidInput(
                "An officer cannot decide the review of their own identification.", code="own_review"
            )
        status = ACCEPTED if accept else REFUSED
        claimed = session.execute(
            update(IdentificationReview)
            .where(IdentificationReview.id == review_id, IdentificationReview.status == PENDING)
            .values(
                status=status,
                decided_by=officer[:80],
                decided_at=ctx.now(),
                note=(note or None) and note[:500],
                selfie_image=None,
                id_photo_image=None,
            )
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:
            raise ReviewAlreadyDecided(f"Review {review_id} was decided meanwhile.", code="review_decided")
        ended = enrolment is None or State(enrolment.state) in FINAL_STATES
        if not ended and ctx.now() >= aware(enrolment.expires_at):
            ended = True
        if accept:
            if ended or State(enrolment.state) != State.FACE_REVIEW:
                raise StepOutOfOrder(
                    "The enrolment of this review has ended; the citizen must start again.",
                    code="review_enrolment_ended",
                )
            transition(
                ctx,
                session,
                enrolment,
                State.FACE_MATCHED,
                action="identification_face_matched",
                reason="officer_review",
                expires_at=ctx.now() + dt.timedelta(hours=config.review_hours),
            )
        elif not ended and State(enrolment.state) == State.FACE_REVIEW:
            mark_failed(ctx, session, enrolment, REFUSED_REASON)
        if enrolment is not None:
            audit.record(
                ctx,
                session,
                iin=enrolment.iin,
                action="identification_review",
                outcome=audit.OK,
                enrolment_id=enrolment.id,
                reason=status,
                detail={
                    "review": review_id,
                    "officer": officer[:80],
                    "note": note,
                    "engine": review.engine,
                    **(audit_detail or {}),
                },
            )
        session.commit()
        review = session.get(IdentificationReview, review_id)
        session.refresh(review)
        return _view(review)
