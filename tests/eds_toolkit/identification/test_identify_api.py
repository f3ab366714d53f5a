"""Remote identification through the JSON API with real frames and photos: the whole path to
face_matched (then PIN and issuance), and every refusal with the enrolment's state unchanged."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from click.testing import CliRunner
from flow_helpers import GOOD_PASSWORD, GOOD_PIN, KNOWN_IIN, change_identification
from identify_helpers import (
    decisions,
    lit,
    new_task,
    phone_confirmed,
    problem,
    record,
    send_frames,
    send_image,
)
from sqlalchemy import update

from eds_toolkit.citizens import Citizen
from eds_toolkit.cli import main
from eds_toolkit.web.context import service


def to_selfie_ok(client, outbox, selfie_jpeg):
    enrolment = phone_confirmed(client, outbox)
    response = send_image(enrolment, "selfie", selfie_jpeg)
    assert response.status_code == 200, response.get_json()
    return enrolment


def to_liveness_ok(client, outbox, selfie_jpeg, d18_frames):
    enrolment = to_selfie_ok(client, outbox, selfie_jpeg)
    response = send_frames(enrolment, new_task(enrolment)["nonce"], d18_frames)
    assert response.status_code == 200, response.get_json()
    return enrolment


def test_whole_identification_reaches_face_matched_then_pin_and_issuance_work(
    client, ctx, home, outbox, selfie_jpeg, d18_frames, id_photo_jpeg
):
    enrolment = phone_confirmed(client, outbox)

    response = send_image(enrolment, "selfie", selfie_jpeg)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["ok"] is True and body["state"] == "selfie_ok" and body["check"] == "selfie"
    assert body["message"] == "Your selfie is good."
    assert len(record(ctx, enrolment.id).selfie_encoding) == 128 * 8  # an encoding, not the picture
    # the picture is held only until the face match is decided, for an officer if it is referred (issue 10)
    assert record(ctx, enrolment.id).selfie_image == selfie_jpeg

    task = new_task(enrolment)
    assert [c["code"] for c in task["challenges"]] == ["blink", "open_mouth"]
    assert task["challenges"][0]["text"] == "Blink"
    assert len(task["nonce"]) == 32

    response = send_frames(enrolment, task["nonce"], d18_frames)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["state"] == "liveness_ok"
    assert len(record(ctx, enrolment.id).video_encodings) % (128 * 8) == 0

    response = send_image(enrolment, "id-photo", id_photo_jpeg)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["state"] == "face_matched"
    assert enrolment.state() == "face_matched"
    kept = record(ctx, enrolment.id)
    assert kept.selfie_encoding is None and kept.video_encodings is None  # not kept past the decision
    assert kept.selfie_image is None

    verdicts = [d for d in decisions(ctx, enrolment.id) if d["action"] != "identify_liveness_task"]
    assert [(d["action"], d["outcome"], d["check"]) for d in verdicts] == [
        ("identify_selfie", "ok", "selfie"),
        ("identify_liveness", "ok", "liveness"),
        ("identify_face_match", "ok", "face_match"),
    ]
    liveness_scores = verdicts[1]["scores"]
    assert liveness_scores["blink_at_s"] < liveness_scores["open_mouth_at_s"]
    assert verdicts[2]["scores"]["id_distance_max"] <= verdicts[2]["scores"]["id_threshold"]
    for verdict in verdicts:  # reasons and scores only: no picture, no encoding
        assert set(verdict) <= {
            "action",
            "outcome",
            "reason",
            "check",
            "ok",
            "reasons",
            "scores",
            "attempt",
            "submission",
        }
        assert all(isinstance(v, float | int) for v in verdict["scores"].values())

    assert enrolment.post("pin", {"pin": GOOD_PIN, "pin_confirmation": GOOD_PIN}).status_code == 200
    assert enrolment.post("application/confirm").status_code == 200
    response = enrolment.post("certificates", {"key_generation": "server", "password": GOOD_PASSWORD})
    assert response.status_code == 201, response.data[:300]
    assert len(zipfile.ZipFile(io.BytesIO(response.data)).namelist()) == 2
    assert enrolment.state() == "issued"

    # `eds identify report` (tests/eds_toolkit/identification/test_identify_report.py) reads these verdicts
    amplitude = liveness_scores["colour_amplitude"]
    report_args = ["identify", "report", "--json", f"--would-refuse=colour_amplitude<={amplitude}"]
    database = {"EDS_DATABASE_URL": f"sqlite:///{home / 'eds.sqlite3'}"}
    result = CliRunner(env=database).invoke(main, ["--home", str(home), *report_args])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["genuine_refusals"]["finished"] == 1 and report["genuine_refusals"]["tries"]["count"] == 0
    passed = {row["score"]: row["p50"] for row in report["scores"] if row["group"] == "passed"}
    for score in ("ear_min", "mouth_max", "colour_correlation", "colour_amplitude"):
        assert passed[score] == liveness_scores[score]
    assert passed["record_distance_max"] == verdicts[2]["scores"]["record_distance_max"]
    assert not [score for score in passed if score.startswith(("turn_", "parallax"))]  # blink, open mouth
    (rule,) = report["would_refuse"]
    assert (rule["passed_tries"]["count"], rule["finished_enrolments"]["count"]) == (1, 1)


def test_selfie_without_a_face_is_refused_with_the_reason_and_the_state_unchanged(
    client, ctx, outbox, no_face_jpeg
):
    enrolment = phone_confirmed(client, outbox)
    body = problem(send_image(enrolment, "selfie", no_face_jpeg))
    assert body["status"] == 422 and body["code"] == "identification_refused"
    assert body["reasons"] == ["no_face"] and body["attempts_left"] == 2
    assert "could not see a face" in body["detail"] and "2 tries left" in body["detail"]
    assert enrolment.state() == "phone_confirmed"
    assert record(ctx, enrolment.id).selfie_attempts == 1
    assert decisions(ctx, enrolment.id)[-1]["reasons"] == ["no_face"]


def test_a_blink_at_the_shutter_is_refused_but_costs_no_attempt(
    client, ctx, outbox, blinking_selfie_jpeg, selfie_jpeg
):
    enrolment = phone_confirmed(client, outbox)
    for _ in range(4):  # more than the three attempts: none is used up
        body = problem(send_image(enrolment, "selfie", blinking_selfie_jpeg))
        assert body["reasons"] == ["eyes_closed"] and body["attempts_left"] == 3
        assert body["code"] == "identification_refused" and "3 tries left" in body["detail"]
    assert record(ctx, enrolment.id).selfie_attempts == 0
    audited = decisions(ctx, enrolment.id)[-1]
    assert audited["reasons"] == ["eyes_closed"] and audited["attempt_counted"] is False
    assert send_image(enrolment, "selfie", selfie_jpeg).status_code == 200


@pytest.mark.walked(1, "selfie_ok")
def test_a_citizen_who_needs_more_time_gets_longer_slots_within_the_maximum(
    client, app, at_selfie_ok, d18_frames
):
    # d18 blinks at 3.2 s and opens the mouth again at 3.9 s: 1 s slots are too short for it, 3 s are not.
    change_identification(app, seconds_per_challenge=1.0, max_seconds_per_challenge=4.0)
    (enrolment,) = at_selfie_ok
    assert new_task(enrolment)["seconds_per_challenge"] == 1.0
    assert new_task(enrolment, seconds_per_challenge="60")["seconds_per_challenge"] == 4.0  # the maximum
    assert new_task(enrolment, seconds_per_challenge="soon")["seconds_per_challenge"] == 1.0
    task = new_task(enrolment, seconds_per_challenge="3")
    assert task["seconds_per_challenge"] == 3.0 and task["max_seconds_per_challenge"] == 4.0
    response = send_frames(enrolment, task["nonce"], d18_frames)
    assert response.status_code == 200, response.get_json()


@pytest.mark.walked(1, "selfie_ok")
def test_a_video_cut_short_costs_no_attempt(client, ctx, at_selfie_ok, d18_frames):
    (enrolment,) = at_selfie_ok
    body = problem(send_frames(enrolment, new_task(enrolment)["nonce"], d18_frames[:3]))
    assert body["reasons"] == ["too_few_frames"] and body["attempts_left"] == 3
    assert record(ctx, enrolment.id).liveness_attempts == 0
    response = send_frames(enrolment, new_task(enrolment)["nonce"], d18_frames)
    assert response.status_code == 200, response.get_json()


def test_a_file_that_is_not_a_picture_is_a_400_and_costs_no_attempt(client, ctx, outbox):
    enrolment = phone_confirmed(client, outbox)
    for data in (b"GIF89a" + bytes(100), b"", b"\xff\xd8\xff\xe0 truncated jpeg"):
        body = problem(send_image(enrolment, "selfie", data))
        assert body["status"] == 400 and body["code"] in {"bad_image", "image_missing"}
    assert enrolment.state() == "phone_confirmed"
    assert record(ctx, enrolment.id).selfie_attempts == 0


def test_steps_out_of_order_are_refused_and_change_nothing(
    client, outbox, selfie_jpeg, id_photo_jpeg, d18_frames
):
    enrolment = phone_confirmed(client, outbox)
    response = client.post(f"/api/v1/enrolments/{enrolment.id}/liveness", headers=enrolment.auth)
    assert problem(response)["code"] == "step_out_of_order" and response.status_code == 409
    assert problem(send_frames(enrolment, "0" * 32, d18_frames[:10]))["code"] == "step_out_of_order"
    assert problem(send_image(enrolment, "id-photo", id_photo_jpeg))["code"] == "step_out_of_order"
    assert enrolment.state() == "phone_confirmed"

    assert send_image(enrolment, "selfie", selfie_jpeg).status_code == 200
    body = problem(send_image(enrolment, "id-photo", id_photo_jpeg))
    assert body["code"] == "step_out_of_order" and "video check" in body["detail"]
    assert problem(send_image(enrolment, "selfie", selfie_jpeg))["code"] == "step_out_of_order"
    assert enrolment.state() == "selfie_ok"


@pytest.mark.walked(1, "selfie_ok")
def test_a_still_photo_fails_liveness_and_its_nonce_cannot_be_reused(
    client, ctx, still_frames, at_selfie_ok, d18_frames
):
    (enrolment,) = at_selfie_ok
    nonce = new_task(enrolment)["nonce"]
    body = problem(send_frames(enrolment, nonce, still_frames, reflect=False))
    assert body["code"] == "identification_refused"
    assert "static_frames" in body["reasons"]
    assert enrolment.state() == "selfie_ok"

    # The same nonce again, now with real frames: refused because it was used.
    body = problem(send_frames(enrolment, nonce, d18_frames))
    assert body["reasons"] == ["nonce_reused"] and body["attempts_left"] == 1
    assert enrolment.state() == "selfie_ok"

    # A fresh task passes.
    response = send_frames(enrolment, new_task(enrolment)["nonce"], d18_frames)
    assert response.status_code == 200, response.get_json()
    assert enrolment.state() == "liveness_ok"


@pytest.mark.walked(2, "selfie_ok")
def test_a_nonce_from_another_enrolment_or_an_expired_one_is_refused(
    client, ctx, clock, at_selfie_ok, d18_frames
):
    first, second = at_selfie_ok  # the second started 61 s after the first
    others_nonce = new_task(first)["nonce"]
    assert problem(send_frames(second, others_nonce, d18_frames[:20]))["reasons"] == ["nonce_mismatch"]

    nonce = new_task(second)["nonce"]
    clock.advance(91)  # the task's deadline is 90 s
    assert problem(send_frames(second, nonce, d18_frames[:20]))["reasons"] == ["nonce_expired"]
    assert second.state() == "selfie_ok"
    # The other enrolment's task was not consumed by the attempt on the wrong enrolment.
    assert problem(send_frames(first, others_nonce, d18_frames[:20]))["reasons"] == ["nonce_expired"]


@pytest.mark.walked(1, "selfie_ok")
def test_a_challenge_the_video_does_not_show_is_missing(client, app, at_selfie_ok, d18_frames):

    from webcam_flow.liveness import Challenge

    change_identification(app, fixed_challenges=(Challenge.BLINK, Challenge.TURN_LEFT))
    (enrolment,) = at_selfie_ok
    body = problem(send_frames(enrolment, new_task(enrolment)["nonce"], d18_frames))
    assert body["reasons"] == ["challenge_missing:turn_left"]
    assert "turn your head to your left" in body["detail"]
    assert enrolment.state() == "selfie_ok"


@pytest.mark.walked(1, "liveness_ok")
def test_another_persons_id_photo_does_not_match(client, ctx, at_liveness_ok, obama_jpeg):
    (enrolment,) = at_liveness_ok
    body = problem(send_image(enrolment, "id-photo", obama_jpeg))
    assert body["code"] == "identification_refused" and body["reasons"] == ["no_match"]
    assert enrolment.state() == "liveness_ok"
    scores = decisions(ctx, enrolment.id)[-1]["scores"]
    assert scores["id_distance_min"] > scores["id_threshold"]  # no probe matched Obama
    assert record(ctx, enrolment.id).selfie_encoding is not None  # still needed for the next try


def test_a_photo_on_record_of_someone_else_blocks_the_match(
    client, ctx, outbox, selfie_jpeg, d18_frames, id_photo_jpeg, obama_jpeg
):
    with ctx.sessions() as session:
        session.execute(update(Citizen).where(Citizen.iin == KNOWN_IIN).values(photo=obama_jpeg))
        session.commit()
    enrolment = to_liveness_ok(client, outbox, selfie_jpeg, d18_frames)
    body = problem(send_image(enrolment, "id-photo", id_photo_jpeg))
    assert body["reasons"] == ["no_match_record"]
    assert "photo the state holds" in body["detail"]
    scores = decisions(ctx, enrolment.id)[-1]["scores"]
    assert scores["record_photo"] == 1.0
    assert scores["id_distance_max"] <= scores["id_threshold"] < scores["record_distance_min"]
    assert enrolment.state() == "liveness_ok"


def test_a_matching_photo_on_record_is_required_and_counted(
    client, ctx, outbox, selfie_jpeg, d18_frames, id_photo_jpeg
):
    with ctx.sessions() as session:
        session.execute(update(Citizen).where(Citizen.iin == KNOWN_IIN).values(photo=selfie_jpeg))
        session.commit()
    enrolment = to_liveness_ok(client, outbox, selfie_jpeg, d18_frames)
    assert send_image(enrolment, "id-photo", id_photo_jpeg).status_code == 200
    scores = decisions(ctx, enrolment.id)[-1]["scores"]
    assert scores["record_photo"] == 1.0 and scores["record_distance_max"] <= scores["record_threshold"]


def test_when_the_attempts_are_used_up_the_enrolment_fails_and_the_citizen_is_sent_to_a_service_centre(
    client, ctx, outbox, no_face_jpeg, selfie_jpeg
):
    enrolment = phone_confirmed(client, outbox)
    assert problem(send_image(enrolment, "selfie", no_face_jpeg))["attempts_left"] == 2
    assert problem(send_image(enrolment, "selfie", no_face_jpeg))["attempts_left"] == 1
    body = problem(send_image(enrolment, "selfie", no_face_jpeg))
    assert body["code"] == "identification_failed" and body["attempts_left"] == 0
    assert "visit a service centre" in body["detail"]
    assert enrolment.state() == "failed"
    # Even a good selfie is refused now.
    body = problem(send_image(enrolment, "selfie", selfie_jpeg))
    assert body["code"] == "enrolment_failed" and body["status"] == 409
    assert [d["outcome"] for d in decisions(ctx, enrolment.id) if "check" in d] == ["refused"] * 3


def test_the_hint_checks_quality_only_and_changes_nothing(client, ctx, outbox, no_face_jpeg, selfie_jpeg):
    enrolment = phone_confirmed(client, outbox)
    for _ in range(4):  # more than the selfie attempts: hints are not attempts
        response = send_image(enrolment, "selfie/hint", no_face_jpeg)
        assert response.status_code == 200
        assert response.get_json() == {
            "ok": False,
            "reasons": ["no_face"],
            "message": "We could not see a face. Face the camera in good light and try again.",
        }
    assert send_image(enrolment, "selfie/hint", selfie_jpeg).get_json()["ok"] is True
    assert enrolment.state() == "phone_confirmed"
    assert record(ctx, enrolment.id) is None or record(ctx, enrolment.id).selfie_attempts == 0
    assert decisions(ctx, enrolment.id) == []


@pytest.mark.walked(1, "selfie_ok")
def test_frames_are_bounded_in_number_and_size(client, app, at_selfie_ok, d18_frames):

    (enrolment,) = at_selfie_ok
    nonce = new_task(enrolment)["nonce"]
    change_identification(app, max_frames=30, max_image_bytes=100_000)
    body = problem(send_frames(enrolment, nonce, d18_frames[:31]))
    assert body["status"] == 400 and body["code"] == "too_many_frames"
    change_identification(app, max_frame_bytes=10_000)
    body = problem(send_frames(enrolment, nonce, d18_frames[:20]))
    assert body["status"] == 400 and body["code"] == "frame_too_large"
    # The whole request is capped too (frames x frame size): a body past it is a 413.
    huge = [(i / 10, bytes(20_000)) for i in range(31)]
    response = send_frames(enrolment, nonce, huge, reflect=False)
    assert response.status_code == 413
    assert "30 video frames of at most 9 KiB each" in problem(response)["detail"]
    body = problem(send_frames(enrolment, nonce, d18_frames[:3], timestamps="0,100"))
    assert body["code"] == "bad_frame_times"
    assert enrolment.state() == "selfie_ok"
    # None of these spent the nonce or an attempt.
    change_identification(app, max_frames=120, max_frame_bytes=400_000)
    assert send_frames(enrolment, nonce, d18_frames).status_code == 200


def test_without_the_token_nothing_is_checked(client, outbox, selfie_jpeg):
    enrolment = phone_confirmed(client, outbox)
    response = client.post(
        f"/api/v1/enrolments/{enrolment.id}/selfie",
        data={"image": (io.BytesIO(selfie_jpeg), "s.jpg")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 401 and response.headers["WWW-Authenticate"] == "Bearer"
    response = client.post(
        f"/api/v1/enrolments/{enrolment.id}/selfie",
        data={"image": (io.BytesIO(selfie_jpeg), "s.jpg")},
        headers={"Authorization": "Bearer wrong"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 404
    assert enrolment.state() == "phone_confirmed"


def test_a_raw_image_body_is_accepted_too(client, outbox, selfie_jpeg):
    enrolment = phone_confirmed(client, outbox)
    response = client.post(
        f"/api/v1/enrolments/{enrolment.id}/selfie",
        data=selfie_jpeg,
        headers={**enrolment.auth, "Content-Type": "image/jpeg"},
    )
    assert response.status_code == 200, response.get_json()
    assert json.loads(response.data)["state"] == "selfie_ok"


@pytest.mark.walked(1, "selfie_ok")
def test_encodings_of_an_enrolment_past_its_lifetime_are_forgotten(
    client, ctx, clock, outbox, selfie_jpeg, at_selfie_ok
):
    (abandoned,) = at_selfie_ok
    assert record(ctx, abandoned.id).selfie_encoding is not None
    clock.advance(3601)  # the enrolment's lifetime is an hour
    to_selfie_ok(client, outbox, selfie_jpeg)  # any later selfie sweeps
    assert record(ctx, abandoned.id).selfie_encoding is None
    assert abandoned.state() == "expired"


def _huge_png(side: int) -> bytes:
    """A one-colour PNG of side x side pixels: few bytes on the wire, many in memory once decoded."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (side, side)).save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


