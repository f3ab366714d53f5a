"""The identification review queue as the console works it: the referred face matches with their numbers
and pictures, and an officer's decision (``eds_toolkit.flow.identification.review.decide_review``) made
with the signed-in operator as the officer. Each picture viewed and each decision, made or refused, is
audited with the operator's identity."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eds_toolkit.core import audit
from eds_toolkit.core.context import ServiceContext
from eds_toolkit.core.refusals import InvalidInput, NotFound, Refusal
from eds_toolkit.flow.identification.config import IdentifyConfig
from eds_toolkit.flow.identification.models import IdentificationReview
from eds_toolkit.flow.identification.review import (
    ReviewView,
    decide_review,
    decided_reviews,
    get_review,
    list_reviews,
    review_pictures,
)
from eds_toolkit.flow.models import Enrolment
from eds_toolkit.operators.actions import operator_detail, record_action
from eds_toolkit.operators.redaction import hide_iins
from eds_toolkit.operators.signin import SignedIn
from eds_toolkit.translations import N_

PICTURES = ("selfie", "id_photo", "state_photo")
"""The pictures of a pending review: the live selfie, the identity card's photo, the register's photo."""

COMPARISONS = (("record", N_("Live face and the state photo")), ("id", N_("Live face and the ID card photo")))
"""The verdict's two comparisons by score prefix, with their English labels (``match_identity``)."""

NOTE_LENGTH = 500


@dataclass(frozen=True)
class Comparison:
    """One face comparison of a referred match: its distances and the bands they fell between."""

    label: str
    distance_max: float | None  # the farthest probe decides
    distance_median: float | None
    distance_min: float | None
    accept_at_most: float | None  # accepted automatically at or below
    refuse_above: float | None  # refused automatically above
    probes: int | None


@dataclass(frozen=True)
class QueueEntry:
    """A review as the console shows it; the applicant's IIN and name only on the review's own page."""

    review: ReviewView
    comparisons: tuple[Comparison, ...]
    applicant_iin: str | None = None
    applicant_name: str | None = None


def comparisons(verdict: dict[str, Any]) -> tuple[Comparison, ...]:
    """The comparisons the verdict's scores hold (a verdict without scores has none)."""
    scores = verdict.get("scores") or {}
    found = []
    for prefix, label in COMPARISONS:
        if f"{prefix}_threshold" not in scores:
            continue

        def score(name: str, prefix: str = prefix) -> float | None:
            value = scores.get(f"{prefix}_{name}")
            return float(value) if isinstance(value, int | float) else None

        probes = score("probes")
        found.append(
            Comparison(
                label,
                score("distance_max"),
                score("distance_median"),
                score("distance_min"),
                score("accept_at_most"),
                score("threshold"),
                int(probes) if probes is not None else None,
            )
        )
    return tuple(found)


def pending(ctx: ServiceContext) -> list[QueueEntry]:
    """The reviews waiting for an officer, oldest first."""
    return [QueueEntry(review, comparisons(review.verdict)) for review in list_reviews(ctx)]


def decided(ctx: ServiceContext, *, limit: int = 50) -> list[QueueEntry]:
    """The latest decided reviews, with who decided (``decided_by``), the most recent first."""
    return [QueueEntry(review, comparisons(review.verdict)) for review in decided_reviews(ctx, limit=limit)]


def entry(ctx: ServiceContext, review_id: int) -> QueueEntry:
    """One review with the applicant's IIN and name (from the citizens base), for deciding it."""
    review = get_review(ctx, review_id)
    with ctx.session() as session:
        enrolment = session.get(Enrolment, review.enrolment_id)
        iin = enrolment.iin if enrolment is not None else None
    citizen = ctx.citizens.lookup(iin) if iin else None
    name = None
    if citizen is not None:
        name = " ".join(part for part in (citizen.surname, citizen.given_name, citizen.patronymic) if part)
    return QueueEntry(review, comparisons(review.verdict), iin, name)


def picture(
    ctx: ServiceContext, who: SignedIn, review_id: int, name: str, *, client_address: str | None = None
) -> bytes:
    """One picture of a pending review (``PICTURES``); each viewing is audited (``review_picture_viewed``).
    NotFound once the review is decided: the pictures are deleted with the decision."""
    if name not in PICTURES:
        raise NotFound(f"A review has no picture {name!r}.", code="picture_not_found")
    iin = applicant_iin(ctx, review_id)
    data = review_pictures(ctx, review_id).get(name)
    with ctx.session() as session:
        record_action(
            ctx,
            session,
            who,
            "review_picture_viewed",
            iin=iin,
            outcome=audit.OK if data else audit.REFUSED,
            reason=None if data else "picture_not_found",
            client_address=client_address,
            detail={"review": review_id, "picture": name},
        )
        session.commit()
    if not data:
        raise NotFound("This picture is not kept (any more).", code="picture_not_found")
    return data


def decide(
    ctx: ServiceContext,
    who: SignedIn,
    review_id: int,
    *,
    accept: bool,
    note: str,
    config: IdentifyConfig,
    client_address: str | None = None,
) -> ReviewView:
    """Accept or refuse a pending review as ``who``, with a required note; once (a second decision, or a
    race with another officer, is refused: ``review_decided``). An officer cannot decide the review of
    their own IIN (``own_review``). A refused attempt is audited too."""
    note = " ".join((note or "").split())
    iin = applicant_iin(ctx, review_id)
    try:
        if not note:
            raise InvalidInput("Write a note saying why you decide so.", code="note_required")
        if len(note) > NOTE_LENGTH:
            raise InvalidInput(
                f"The note is at most {NOTE_LENGTH} characters.", code="note_too_long", limit=NOTE_LENGTH
            )
        return decide_review(
            ctx,
            review_id,
            accept=accept,
            officer=officer_label(who),
            officer_iin=who.operator.iin,
            note=note,
            config=config,
            audit_detail=operator_detail(who),
        )
    except NotFound:
        raise
    except Refusal as error:
        with ctx.session() as session:
            record_action(
                ctx,
                session,
                who,
                "identification_review",
                iin=iin,
                outcome=audit.REFUSED,
                reason=error.code,
                client_address=client_address,
                detail={"review": review_id, "decision": "accepted" if accept else "refused"},
            )
            session.commit()
        raise


def officer_label(who: SignedIn) -> str:
    """How a decision names the operator who made it (``decided_by``): name and operator number."""
    return f"{who.operator.name} (operator {who.operator.id})"[:80]


def applicant_iin(ctx: ServiceContext, review_id: int) -> str:
    """The IIN of the citizen whose face match a review is about (NotFound: no such review)."""
    with ctx.session() as session:
        row = session.get(IdentificationReview, review_id)
        enrolment = session.get(Enrolment, row.enrolment_id) if row is not None else None
        if enrolment is None:
            raise NotFound(f"There is no identification review {review_id}.", code="review_not_found")
        return enrolment.iin


def shown_officer(review: ReviewView) -> str:
    """Who decided, as the console shows it: an officer named by IIN at the command line is hidden."""
    return hide_iins(review.decided_by)
