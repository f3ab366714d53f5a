"""Three outcomes of the face match: a match between the bands is referred to an officer, who decides
once (audited); accepted goes on to the PIN step, refused fails the enrolment. The citizen cannot decide
their own review, cannot send the ID photo again, and no other enrolment of the IIN is accepted
automatically while a review is pending. (The enrolments past the video check are walked once for the
module; each test starts from a copy.)"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from flow_helpers import GOOD_PIN, KNOWN_IIN, change_identification
from identify_helpers import past_the_video, problem, send_image
from sqlalchemy import select

from eds_toolkit.core.audit_models import AuditEvent
from eds_toolkit.core.refusals import InvalidInput
from eds_toolkit.flow.identification.review import (
    ReviewAlreadyDecided,
    decide_review,
    list_reviews,
    review_pictures,
)


@pytest.fixture
def referring(app):
    """Every match of a live face is referred: the accept band is empty (accept at most 0.0)."""
    change_identification(app, match_accept_at_most=0.0)


def review_events(ctx, enrolment_id):
    with ctx.sessions() as session:
        return list(
            session.execute(
                select(AuditEvent.action, AuditEvent.outcome, AuditEvent.reason, AuditEvent.detail)
                .where(
                    AuditEvent.enrolment_id == enrolment_id,
                    AuditEvent.action.in_(["identify_face_match", "identification_review"]),
                )
                .order_by(AuditEvent.id)
            )
        )


@pytest.mark.walked(1, "liveness_ok")
def test_a_referred_match_waits_for_an_officer_whose_accept_leads_to_the_pin_step(
    app, referring, client, ctx, at_liveness_ok, id_photo_jpeg
):
    (enrolment,) = at_liveness_ok
    answer = send_image(enrolment, "id-photo", id_photo_jpeg)
    body = answer.get_json()
    assert answer.status_code == 200 and body["ok"] is False and body["reasons"] == ["needs_review"]
    assert body["state"] == "face_review" and "officer" in body["message"]
    assert enrolment.state() == "face_review"
    assert problem(send_image(enrolment, "id-photo", id_photo_jpeg))["code"] == "step_out_of_order"
    assert enrolment.post("pin", {"pin": GOOD_PIN, "pin_confirmation": GOOD_PIN}).status_code == 409

    (review,) = list_reviews(ctx)
    assert review.enrolment_id == enrolment.id and review.status == "pending"
    assert review.engine == "dlib-resnet/v1" and review.verdict["outcome"] == "refer"
    assert review.verdict["scores"]["record_accept_at_most"] == 0.0
    assert set(review_pictures(ctx, review.id)) == {"selfie", "id_photo", "state_photo"}

    decided = decide_review(ctx, review.id, accept=True, officer="officer-7", note="same person")
    assert decided.status == "accepted" and decided.decided_by == "officer-7"
    assert enrolment.state() == "face_matched"
    assert enrolment.post("pin", {"pin": GOOD_PIN, "pin_confirmation": GOOD_PIN}).status_code == 200
    assert review_pictures(ctx, review.id) == {}  # deleted with the decision
    with pytest.raises(ReviewAlreadyDecided):
        decide_review(ctx, review.id, accept=False, officer="officer-8")
    events = review_events(ctx, enrolment.id)
    assert [(action, outcome, reason) for action, outcome, reason, _ in events] == [
        ("identify_face_match", "referred", "needs_review"),
        ("identify_face_match", "refused", "step_out_of_order"),  # the second ID photo
        ("identification_review", "ok", "accepted"),
    ]
    assert json.loads(events[-1][3])["officer"] == "officer-7"


@pytest.mark.walked(1, "liveness_ok")
def test_a_refused_review_fails_the_enrolment_and_cannot_be_decided_again(
    app, referring, client, ctx, at_liveness_ok, id_photo_jpeg
):
    (enrolment,) = at_liveness_ok
    assert send_image(enrolment, "id-photo", id_photo_jpeg).get_json()["state"] == "face_review"
    (review,) = list_reviews(ctx)
    assert decide_review(ctx, review.id, accept=False, officer="officer-7").status == "refused"
    assert enrolment.state() == "failed"
    with pytest.raises(ReviewAlreadyDecided):
        decide_review(ctx, review.id, accept=True, officer="officer-7")
    assert enrolment.state() == "failed" and list_reviews(ctx) == []


@pytest.mark.walked(1, "liveness_ok")
def test_the_citizen_cannot_decide_their_own_review(
    app, referring, client, ctx, at_liveness_ok, id_photo_jpeg
):
    (enrolment,) = at_liveness_ok
    send_image(enrolment, "id-photo", id_photo_jpeg)
    (review,) = list_reviews(ctx)
    for path in ("review", "review/accept", f"reviews/{review.id}/accept"):  # no web route decides
        assert enrolment.post(path, {"decision": "accept"}).status_code in (404, 405)
    with pytest.raises(InvalidInput, match="own identification"):
        decide_review(ctx, review.id, accept=True, officer=KNOWN_IIN)
    with pytest.raises(InvalidInput, match="officer"):
        decide_review(ctx, review.id, accept=True, officer="  ")
    assert enrolment.state() == "face_review" and list_reviews(ctx)[0].status == "pending"


@pytest.mark.walked(2, "liveness_ok")
def test_while_a_review_is_pending_no_enrolment_of_the_iin_is_accepted_automatically(
    app, referring, client, ctx, at_liveness_ok, id_photo_jpeg
):
    first, second = at_liveness_ok  # the second started 61 s after the first
    assert send_image(first, "id-photo", id_photo_jpeg).get_json()["state"] == "face_review"
    change_identification(app, match_accept_at_most=None)  # back to the default bands: it would accept
    body = send_image(second, "id-photo", id_photo_jpeg).get_json()
    assert body["reasons"] == ["needs_review"] and second.state() == "face_review"
    assert [r.enrolment_id for r in list_reviews(ctx)] == [first.id, second.id]


@pytest.mark.walked(1, "liveness_ok")
def test_without_a_review_the_default_bands_accept_the_genuine_citizen(
    app, client, ctx, at_liveness_ok, id_photo_jpeg
):
    (enrolment,) = at_liveness_ok
    body = send_image(enrolment, "id-photo", id_photo_jpeg).get_json()
    assert body["ok"] and enrolment.state() == "face_matched" and list_reviews(ctx) == []


def test_an_officer_works_the_queue_from_the_command_line(
    app, referring, clock, client, ctx, home, outbox, selfie_jpeg, d18_frames, id_photo_jpeg, tmp_path
):
    import time

    from eds_toolkit.cli import main

    # the command runs on the real clock and the instance's secret: the app's frozen clock is brought to now
    clock.advance(max(0.0, time.time() - clock.now().timestamp()))

    enrolment = past_the_video(client, outbox, selfie_jpeg, d18_frames)
    send_image(enrolment, "id-photo", id_photo_jpeg)
    runner = CliRunner(env={"EDS_SECRET_KEY": "test-secret-key-0123456789abcdef"})
    listed = runner.invoke(main, ["--home", str(home), "identify", "review", "list"])
    assert listed.exit_code == 0, listed.output
    review = json.loads(listed.output.splitlines()[0])
    assert review["enrolment_id"] == enrolment.id and review["status"] == "pending"
    pictures = runner.invoke(
        main,
        [
            "--home",
            str(home),
            "identify",
            "review",
            "pictures",
            str(review["id"]),
            "--out",
            str(tmp_path / "p"),
        ],
    )
    assert pictures.exit_code == 0 and len(pictures.output.split()) == 3
    args = ["--home", str(home), "identify", "review", "accept", str(review["id"]), "--officer", "officer-7"]
    accepted = runner.invoke(main, args)
    assert accepted.exit_code == 0, accepted.output
    again = runner.invoke(main, args)
    assert again.exit_code == 1 and json.loads(again.output)["code"] == "review_decided"
    assert enrolment.state() == "face_matched"