@pytest.mark.walked(1, "selfie_ok")
def test_a_frame_with_too_many_pixels_is_refused_before_decoding_and_costs_nothing(
    client, ctx, at_selfie_ok, d18_frames
):
    (enrolment,) = at_selfie_ok
    nonce = new_task(enrolment)["nonce"]
    bomb = _huge_png(6000)
    assert len(bomb) < 200_000  # under the per-frame byte limit: only the pixel cap stops it
    frames = [*d18_frames[:10], (d18_frames[10][0], bomb), *d18_frames[11:]]
    body = problem(send_frames(enrolment, nonce, frames, reflect=False))  # the bomb as sent
    assert body["status"] == 400 and body["code"] == "bad_frame"
    assert "Frame 11" in body["detail"] and "6000x6000" in body["detail"] and "2,073,600" in body["detail"]
    assert record(ctx, enrolment.id).liveness_attempts == 0
    assert enrolment.state() == "selfie_ok"
    # The nonce was not spent either: the real frames pass with it.
    response = send_frames(enrolment, nonce, d18_frames)
    assert response.status_code == 200, response.get_json()


def test_selfie_hints_take_camera_sized_pictures_and_photos_at_most_a_phone_cameras(
    client, ctx, outbox, selfie_jpeg
):
    enrolment = phone_confirmed(client, outbox)
    body = problem(send_image(enrolment, "selfie/hint", _huge_png(2000), "big.png"))
    assert body["status"] == 400 and "2000x2000" in body["detail"] and "2,073,600" in body["detail"]
    body = problem(send_image(enrolment, "selfie", _huge_png(4000), "big.png"))
    assert body["status"] == 400 and "4000x4000" in body["detail"] and "12,000,000" in body["detail"]
    assert record(ctx, enrolment.id).selfie_attempts == 0
    assert enrolment.state() == "phone_confirmed"


