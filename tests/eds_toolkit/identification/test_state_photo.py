"""Identification binds the live face to the IIN through the photo the state holds for it.

The attacker here knows a victim's IIN and shows their own face with their own "identity card": the
match that counts is against the victim's state photo, so it fails; without a state photo there is
no remote identification at all, and that is said only to someone who passed the SMS step.
"""

from __future__ import annotations

import pytest
from flow_helpers import KNOWN_IIN, KNOWN_PHONE, NEW_PHONE, UNKNOWN_IIN, api_start, code_for, submit
from identify_helpers import decisions, new_task, phone_confirmed, problem, send_frames, send_image
from sqlalchemy import select, update

from eds_toolkit.citizens import Citizen
from eds_toolkit.core.audit_models import AuditEvent

PHONE_NO_PHOTO_IIN = "781102444036"  # demo citizen with a phone in the base and no photo on record
PHONE_NO_PHOTO = "+77771234569"


def set_state_photo(ctx, iin: str, photo: bytes | None) -> None:
    with ctx.sessions() as session:
        session.execute(update(Citizen).where(Citizen.iin == iin).values(photo=photo))
        session.commit()


def events(ctx, enrolment_id: str) -> list[tuple[str, str, str | None]]:
    with ctx.sessions() as session:
        rows = session.execute(
            select(AuditEvent.action, AuditEvent.outcome, AuditEvent.reason)
            .where(AuditEvent.enrolment_id == enrolment_id)
            .order_by(AuditEvent.id)
        )
        return [tuple(row) for row in rows]


def test_an_impostor_with_their_own_face_and_their_own_id_photo_is_refused_against_the_state_photo(
    client, ctx, outbox, selfie_jpeg, d18_frames, id_photo_jpeg, obama_jpeg
):
    """The victim's state photo is Obama's; the impostor (the d18 person) is live and brings a card
    photo of themselves. Every check the impostor controls passes; the state photo refuses."""
    set_state_photo(ctx, KNOWN_IIN, obama_jpeg)
    enrolment = phone_confirmed(client, outbox)
    assert send_image(enrolment, "selfie", selfie_jpeg).status_code == 200
    assert send_frames(enrolment, new_task(enrolment)["nonce"], d18_frames).status_code == 200
    body = problem(send_image(enrolment, "id-photo", id_photo_jpeg))
    assert body["code"] == "identification_refused" and body["reasons"] == ["no_match_record"]
    scores = decisions(ctx, enrolment.id)[-1]["scores"]
    assert scores["id_distance_max"] <= scores["id_threshold"]  # the impostor's own card matched them
    assert scores["record_distance_min"] > scores["record_threshold"]  # the state photo did not
    assert enrolment.state() == "liveness_ok"


@pytest.mark.walked(1, "liveness_ok")
def test_the_id_card_photo_alone_is_never_the_reference(
    client, ctx, at_liveness_ok, id_photo_jpeg, obama_jpeg
):
    """State photo of the person in front of the camera, card photo of someone else: refused too (the
    card is an additional check that must also agree)."""
    (enrolment,) = at_liveness_ok
    body = problem(send_image(enrolment, "id-photo", obama_jpeg))
    assert body["reasons"] == ["no_match"]
    scores = decisions(ctx, enrolment.id)[-1]["scores"]
    assert scores["record_distance_max"] <= scores["record_threshold"]
    assert send_image(enrolment, "id-photo", id_photo_jpeg).status_code == 200
    assert enrolment.state() == "face_matched"


def test_without_a_state_photo_the_enrolment_stops_right_after_the_sms_code(client, ctx, outbox):
    enrolment = api_start(client, PHONE_NO_PHOTO_IIN)
    response = enrolment.post("code", {"code": code_for(outbox, PHONE_NO_PHOTO)})
    body = problem(response)
    assert response.status_code == 409 and body["code"] == "service_centre_required"
    assert "service centre" in body["detail"]
    assert enrolment.state() == "failed"
    assert ("identification_failed", "ok", "no_reference_photo") in events(ctx, enrolment.id)
    # nothing further: no camera step, no PIN
    assert problem(enrolment.post("liveness"))["code"] == "enrolment_failed"


def test_before_the_sms_code_nothing_tells_an_iin_without_a_state_photo_apart(client, outbox):
    answers = []
    for iin in (KNOWN_IIN, PHONE_NO_PHOTO_IIN):
        enrolment = api_start(client, iin)
        wrong = enrolment.post("code", {"code": "000000"})
        answers.append((wrong.status_code, problem(wrong)["code"], enrolment.state()))
    assert answers[0] == answers[1] == (422, "code_wrong", "started")


def test_an_iin_not_in_the_register_gets_the_same_service_centre_answer_after_registering_a_phone(
    client, ctx, outbox
):
    answers = []
    for iin, phone in ((UNKNOWN_IIN, NEW_PHONE), (PHONE_NO_PHOTO_IIN, "+77019998866")):
        enrolment = api_start(client, iin)
        assert enrolment.post("phone", {"phone": phone}).status_code == 202
        response = enrolment.post("phone/confirm", {"code": code_for(outbox, phone)})
        body = problem(response)
        answers.append((response.status_code, body["code"], body["detail"], enrolment.state()))
    assert answers[0] == answers[1]
    assert answers[0][1] == "service_centre_required" and answers[0][3] == "failed"


def test_a_state_photo_with_two_faces_cannot_serve_as_the_reference(client, ctx, outbox):
    from flow_helpers import TESTDATA

    set_state_photo(ctx, KNOWN_IIN, (TESTDATA / "faces" / "two_people.jpg").read_bytes())
    enrolment = api_start(client, KNOWN_IIN)
    body = problem(enrolment.post("code", {"code": code_for(outbox, KNOWN_PHONE)}))
    assert body["code"] == "service_centre_required"
    assert enrolment.state() == "failed"


@pytest.mark.walked(1, "liveness_ok")
def test_a_state_photo_removed_during_identification_stops_the_face_match(
    client, ctx, at_liveness_ok, id_photo_jpeg
):
    (enrolment,) = at_liveness_ok
    set_state_photo(ctx, KNOWN_IIN, None)
    body = problem(send_image(enrolment, "id-photo", id_photo_jpeg))
    assert body["code"] == "service_centre_required"
    assert enrolment.state() == "failed"


def test_the_page_sends_the_citizen_to_a_service_centre_in_their_language(client, clock, outbox):
    for language, words in (("ru", ("Обратитесь в ЦОН", "удостоверением")), ("kk", ("ХҚКО-ға жүгініңіз",))):
        client.get(f"/?lang={language}")
        assert submit(client, "/", "/start", iin=PHONE_NO_PHOTO_IIN).status_code == 302
        response = submit(client, "/code", "/code", code=code_for(outbox, PHONE_NO_PHOTO))
        page = response.get_data(as_text=True)
        assert response.status_code == 409
        assert all(word in page for word in words), page
        clock.advance(120)  # the next code to the same number is not throttled
