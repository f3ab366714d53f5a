"""The same enrolment through the HTML pages (Flask test client), CSRF, languages, headers, the cabinet."""

from __future__ import annotations

import io
import re
import zipfile

from cryptography import x509
from flow_helpers import (
    CSRF_TOKEN,
    GOOD_PASSWORD,
    GOOD_PIN,
    KNOWN_IIN,
    KNOWN_PHONE,
    code_for,
    csrf,
    make_csr_pem,
    make_settings,
    submit,
)

from eds_toolkit.flow import describe
from eds_toolkit.web import create_app
from tests.evidence_free import mark_identified


def enrolment_id(client) -> str:
    with client.session_transaction() as session:
        return session["enrolment_id"]


def start_on_pages(client, outbox) -> str:
    response = submit(client, "/", "/start", iin=KNOWN_IIN)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/code")
    response = submit(client, "/code", "/code", code=code_for(outbox, KNOWN_PHONE))
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/identification")
    return enrolment_id(client)


def test_whole_enrolment_through_the_pages_then_the_cabinet_shows_it(client, ctx, outbox):
    identifier = start_on_pages(client, outbox)
    assert client.get("/identification").status_code == 200
    mark_identified(ctx, identifier)

    response = submit(client, "/pin", "/pin", pin=GOOD_PIN, pin_confirmation=GOOD_PIN)
    assert submit(client, "/certificates/review", "/certificates/review").status_code == 302
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/certificates")

    response = client.post(
        "/certificates/csr",
        data={
            "csrf_token": csrf(client, "/certificates"),
            "auth_csr_file": (io.BytesIO(make_csr_pem(KNOWN_IIN)), "auth.csr"),
            "sign_csr_file": (io.BytesIO(make_csr_pem(KNOWN_IIN)), "sign.csr"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    certificates = x509.load_pem_x509_certificates(
        "".join(re.findall(r"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----", page, re.S)).encode()
    )
    assert len(certificates) == 4  # AUTH, SIGN, issuing CA, root
    assert describe(ctx, identifier).state == "issued"

    response = submit(client, "/cabinet/login", "/cabinet/login", iin=KNOWN_IIN, pin=GOOD_PIN)
    assert response.status_code == 302
    cabinet = client.get("/cabinet/").get_data(as_text=True)
    for certificate in certificates[:2]:
        assert format(certificate.serial_number, "X") in cabinet.upper()
    assert "valid" in cabinet
    for sentence in (
        "Enrolment started",
        "Phone confirmed with the SMS code",
        "PIN set",
        "Certificates issued",
    ):
        assert sentence in cabinet


def test_server_keys_through_the_page_download_a_zip(client, ctx, outbox):
    identifier = start_on_pages(client, outbox)
    mark_identified(ctx, identifier)
    submit(client, "/pin", "/pin", pin=GOOD_PIN, pin_confirmation=GOOD_PIN)
    submit(client, "/certificates/review", "/certificates/review")
    mismatch = submit(
        client, "/certificates", "/certificates/server", password=GOOD_PASSWORD, password_confirmation="other"
    )
    assert mismatch.status_code == 422
    assert "different" in mismatch.get_data(as_text=True)
    response = submit(
        client,
        "/certificates",
        "/certificates/server",
        password=GOOD_PASSWORD,
        password_confirmation=GOOD_PASSWORD,
    )
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert "attachment" in response.headers["Content-Disposition"]
    assert len(zipfile.ZipFile(io.BytesIO(response.data)).namelist()) == 2
    again = submit(
        client,
        "/certificates",
        "/certificates/server",
        password=GOOD_PASSWORD,
        password_confirmation=GOOD_PASSWORD,
    )
    assert again.status_code == 200 and again.data == response.data  # the kept copy: the same files


def test_form_without_csrf_token_is_refused_and_changes_nothing(client, ctx, outbox):
    submit(client, "/", "/start", iin=KNOWN_IIN)
    identifier = enrolment_id(client)
    response = client.post("/code", data={"code": code_for(outbox, KNOWN_PHONE)})
    assert response.status_code == 400
    assert "Reload the page" in response.get_data(as_text=True)
    assert describe(ctx, identifier).state == "started"
    assert client.post("/start", data={"iin": KNOWN_IIN}).status_code == 400


def test_bad_iin_on_the_page_shows_the_reason_and_keeps_the_input(client):
    response = submit(client, "/", "/start", iin="850314312018")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'role="alert"' in page
    assert 'value="850314312018"' in page


def test_skipped_step_on_the_page_is_refused(client, ctx, outbox):
    identifier = start_on_pages(client, outbox)
    response = submit(client, "/pin", "/pin", pin=GOOD_PIN, pin_confirmation=GOOD_PIN)
    assert response.status_code == 409
    assert "not available yet" in response.get_data(as_text=True)
    assert describe(ctx, identifier).state == "phone_confirmed"


def test_russian_page_from_accept_language_and_kazakh_from_the_switch(client):
    russian = client.get("/", headers={"Accept-Language": "ru-RU,ru;q=0.9,en;q=0.5"}).get_data(as_text=True)
    assert 'lang="ru"' in russian
    assert "Введите ваш ИИН" in russian
    kazakh = client.get("/?lang=kk", headers={"Accept-Language": "ru"}).get_data(as_text=True)
    assert 'lang="kk"' in kazakh
    assert "ЖСН-іңізді енгізіңіз" in kazakh
    # the switch is remembered for the next page, and refusals are translated too
    refused = submit(client, "/", "/start", iin="123")
    assert "ЖСН қате" in refused.get_data(as_text=True)
    english = client.get("/?lang=en").get_data(as_text=True)
    assert "Enter your IIN" in english


def test_security_headers_and_cookie_flags(home, clock):
    client = create_app(make_settings(home, clock, secure_cookies=True)).test_client()
    response = client.get("/", base_url="https://localhost")
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp
    assert "default-src 'self'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "max-age" in response.headers["Strict-Transport-Security"]
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("__Host-eds_session=")
    assert "Secure" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_forms_work_over_https_with_the_strict_referrer_check(home, clock, outbox):
    """Flask-WTF checks the Referer over HTTPS: our own pages' forms pass, a foreign referrer does not."""
    client = create_app(make_settings(home, clock, secure_cookies=True)).test_client()
    https = "https://localhost"
    page = client.get("/", base_url=https).get_data(as_text=True)
    token = CSRF_TOKEN.search(page).group(1)
    foreign = client.post(
        "/start",
        data={"csrf_token": token, "iin": KNOWN_IIN},
        base_url=https,
        headers={"Referer": "https://evil.example/"},
    )
    assert foreign.status_code == 400
    ours = client.post(
        "/start",
        data={"csrf_token": token, "iin": KNOWN_IIN},
        base_url=https,
        headers={"Referer": https + "/"},
    )
    assert ours.status_code == 302


def test_oversized_upload_is_refused_with_413(client):
    response = client.post("/start", data={"iin": "1" * 100_000})
    assert response.status_code == 413
    assert "too large" in response.get_data(as_text=True)


def test_cabinet_sign_in_locks_after_five_wrong_pins(client, ctx, outbox, clock):
    identifier = start_on_pages(client, outbox)
    mark_identified(ctx, identifier)
    submit(client, "/pin", "/pin", pin=GOOD_PIN, pin_confirmation=GOOD_PIN)
    statuses = [
        submit(client, "/cabinet/login", "/cabinet/login", iin=KNOWN_IIN, pin="000001").status_code
        for _ in range(5)
    ]
    assert statuses == [422] * 5
    locked = submit(client, "/cabinet/login", "/cabinet/login", iin=KNOWN_IIN, pin=GOOD_PIN)
    assert locked.status_code == 422  # the same status as a wrong PIN or an IIN without an account
    assert "sign-in is paused after too many wrong PINs" in locked.get_data(as_text=True)
    clock.advance(901)
    assert submit(client, "/cabinet/login", "/cabinet/login", iin=KNOWN_IIN, pin=GOOD_PIN).status_code == 302


def test_cabinet_needs_sign_in(client):
    response = client.get("/cabinet/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/cabinet/login")
    wrong = submit(client, "/cabinet/login", "/cabinet/login", iin=KNOWN_IIN, pin=GOOD_PIN)
    assert wrong.status_code == 422
    assert "IIN or PIN is wrong" in wrong.get_data(as_text=True)


def test_pki_files_are_served_as_der(client):
    for name in ("root", "issuing"):
        response = client.get(f"/pki/{name}.cer")
        assert response.status_code == 200
        assert response.mimetype == "application/pkix-cert"
        assert "TEST" in x509.load_der_x509_certificate(response.data).subject.rfc4514_string()


def test_weak_pin_reason_is_given_in_russian_and_kazakh(client, ctx, outbox):
    identifier = start_on_pages(client, outbox)
    mark_identified(ctx, identifier)
    client.get("/?lang=ru")
    russian = submit(client, "/pin", "/pin", pin="850314", pin_confirmation="850314")
    assert russian.status_code == 422
    assert "датой рождения" in russian.get_data(as_text=True)
    client.get("/?lang=kk")
    kazakh = submit(client, "/pin", "/pin", pin="123456", pin_confirmation="123456")
    assert "қатар" in kazakh.get_data(as_text=True)
    client.get("/?lang=en")
    english = submit(client, "/pin", "/pin", pin="111111", pin_confirmation="111111")
    assert "one digit repeated" in english.get_data(as_text=True)
    assert describe(ctx, identifier).state == "face_matched"


def test_citizen_without_a_phone_registers_one_on_the_pages(client, ctx, outbox, clock):
    from flow_helpers import NEW_PHONE, NO_PHONE_IIN

    assert submit(client, "/", "/start", iin=NO_PHONE_IIN).status_code == 302
    code_page = client.get("/code").get_data(as_text=True)
    assert 'href="/phone"' in code_page
    bad = submit(client, "/phone", "/phone", phone="+1 202 555 0100")
    assert bad.status_code == 422
    assert "Kazakh" in bad.get_data(as_text=True)
    response = submit(client, "/phone", "/phone", phone=NEW_PHONE)
    assert response.headers["Location"].endswith("/phone/confirm")
    too_soon = submit(client, "/phone/confirm", "/code/resend")
    assert too_soon.status_code == 429
    assert "seconds" in too_soon.get_data(as_text=True)
    clock.advance(61)
    resent = submit(client, "/phone/confirm", "/code/resend")
    assert resent.status_code == 200
    assert "A new code was sent." in resent.get_data(as_text=True)
    assert 'action="/phone/confirm"' in resent.get_data(as_text=True)
    response = submit(client, "/phone/confirm", "/phone/confirm", code=code_for(outbox, NEW_PHONE))
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/identification")
    assert describe(ctx, enrolment_id(client)).state == "phone_confirmed"