@pytest.mark.walked(1, "selfie_ok")
def test_a_new_task_closes_the_older_one_and_its_nonce_is_refused(client, ctx, at_selfie_ok, d18_frames):
    (enrolment,) = at_selfie_ok
    first = new_task(enrolment)["nonce"]
    second = new_task(enrolment)["nonce"]
    body = problem(send_frames(enrolment, first, d18_frames))
    assert body["reasons"] == ["nonce_superseded"] and body["code"] == "identification_refused"
    assert "newer video check" in body["detail"]
    assert enrolment.state() == "selfie_ok"
    # The newest task still works, once.
    response = send_frames(enrolment, second, d18_frames)
    assert response.status_code == 200, response.get_json()
    assert enrolment.state() == "liveness_ok"


@pytest.mark.walked(1, "selfie_ok")
def test_the_service_checks_each_challenge_in_the_time_slot_the_page_showed_it(
    client, app, ctx, at_selfie_ok, d18_frames
):

    # d18 blinks at 3.2 s and opens the mouth from 3.9 s over 7.1 s of frames: it fits 3 s slots
    # (blink, then open mouth), not 1 s slots.
    assert service(app).settings.identify.seconds_per_challenge == 3.0
    change_identification(app, seconds_per_challenge=1.0)
    (enrolment,) = at_selfie_ok
    task = new_task(enrolment)
    assert task["seconds_per_challenge"] == 1.0
    body = problem(send_frames(enrolment, task["nonce"], d18_frames))
    # The blink came after its 1 s slot: not seen there (a blink is never held as "wrong order").
    assert body["reasons"] == ["challenge_missing:blink", "video_too_long"]
    assert enrolment.state() == "selfie_ok"
    scores = decisions(ctx, enrolment.id)[-1]["scores"]
    assert "blink_at_s" not in scores and scores["open_mouth_at_s"] < 3 and scores["span_s"] > 7


