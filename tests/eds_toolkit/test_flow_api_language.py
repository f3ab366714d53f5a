"""The JSON API speaks the client's language: the body's ``language``, else Accept-Language, else the
language the enrolment was started in; problem ``detail`` texts and every SMS follow it."""

from __future__ import annotations

from flow_helpers import KNOWN_IIN, KNOWN_PHONE, NEW_PHONE, ApiEnrolment, code_for, read_outbox

RUSSIAN_SMS = "Одноразовый код"
KAZAKH_SMS = "Бір реттік код"


def start_in(client, language: str) -> ApiEnrolment:
    response = client.post("/api/v1/enrolments", json={"iin": KNOWN_IIN, "language": language})
    assert response.status_code == 201
    body = response.get_json()
    return ApiEnrolment(client, body["id"], body["token"])


def test_resend_and_new_phone_sms_follow_the_language_the_enrolment_started_in(client, outbox, clock):
    created = client.post("/api/v1/enrolments", json={"iin": KNOWN_IIN, "language": "ru"})
    assert "Если к этому ИИН" in created.get_json()["message"]
    body = created.get_json()
    enrolment = ApiEnrolment(client, body["id"], body["token"])
    clock.advance(61)
    assert enrolment.post("code/resend").status_code == 202  # no language, no Accept-Language
    assert enrolment.post("phone", {"phone": NEW_PHONE}).status_code == 202
    texts = [(m["phone"], m["text"]) for m in read_outbox(outbox)]
    # SMS to different numbers are sent side by side: only the order for one number is kept
    assert sorted(phone for phone, _ in texts) == sorted([KNOWN_PHONE, KNOWN_PHONE, NEW_PHONE])
    assert all(RUSSIAN_SMS in text for _, text in texts), texts


def test_a_later_step_may_ask_for_another_language(client, outbox, clock):
    enrolment = start_in(client, "ru")
    clock.advance(61)
    response = client.post(
        f"/api/v1/enrolments/{enrolment.id}/code/resend",
        json={},
        headers={**enrolment.auth, "Accept-Language": "kk-KZ,kk;q=0.9"},
    )
    assert response.status_code == 202
    assert KAZAKH_SMS in read_outbox(outbox)[-1]["text"]
    clock.advance(61)
    assert enrolment.post("code/resend", {"language": "en"}).status_code == 202
    assert read_outbox(outbox)[-1]["text"].startswith("Your one-time code")


def test_problem_details_are_in_the_clients_language(client, outbox):
    bad_iin = client.post("/api/v1/enrolments", json={"iin": "123"}, headers={"Accept-Language": "ru"})
    assert bad_iin.status_code == 422 and bad_iin.get_json()["detail"] == "Неверный ИИН: проверьте 12 цифр."

    enrolment = start_in(client, "ru")
    right = code_for(outbox, KNOWN_PHONE)
    wrong = enrolment.post("code", {"code": "000000" if right != "000000" else "111111"})
    assert wrong.status_code == 422
    assert wrong.get_json()["detail"].startswith("Неверный код. Осталось попыток:")  # the stored language

    kazakh = client.post(
        f"/api/v1/enrolments/{enrolment.id}/code",
        json={"code": "12"},
        headers={**enrolment.auth, "Accept-Language": "kk"},
    )
    assert kazakh.status_code == 422 and kazakh.get_json()["detail"] == "SMS-код 6 саннан тұрады."

    english = client.post(
        "/api/v1/enrolments", json={"iin": "123", "language": "en"}, headers={"Accept-Language": "ru"}
    )
    assert english.get_json()["detail"].startswith("An IIN is exactly 12 digits")


def test_without_any_language_the_api_answers_in_english(client):
    response = client.post("/api/v1/enrolments", json={"iin": KNOWN_IIN})
    assert response.get_json()["message"].startswith("If this IIN has a phone number")
