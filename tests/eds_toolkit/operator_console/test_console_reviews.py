"""The identification review queue in the console: referred face matches (a real selfie, video and ID
photo through the API, every match referred; walked once for the module, each test starting from a
copy), their pictures for the officer only (never cached, each viewing audited), one decision with a
note as the signed-in operator, and no officer deciding their own review, nor two officers one review."""

from __future__ import annotations

import datetime as dt
import json
import re
import threading

import cv2
import pytest
from flow_helpers import KNOWN_IIN, TESTDATA, make_settings
from operator_helpers import make_operator, sign_in
from oversight_helpers import (
    ABILOVA,
    SMAGULOVA,
    TOKTAROVA,
    form_token,
    iins_shown,
    make_other_operator,
    signed_in_client,
)
from sqlalchemy import select

from eds_toolkit.clock import FrozenClock
from eds_toolkit.core.audit_models import AuditEvent
from eds_toolkit.flow.identification import IdentifyConfig
from eds_toolkit.flow.identification.review import decide_review, list_reviews, review_pictures
from eds_toolkit.operators.registry import operator_by_iin
from eds_toolkit.web import create_app
from tests.eds_toolkit.identification.identify_helpers import (
    WalkedInstances,
    instance_for,
    refer_through_the_service,
)
from webcam_flow.liveness import Challenge
from webcam_flow.video import frames_from_video

CLIP = TESTDATA / "video" / "liveportrait_d18.mp4"


def _jpeg(image_rgb, quality: int) -> bytes:
    ok, data = cv2.imencode(
        ".jpg", cv2.cvtColor(image_rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, quality]
    )
    assert ok
    return data.tobytes()


@pytest.fixture(scope="module")
def d18_frames():
    return [(frame.t, _jpeg(frame.image, 85)) for frame in frames_from_video(CLIP, fps=10)]


@pytest.fixture(scope="module")
def selfie_jpeg():
    return _jpeg(frames_from_video(CLIP, fps=10, stop=1)[0].image, 92)


@pytest.fixture(scope="module")
def id_photo_jpeg():
    return (TESTDATA / "faces" / "liveportrait_person_d18.jpg").read_bytes()


def settings(home, clock):
    """Liveness asks for the d18 clip's movements; every match of a live face is referred (accept band
    empty)."""
    identify = IdentifyConfig(
        fixed_challenges=(Challenge.BLINK, Challenge.OPEN_MOUTH), match_accept_at_most=0.0
    )
    return make_settings(home, clock, identify=identify)


@pytest.fixture
def app(home, clock):
    return create_app(settings(home, clock))


@pytest.fixture(scope="module")
def referrals(tmp_path_factory, ca_template, selfie_jpeg, d18_frames, id_photo_jpeg) -> WalkedInstances:
    """Instances with the demo citizen's (KNOWN_IIN's) face match referred once, twice (61 s apart),
    each through the real checks once for the module."""
    return WalkedInstances(
        tmp_path_factory.mktemp("referrals"),
        ca_template,
        FrozenClock(dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(minutes=2)),
        settings,
        lambda client, outbox: refer_through_the_service(
            client, outbox, selfie_jpeg, d18_frames, id_photo_jpeg
        ),
        "face_review",
    )


@pytest.fixture
def home(request, tmp_path, clock, ca_template, referrals):
    """The test's instance: a copy of the one with its ``walked(n, "face_review")`` referrals, else a
    new one."""
    return instance_for(request, tmp_path, clock, ca_template, referrals)


@pytest.fixture
def referred(request, client, referrals):
    """The enrolments referred in the test's instance, oldest first."""
    return referrals.for_test(request).enrolments_for(client)


@pytest.fixture
def officer(client, ctx, outbox):
    return make_other_operator(client, ctx, outbox, SMAGULOVA, roles="registration_officer")


def events(ctx, action: str) -> list[AuditEvent]:
    with ctx.session() as session:
        return list(
            session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq))
        )


def decide(browser, review_id: int, decision: str, note: str):
    page = browser.get(f"/operator/reviews/{review_id}").get_data(as_text=True)
    return browser.post(
        f"/operator/reviews/{review_id}/decision",
        data={"csrf_token": form_token(page), "decision": decision, "note": note},
    )