def _fail_selfies(enrolment, no_face_jpeg) -> None:
    for _ in range(3):
        send_image(enrolment, "selfie", no_face_jpeg)
    assert enrolment.state() == "failed"


def test_failed_identifications_are_counted_per_iin_across_enrolments(
    client, ctx, clock, outbox, no_face_jpeg, selfie_jpeg
):
    _fail_selfies(phone_confirmed(client, outbox), no_face_jpeg)
    clock.advance(61)  # SMS codes to one number: one a minute
    # One failed enrolment: the next one still gets its own attempts.
    second = phone_confirmed(client, outbox)
    assert problem(send_image(second, "selfie", no_face_jpeg))["attempts_left"] == 2
    send_image(second, "selfie", no_face_jpeg), send_image(second, "selfie", no_face_jpeg)
    assert second.state() == "failed"

    clock.advance(3600)
    third = phone_confirmed(client, outbox)
    body = problem(send_image(third, "selfie", selfie_jpeg))  # even a good selfie
    assert body["code"] == "identification_failed" and body["status"] == 422
    assert body["reasons"] == ["iin_failed_recently"] and body["attempts_left"] == 0
    assert "visit a service centre" in body["detail"]
    assert third.state() == "failed"
    assert record(ctx, third.id) is None  # no attempt was made, nothing was kept

    # The count is per IIN and for 24 hours: the day after, a new enrolment is identified again.
    clock.advance(24 * 3600)
    fourth = phone_confirmed(client, outbox)
    response = send_image(fourth, "selfie", selfie_jpeg)
    assert response.status_code == 200, response.get_json()


