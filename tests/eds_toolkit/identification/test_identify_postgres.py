"""Identification on a real PostgreSQL (the production URL path): the whole path, and one nonce
sent by two identical requests at once is checked only once (both get that verdict)."""

from __future__ import annotations

import threading
from dataclasses import replace

import pytest
from flow_helpers import make_settings
from identify_helpers import decisions, new_task, phone_confirmed, send_frames, send_image
from pg_server import empty_database

from eds_toolkit.web import create_app
from eds_toolkit.web.context import service

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_app(postgres, home, clock, identify_config):
    empty_database(postgres.url)  # a clean database for each test
    return create_app(make_settings(home, clock, database_url=postgres.url, identify=identify_config))


def test_identification_on_postgresql_and_a_nonce_raced_by_two_requests_is_used_once(
    pg_app, outbox, selfie_jpeg, d18_frames, id_photo_jpeg
):
    assert service(pg_app).engine.dialect.name == "postgresql"
    enrolment = phone_confirmed(pg_app.test_client(), outbox)
    assert send_image(enrolment, "selfie", selfie_jpeg).status_code == 200
    nonce = new_task(enrolment)["nonce"]

    answers = []

    def send() -> None:  # each request from its own client, like two browser tabs
        answers.append(send_frames(replace(enrolment, client=pg_app.test_client()), nonce, d18_frames))

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # the same nonce and frames twice (a resend): one decision, both answered with it
    assert [r.status_code for r in answers] == [200, 200], [r.get_json() for r in answers]
    assert answers[0].get_json() == answers[1].get_json()
    assert enrolment.state() == "liveness_ok"
    ctx = service(pg_app).flow
    assert [d["outcome"] for d in decisions(ctx, enrolment.id) if d["action"] == "identify_liveness"] == [
        "ok"
    ]
    # other frames with that nonce are refused (the step is done)
    other = send_frames(enrolment, nonce, d18_frames[1:])
    assert other.status_code != 200

    assert send_image(enrolment, "id-photo", id_photo_jpeg).status_code == 200
    assert enrolment.state() == "face_matched"