@pytest.mark.walked(2, "face_review")
def test_the_queue_shows_referred_matches_oldest_first_with_scores_and_pictures(
    app, client, ctx, referred, officer
):
    first, second = referred
    browser = signed_in_client(app, officer)
    queue = browser.get("/operator/reviews").get_data(as_text=True)
    pending = [int(n) for n in re.findall(r"<tr>\s*<td>(\d+)</td>", queue.split('id="decided-reviews"')[0])]
    reviews = list_reviews(ctx)
    assert [r.enrolment_id for r in reviews] == [first.id, second.id]
    assert pending == [r.id for r in reviews]  # oldest first
    assert "dlib-resnet/v1" in queue and iins_shown(queue) == []  # no applicant's IIN in the list

    review = reviews[0]
    page = browser.get(f"/operator/reviews/{review.id}").get_data(as_text=True)
    assert iins_shown(page, allowed=(KNOWN_IIN,)) == [] and KNOWN_IIN in page  # the applicant's, to decide
    distance = review.verdict["scores"]["record_distance_max"]
    assert f"{distance:.3f}" in page and "0.000" in page  # the farthest distance and the empty accept band
    for name in ("selfie", "id_photo", "state_photo"):
        assert f"/operator/reviews/{review.id}/pictures/{name}" in page

    stored = review_pictures(ctx, review.id)
    for name in ("selfie", "id_photo", "state_photo"):
        picture = browser.get(f"/operator/reviews/{review.id}/pictures/{name}")
        assert picture.status_code == 200 and picture.data == stored[name]
        assert picture.headers["Cache-Control"] == "no-store"
        assert picture.mimetype.startswith("image/")
    assert browser.get(f"/operator/reviews/{review.id}/pictures/passport").status_code == 404
    viewed = events(ctx, "review_picture_viewed")
    assert [json.loads(e.detail)["picture"] for e in viewed] == ["selfie", "id_photo", "state_photo"]
    assert {json.loads(e.detail)["operator_id"] for e in viewed} == {operator_by_iin(ctx, SMAGULOVA.iin).id}
    assert {e.iin_hash for e in viewed} == {ctx.iin_hash(KNOWN_IIN)}  # filed under the applicant
    assert [e.outcome for e in viewed] == ["ok", "ok", "ok"]


@pytest.mark.walked(1, "face_review")
def test_an_officer_accepts_once_with_a_note_as_themselves(app, client, ctx, referred, officer):
    (enrolment,) = referred
    (review,) = list_reviews(ctx)
    browser = signed_in_client(app, officer)
    without_note = decide(browser, review.id, "accept", "   ")
    assert without_note.status_code == 422 and "Write a note" in without_note.get_data(as_text=True)
    assert list_reviews(ctx)[0].status == "pending"

    answer = decide(browser, review.id, "accept", "Same person: the ears and the chin match.")
    assert answer.status_code == 303
    assert enrolment.state() == "face_matched"
    queue = browser.get(answer.headers["Location"]).get_data(as_text=True)
    assert f"Review {review.id} is decided." in queue
    decided = queue.split('id="decided-reviews"')[1]
    assert "Smagulova Aigerim (operator" in decided and "the ears and the chin" in decided
    (event,) = [e for e in events(ctx, "identification_review") if e.outcome == "ok"]
    detail = json.loads(event.detail)
    assert event.reason == "accepted" and detail["operator_certificate"] == officer.holder.auth_serial
    assert detail["operator_id"] == operator_by_iin(ctx, SMAGULOVA.iin).id
    assert [e.reason for e in events(ctx, "identification_review") if e.outcome == "refused"] == [
        "note_required"
    ]

    again = decide(browser, review.id, "refuse", "Changed my mind.")
    assert again.status_code == 409
    assert f"Review {review.id} was already accepted" in again.get_data(as_text=True)
    assert enrolment.state() == "face_matched"
    gone = browser.get(f"/operator/reviews/{review.id}/pictures/selfie")
    assert gone.status_code == 404  # deleted with the decision
    assert events(ctx, "review_picture_viewed")[-1].reason == "picture_not_found"


@pytest.mark.walked(1, "face_review")
def test_a_refused_review_fails_the_enrolment(app, client, ctx, referred, officer):
    (enrolment,) = referred
    (review,) = list_reviews(ctx)
    browser = signed_in_client(app, officer)
    assert decide(browser, review.id, "refuse", "Another person on the ID photo.").status_code == 303
    assert enrolment.state() == "failed"
    assert list_reviews(ctx, status="refused")[0].decided_by.startswith("Smagulova Aigerim")