@pytest.mark.walked(1, "selfie_ok")
def test_three_failed_videos_end_the_enrolment(client, ctx, still_frames, at_selfie_ok):
    (enrolment,) = at_selfie_ok
    for left in (2, 1):
        body = problem(send_frames(enrolment, new_task(enrolment)["nonce"], still_frames, reflect=False))
        assert body["code"] == "identification_refused" and body["attempts_left"] == left
    body = problem(send_frames(enrolment, new_task(enrolment)["nonce"], still_frames, reflect=False))
    assert body["code"] == "identification_failed" and body["attempts_left"] == 0
    assert "static_frames" in body["reasons"] and "visit a service centre" in body["detail"]
    assert enrolment.state() == "failed"
    kept = record(ctx, enrolment.id)
    assert kept.liveness_attempts == 3 and kept.selfie_encoding is None
    assert [d["outcome"] for d in decisions(ctx, enrolment.id) if d.get("check") == "liveness"] == [
        "refused"
    ] * 3


@pytest.mark.walked(1, "liveness_ok")
def test_three_id_photos_of_someone_else_end_the_enrolment(
    client, ctx, at_liveness_ok, obama_jpeg, id_photo_jpeg
):
    (enrolment,) = at_liveness_ok
    for left in (2, 1):
        assert problem(send_image(enrolment, "id-photo", obama_jpeg))["attempts_left"] == left
    body = problem(send_image(enrolment, "id-photo", obama_jpeg))
    assert body["code"] == "identification_failed" and body["reasons"] == ["no_match"]
    assert "visit a service centre" in body["detail"]
    assert enrolment.state() == "failed"
    assert record(ctx, enrolment.id).video_encodings is None
    # The right photo now comes too late.
    assert problem(send_image(enrolment, "id-photo", id_photo_jpeg))["code"] == "enrolment_failed"


