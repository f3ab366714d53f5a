"""Identification in the operators' /metrics, after real checks of real pictures: each decision (accept,
refer, refuse) by check, the refusals' reasons, the officers' review queue and its decisions; a step
refused before any decision (out of order) is a refusal, not a decision."""

from __future__ import annotations

import pytest
from flow_helpers import change_identification, make_settings
from identify_helpers import new_task, phone_confirmed, problem, send_frames, send_image
from metrics_helpers import BEARER, TOKEN, parse, value

from eds_toolkit.flow.identification.review import decide_review, list_reviews
from eds_toolkit.web import create_app
from eds_toolkit.web.context import service
from tests.eds_toolkit.redis_server import running_redis


@pytest.fixture
def app(home, clock, identify_config):
    return create_app(make_settings(home, clock, identify=identify_config, metrics_token=TOKEN))


def scrape(client) -> dict:
    response = client.get("/metrics", headers=BEARER)
    assert response.status_code == 200
    return parse(response.get_data(as_text=True))


def test_decisions_reasons_and_the_review_queue(
    app, client, ctx, home, clock, outbox, no_face_jpeg, selfie_jpeg, still_frames, d18_frames, id_photo_jpeg
):
    change_identification(app, match_accept_at_most=0.0)  # every match of a live face goes to an officer
    scrape(client)  # counted from here on by the events added since
    enrolment = phone_confirmed(client, outbox)
    no_face = problem(send_image(enrolment, "selfie", no_face_jpeg))
    assert send_image(enrolment, "selfie", selfie_jpeg).status_code == 200
    still = problem(send_frames(enrolment, new_task(enrolment)["nonce"], still_frames, reflect=False))
    assert send_frames(enrolment, new_task(enrolment)["nonce"], d18_frames).status_code == 200
    assert send_image(enrolment, "id-photo", id_photo_jpeg).get_json()["state"] == "face_review"
    assert problem(send_image(enrolment, "id-photo", id_photo_jpeg))["code"] == "step_out_of_order"
    clock.advance(90)

    waiting = scrape(client)
    for check, accepted, referred, refused in (
        ("selfie", 1, 0, 1),
        ("liveness", 1, 0, 1),
        ("face_match", 0, 1, 0),
    ):
        assert value(waiting, "eds_identification_decisions_total", check=check, outcome="accept") == accepted
        assert value(waiting, "eds_identification_decisions_total", check=check, outcome="refer") == referred
        assert value(waiting, "eds_identification_decisions_total", check=check, outcome="refuse") == refused
    for check, reasons in (("selfie", no_face["reasons"]), ("liveness", still["reasons"])):
        assert reasons
        for reason in reasons:
            assert value(waiting, "eds_identification_refusal_reasons_total", check=check, reason=reason) == 1
    assert "static_frames" in still["reasons"]
    reason = "step_out_of_order"
    assert value(waiting, "eds_refusals_total", action="identify_face_match", reason=reason) == 1
    assert value(waiting, "eds_identification_reviews_pending") == 1
    assert value(waiting, "eds_identification_review_oldest_seconds") == 90
    assert value(waiting, "eds_identification_reviews_decided_total", decision="accepted") == 0

    (review,) = list_reviews(ctx)
    decide_review(ctx, review.id, accept=True, officer="officer-7")
    decided = scrape(client)
    assert value(decided, "eds_identification_reviews_pending") == 0
    assert value(decided, "eds_identification_review_oldest_seconds") == 0
    assert value(decided, "eds_identification_reviews_decided_total", decision="accepted") == 1
    assert value(decided, "eds_identification_reviews_decided_total", decision="refused") == 0
    fresh = scrape(create_app(make_settings(home, clock, metrics_token=TOKEN)).test_client())  # counts all
    assert {k: v for k, v in fresh.items() if k[0].endswith("_total")} == {
        k: v for k, v in decided.items() if k[0].endswith("_total")
    }


def test_the_job_queue_by_state_and_a_redis_that_does_not_answer(home, clock, outbox, selfie_jpeg):
    """With EDS_QUEUE_URL: jobs waiting (a check sent with respond-async, no worker), failed (one a real RQ
    worker could not run); Redis stopped: the scrape still answers, with the queue down."""
    from rq import SimpleWorker

    with running_redis() as redis:
        app = create_app(make_settings(home, clock, queue_url=redis.url, metrics_token=TOKEN))
        client = app.test_client()
        enrolment = phone_confirmed(client, outbox)
        response = send_image(enrolment, "selfie", selfie_jpeg, headers={"Prefer": "respond-async"})
        assert response.status_code == 202
        queue = service(app).checks.queue
        queue.enqueue_call("eds_toolkit.jobs.no_such_function", at_front=True)  # a job no worker can run
        SimpleWorker([queue], connection=queue.connection).work(burst=True, max_jobs=1)

        running = scrape(client)
        assert value(running, "eds_queue_up", queue="eds-identification") == 1
        for state, jobs in (("queued", 1), ("started", 0), ("failed", 1)):
            assert value(running, "eds_queue_jobs", queue="eds-identification", state=state) == jobs

        redis.stop()
        down = scrape(client)
        assert value(down, "eds_queue_up", queue="eds-identification") == 0
        assert value(down, "eds_queue_jobs", queue="eds-identification", state="queued") is None
        assert value(down, "eds_certificates_valid") == 0  # the database's metrics are still there