def test_an_officer_cannot_decide_the_review_of_their_own_identification(
    app, client, ctx, clock, outbox, selfie_jpeg, d18_frames, id_photo_jpeg
):
    own = make_operator(client, ctx, outbox, roles="registration_officer")  # KNOWN_IIN, the applicant
    clock.advance(61)
    enrolment = refer_through_the_service(client, outbox, selfie_jpeg, d18_frames, id_photo_jpeg)
    (review,) = list_reviews(ctx)
    assert sign_in(client, own).status_code == 200
    answer = decide(client, review.id, "accept", "It is me.")
    assert answer.status_code == 422
    assert "their own identification" in answer.get_data(as_text=True)
    assert enrolment.state() == "face_review" and list_reviews(ctx)[0].status == "pending"
    (refused,) = events(ctx, "identification_review")
    assert refused.outcome == "refused" and refused.reason == "own_review"


@pytest.mark.walked(1, "face_review")
def test_two_officers_deciding_the_same_review_at_once_make_one_decision(app, client, ctx, outbox, referred):
    (enrolment,) = referred
    first = make_other_operator(client, ctx, outbox, SMAGULOVA, roles="registration_officer")
    second = make_other_operator(client, ctx, outbox, TOKTAROVA, roles="registration_officer")
    (review,) = list_reviews(ctx)
    browsers = [signed_in_client(app, officer) for officer in (first, second)]
    forms = []
    for browser, decision in zip(browsers, ("accept", "refuse"), strict=True):
        page = browser.get(f"/operator/reviews/{review.id}").get_data(as_text=True)
        forms.append({"csrf_token": form_token(page), "decision": decision, "note": f"{decision}, I say"})
    barrier = threading.Barrier(2)
    statuses: dict[int, int] = {}

    def post(index: int) -> None:
        barrier.wait()
        answer = browsers[index].post(f"/operator/reviews/{review.id}/decision", data=forms[index])
        statuses[index] = answer.status_code

    threads = [threading.Thread(target=post, args=(index,)) for index in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses.values()) == [303, 409]
    winner = next(index for index, status in statuses.items() if status == 303)
    (decided,) = list_reviews(ctx, status=None)
    assert decided.status == ("accepted", "refused")[winner]
    assert decided.decided_by.startswith((SMAGULOVA.name, TOKTAROVA.name)[winner])
    assert enrolment.state() == ("face_matched", "failed")[winner]
    outcomes = sorted((e.outcome, e.reason) for e in events(ctx, "identification_review"))
    assert outcomes == [("ok", decided.status), ("refused", "review_decided")]


@pytest.mark.walked(1, "face_review")
def test_an_officer_named_by_iin_at_the_command_line_is_not_shown(app, client, ctx, referred, officer):
    (review,) = list_reviews(ctx)
    decide_review(ctx, review.id, accept=False, officer=ABILOVA.iin, note="by the command line")
    browser = signed_in_client(app, officer)
    for path in ("/operator/reviews", f"/operator/reviews/{review.id}"):
        page = browser.get(path).get_data(as_text=True)
        assert "by the command line" in page
        assert iins_shown(page, allowed=(KNOWN_IIN,)) == []


@pytest.mark.walked(1, "face_review")
def test_who_may_open_the_queue_and_its_pictures(app, client, ctx, outbox, referred):
    (review,) = list_reviews(ctx)
    picture = f"/operator/reviews/{review.id}/pictures/selfie"
    for path in ("/operator/reviews", f"/operator/reviews/{review.id}", picture):
        assert client.get(path).status_code == 302  # not signed in: to the sign-in page
    operator = make_other_operator(client, ctx, outbox, SMAGULOVA, roles="auditor,ca_admin")
    browser = signed_in_client(app, operator)
    for path in ("/operator/reviews", f"/operator/reviews/{review.id}", picture):
        assert browser.get(path).status_code == 403
    token = form_token(browser.get("/operator/").get_data(as_text=True))
    refused = browser.post(
        f"/operator/reviews/{review.id}/decision",
        data={"csrf_token": token, "decision": "accept", "note": "x"},
    )
    assert refused.status_code == 403 and list_reviews(ctx)[0].status == "pending"
    assert events(ctx, "review_picture_viewed") == []