@pytest.mark.walked(1, "liveness_ok")
def test_without_a_face_from_the_video_the_match_is_refused_not_made_on_the_selfie_alone(
    client, ctx, at_liveness_ok, id_photo_jpeg
):
    from eds_toolkit.flow.identification.models import IdentificationRecord

    (enrolment,) = at_liveness_ok
    with ctx.sessions() as session:  # as if no sampled frame of the video had been usable
        session.execute(
            update(IdentificationRecord)
            .where(IdentificationRecord.enrolment_id == enrolment.id)
            .values(video_encodings=None)
        )
        session.commit()
    body = problem(send_image(enrolment, "id-photo", id_photo_jpeg))  # the right person's photo
    assert body["code"] == "identification_refused" and body["reasons"] == ["no_video_face"]
    assert "picture of your face from the video" in body["detail"]
    assert enrolment.state() == "liveness_ok"


@pytest.mark.walked(1, "selfie_ok")
def test_identical_frames_sent_again_get_the_first_verdict_and_cost_no_attempt(
    client, ctx, still_frames, at_selfie_ok, d18_frames
):
    """identify.js resends once after a network error: the resend must not burn the nonce or an attempt."""
    (enrolment,) = at_selfie_ok
    nonce = new_task(enrolment)["nonce"]
    first = problem(send_frames(enrolment, nonce, still_frames, reflect=False))
    assert first["code"] == "identification_refused" and first["attempts_left"] == 2
    again = problem(send_frames(enrolment, nonce, still_frames, reflect=False))
    assert again["code"] == "identification_refused"
    assert again["reasons"] == first["reasons"] and "nonce_reused" not in again["reasons"]
    assert again["attempts_left"] == 2
    # other frames with that nonce are still a reuse, and count
    other = problem(send_frames(enrolment, nonce, d18_frames))
    assert other["reasons"] == ["nonce_reused"] and other["attempts_left"] == 1

    nonce = new_task(enrolment)["nonce"]
    passed = send_frames(enrolment, nonce, d18_frames)
    assert passed.status_code == 200, passed.get_json()
    resent = send_frames(enrolment, nonce, d18_frames)
    assert resent.status_code == 200, resent.get_json()
    assert resent.get_json() == passed.get_json()
    assert enrolment.state() == "liveness_ok"
    liveness = [d for d in decisions(ctx, enrolment.id) if d["action"] == "identify_liveness"]
    assert [d["outcome"] for d in liveness] == ["refused", "refused", "ok"]
    assert all(len(d["submission"]) == 64 for d in liveness)


@pytest.mark.walked(1, "selfie_ok")
def test_a_resend_racing_its_first_request_waits_for_that_verdict(ctx, client, at_selfie_ok, d18_frames):
    """Both requests in flight at once (the answer to the first is still being decided): one decision."""
    from concurrent.futures import ThreadPoolExecutor

    from eds_toolkit.flow import identification as steps
    from webcam_flow.liveness import Challenge

    (enrolment,) = at_selfie_ok
    nonce = new_task(enrolment)["nonce"]
    config = steps.IdentifyConfig(fixed_challenges=(Challenge.BLINK, Challenge.OPEN_MOUTH))
    frames = lit(nonce, d18_frames)

    def submit():
        try:
            return steps.submit_liveness(ctx, enrolment.id, nonce, frames, config=config).as_json()
        except steps.IdentificationRefused as error:
            return {"refused": error.extra}

    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda _: submit(), range(2)))
    assert answers[0] == answers[1] and answers[0]["ok"] is True, answers
    assert enrolment.state() == "liveness_ok"
    liveness = [d for d in decisions(ctx, enrolment.id) if d["action"] == "identify_liveness"]
    assert [d["outcome"] for d in liveness] == ["ok"]


# --- the colour challenge (issue 10): the page lights the face with the task's colours ---


@pytest.mark.walked(1, "selfie_ok")
def test_no_request_can_turn_the_colour_challenge_off(client, at_selfie_ok, d18_frames):
    (enrolment,) = at_selfie_ok
    off = {"colour_challenge": "0", "EDS_COLOUR_CHALLENGE": "0", "colours": ""}
    response = client.post(
        f"/api/v1/enrolments/{enrolment.id}/liveness?colour_challenge=0", headers=enrolment.auth, json=off
    )
    assert response.status_code == 201 and response.get_json()["colours"]
    task = new_task(enrolment, **off)
    assert task["colours"] and all(0.6 <= c["seconds"] <= 1.0 for c in task["colours"])
    # The real video as recorded elsewhere, without the screen's light on the face (a replay).
    body = problem(send_frames(enrolment, task["nonce"], d18_frames, reflect=False, **off))
    assert set(body["reasons"]) & {"colour_not_seen", "colour_mismatch"}, body


@pytest.mark.walked(1, "selfie_ok")
def test_a_recording_lit_by_an_earlier_tasks_colours_is_refused_and_costs_a_try(
    client, ctx, at_selfie_ok, d18_frames
):
    (enrolment,) = at_selfie_ok
    earlier = new_task(enrolment)
    recorded = lit(earlier["nonce"], d18_frames)  # what a camera saw during the earlier task
    body = problem(send_frames(enrolment, new_task(enrolment)["nonce"], recorded, reflect=False))
    assert body["reasons"] == ["colour_mismatch"] and body["attempts_left"] == 2, body
    verdict = decisions(ctx, enrolment.id)[-1]
    assert verdict["scores"]["colour_correlation"] < 0.75 and "colour_amplitude" in verdict["scores"]


@pytest.mark.walked(1, "selfie_ok")
def test_a_virtual_camera_is_refused_without_costing_a_try_and_a_real_camera_passes(
    client, ctx, at_selfie_ok, d18_frames
):
    (enrolment,) = at_selfie_ok
    body = problem(
        send_frames(enrolment, new_task(enrolment)["nonce"], d18_frames, camera="OBS Virtual Camera")
    )
    assert body["reasons"] == ["virtual_camera"] and body["attempts_left"] == 3, body
    assert decisions(ctx, enrolment.id)[-1]["scores"]["virtual_camera"] == 1.0
    passed = send_frames(
        enrolment, new_task(enrolment)["nonce"], d18_frames, camera="Integrated Camera (04f2:b6d9)"
    )
    assert passed.status_code == 200 and passed.get_json()["ok"], passed.get_json()


@pytest.mark.walked(1, "selfie_ok")
def test_frames_posted_in_a_burst_no_page_records_are_refused(client, at_selfie_ok, d18_frames):
    (enrolment,) = at_selfie_ok
    burst = [(i * 0.005, jpeg) for i, (_, jpeg) in enumerate(d18_frames)]
    body = problem(send_frames(enrolment, new_task(enrolment)["nonce"], burst))
    assert "frame_timing" in body["reasons"], body
