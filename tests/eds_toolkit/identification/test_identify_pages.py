"""The identification pages (Flask test client): what the camera page carries, the no-JavaScript
forms, the fetch() calls with the CSRF header, and the redirects between the steps."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
from pathlib import Path

from flow_helpers import KNOWN_IIN, KNOWN_PHONE, change_identification, code_for
from identify_helpers import lit, remember_colours

from eds_toolkit.web.security import CONTENT_SECURITY_POLICY

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
DATA_TOKEN = re.compile(r'data-csrf="([^"]+)"')
JSON = {"Accept": "application/json"}


def token(client, path: str, pattern=TOKEN) -> str:
    page = client.get(path)
    assert page.status_code == 200, (path, page.status_code, page.headers.get("Location"))
    found = pattern.search(page.get_data(as_text=True))
    assert found, f"no CSRF token on {path}"
    return found.group(1)


def phone_confirmed_on_pages(client, outbox) -> None:
    response = client.post("/start", data={"csrf_token": token(client, "/"), "iin": KNOWN_IIN})
    assert response.status_code == 302
    code = code_for(outbox, KNOWN_PHONE)
    response = client.post("/code", data={"csrf_token": token(client, "/code"), "code": code})
    assert response.headers["Location"].endswith("/identification")


def upload(client, path: str, page: str, data: bytes, headers: dict | None = None):
    return client.post(
        path,
        data={"csrf_token": token(client, page), "image": (io.BytesIO(data), "photo.jpg")},
        headers=headers or {},
        content_type="multipart/form-data",
    )


def fetch(client, path: str, csrf: str, **fields):
    """What identify.js does: multipart body, X-CSRFToken header, JSON answer."""
    return client.post(
        path, data=fields, headers={"X-CSRFToken": csrf, **JSON}, content_type="multipart/form-data"
    )


def test_the_selfie_page_has_the_camera_the_circle_hints_and_a_form_that_works_without_javascript(
    client, outbox
):
    phone_confirmed_on_pages(client, outbox)
    overview = client.get("/identification").get_data(as_text=True)
    assert 'id="continue" href="/identification/check"' in overview  # the camera and the agent first
    check = client.get("/identification/check").get_data(as_text=True)
    assert 'id="continue" class="button" href="/identification/selfie"' in check

    response = client.get("/identification/selfie")
    assert response.status_code == 200
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    page = response.get_data(as_text=True)
    for element in (
        'id="camera"',
        'class="circle"',
        'id="hint"',
        'id="capture"',
        'id="result"',
        'id="upload-form"',
    ):
        assert element in page
    assert 'enctype="multipart/form-data"' in page
    assert '<script src="/static/identify.js"' in page
    assert "<script>" not in page and " style=" not in page  # nothing the CSP would block
    script = client.get("/static/identify.js").get_data(as_text=True)
    assert "getUserMedia" in script and "X-CSRFToken" in script and "toBlob" in script


def test_a_selfie_sent_with_the_form_moves_on_to_the_video_page(client, outbox, selfie_jpeg):
    phone_confirmed_on_pages(client, outbox)
    response = upload(client, "/identification/selfie", "/identification/selfie", selfie_jpeg)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/identification/video")
    # The selfie page now sends the citizen on; the video page is shown.
    assert client.get("/identification/selfie").headers["Location"].endswith("/identification/video")
    page = client.get("/identification/video").get_data(as_text=True)
    assert 'id="challenge"' in page and 'id="start"' in page and 'data-max-frames="180"' in page
    # The time per movement, and the control that extends it up to the service's maximum (WCAG 2.2.1).
    assert 'data-seconds="3.0"' in page and 'data-max-seconds="10.0"' in page
    assert 'id="more-time"' in page and "I need more time" in page and 'id="countdown"' in page


def test_the_video_page_asks_for_more_time_in_the_citizens_language(client, outbox, selfie_jpeg):
    phone_confirmed_on_pages(client, outbox)
    upload(client, "/identification/selfie", "/identification/selfie", selfie_jpeg)
    for language, button, time_line in (
        ("ru", "Мне нужно больше времени", "Время на каждое движение: {seconds} с"),
        ("kk", "Маған көбірек уақыт керек", "Әр қимылға уақыт: {seconds} с"),
    ):
        page = client.get(f"/identification/video?lang={language}").get_data(as_text=True)
        texts = json.loads(page.split('id="identify-texts">')[1].split("</script>")[0])
        assert button in page and texts["timePerMovement"] == time_line
        assert "{movement}" in texts["nowDo"] and "{seconds}" in texts["secondsLeft"]


def test_a_refused_selfie_form_shows_the_reason_in_the_page(client, outbox, no_face_jpeg):
    phone_confirmed_on_pages(client, outbox)
    response = upload(client, "/identification/selfie", "/identification/selfie", no_face_jpeg)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert re.search(r'id="result"[^>]*data-ok="false">We could not see a face\.', page, re.S)
    assert "2 tries left" in page


def test_posts_without_the_csrf_token_are_refused(client, outbox, selfie_jpeg):
    phone_confirmed_on_pages(client, outbox)
    response = client.post(
        "/identification/selfie",
        data={"image": (io.BytesIO(selfie_jpeg), "s.jpg")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert client.post("/identification/video/task", headers=JSON).status_code == 400
    assert client.get("/identification").status_code == 200
    assert 'data-state="phone_confirmed"' in client.get("/identification").get_data(as_text=True)


def test_the_camera_pages_identify_the_citizen_with_fetch_calls(
    client, outbox, selfie_jpeg, d18_frames, id_photo_jpeg, no_face_jpeg
):
    phone_confirmed_on_pages(client, outbox)
    csrf = token(client, "/identification/selfie", DATA_TOKEN)

    hint = fetch(client, "/identification/selfie/hint", csrf, image=(io.BytesIO(no_face_jpeg), "f.jpg"))
    assert hint.status_code == 200 and hint.get_json()["reasons"] == ["no_face"]
    hint = fetch(client, "/identification/selfie/hint", csrf, image=(io.BytesIO(selfie_jpeg), "f.jpg"))
    assert hint.get_json()["ok"] is True

    body = fetch(client, "/identification/selfie", csrf, image=(io.BytesIO(selfie_jpeg), "s.jpg")).get_json()
    assert body["ok"] is True and body["next"] == "/identification/video"

    csrf = token(client, "/identification/video", DATA_TOKEN)
    task = fetch(client, "/identification/video/task", csrf)
    assert task.status_code == 201
    task = task.get_json()
    assert task["colours"] and {"name", "rgb", "seconds"} <= set(task["colours"][0])
    remember_colours(task)
    frames = lit(task["nonce"], d18_frames)
    response = fetch(
        client,
        "/identification/video",
        csrf,
        nonce=task["nonce"],
        timestamps=",".join(str(round(t * 1000)) for t, _ in frames),
        frames=[(io.BytesIO(data), f"f{i}.jpg") for i, (_, data) in enumerate(frames)],
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["next"] == "/identification/id-photo"

    page = client.get("/identification/id-photo").get_data(as_text=True)
    assert 'id="open-camera"' in page and 'id="upload-form"' in page
    response = upload(client, "/identification/id-photo", "/identification/id-photo", id_photo_jpeg, JSON)
    assert response.status_code == 200
    assert response.get_json() | {"message": None} == {
        "check": "face_match",
        "ok": True,
        "reasons": [],
        "message": None,
        "state": "face_matched",
        "attempts_left": 3,
        "next": "/pin",
    }
    assert client.get("/identification/id-photo").headers["Location"].endswith("/pin")


def test_a_failed_video_check_answers_json_with_the_reason(client, outbox, selfie_jpeg, still_frames):
    phone_confirmed_on_pages(client, outbox)
    upload(client, "/identification/selfie", "/identification/selfie", selfie_jpeg)
    csrf = token(client, "/identification/video", DATA_TOKEN)
    nonce = fetch(client, "/identification/video/task", csrf).get_json()["nonce"]
    response = fetch(
        client,
        "/identification/video",
        csrf,
        nonce=nonce,
        frames=[(io.BytesIO(data), f"f{i}.jpg") for i, (_, data) in enumerate(still_frames)],
    )
    assert response.status_code == 422
    body = response.get_json()
    assert body["ok"] is False and "static_frames" in body["reasons"] and body["attempts_left"] == 2
    assert "A live person must be in front of the camera" in body["message"]
    assert body["state"] == "selfie_ok" and body["next"] is None


def test_after_the_last_attempt_the_pages_send_the_citizen_to_a_service_centre(client, outbox, no_face_jpeg):
    phone_confirmed_on_pages(client, outbox)
    for left in (2, 1):
        body = upload(
            client, "/identification/selfie", "/identification/selfie", no_face_jpeg, JSON
        ).get_json()
        assert body["attempts_left"] == left
    csrf = token(client, "/identification/selfie", DATA_TOKEN)
    response = fetch(client, "/identification/selfie", csrf, image=(io.BytesIO(no_face_jpeg), "s.jpg"))
    body = response.get_json()
    assert body["code"] == "identification_failed" and body["state"] == "failed" and body["next"] == "/"
    assert "visit a service centre" in body["message"]
    page = client.get("/identification/selfie").get_data(as_text=True)
    assert 'data-state="failed"' in page and "visit a service centre" in page


def test_pages_of_later_steps_send_the_citizen_back_to_the_current_one(client, outbox):
    assert client.get("/identification/video").headers["Location"] == "/"
    phone_confirmed_on_pages(client, outbox)
    assert client.get("/identification/video").headers["Location"].endswith("/identification/selfie")
    assert client.get("/identification/id-photo").headers["Location"].endswith("/identification/selfie")


def test_every_text_of_the_identification_pages_is_translated(client, outbox):
    from pathlib import Path

    import eds_toolkit.web
    from tests.catalogues import po_text

    templates = Path(eds_toolkit.web.__file__).parent / "templates"
    call = re.compile(r"""_\(\s*(["'])(.+?)\1\s*\)""")
    pages = [templates / "identification.html", *sorted((templates / "identify").glob("*.html"))]
    texts = [text for page in pages for _quote, text in call.findall(page.read_text())]
    assert len(texts) > 20
    assert [text for text in texts if not po_text("kk", text) or not po_text("ru", text)] == []

    phone_confirmed_on_pages(client, outbox)
    page = client.get("/identification/selfie?lang=ru").get_data(as_text=True)
    assert po_text("ru", "Take the selfie") in page


def test_an_upload_over_the_limit_is_refused_with_the_real_limit(app, client, outbox):

    change_identification(app, max_image_bytes=100_000, max_frames=10, max_frame_bytes=10_000)
    phone_confirmed_on_pages(client, outbox)
    csrf = token(client, "/identification/selfie", DATA_TOKEN)
    response = fetch(client, "/identification/selfie", csrf, image=(io.BytesIO(bytes(400_000)), "big.jpg"))
    assert response.status_code == 413
    assert "at most 0 MiB" not in response.get_json()["message"]
    assert "10 video frames of at most 9 KiB each" in response.get_json()["message"]
    assert 'data-state="phone_confirmed"' in client.get("/identification").get_data(as_text=True)


def _run_page_script(harness: str, argument: str) -> dict:
    node = shutil.which("node")
    assert node, "Node.js is required (Debian package nodejs)"
    here = Path(__file__).resolve().parent
    script = here.parents[2] / "eds_toolkit" / "web" / "static" / "identify.js"
    result = subprocess.run(
        [node, str(here / "js" / harness), str(script), argument],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return json.loads(result.stdout)


def _id_photo_camera(device: str) -> dict:
    return _run_page_script("id_photo_camera.js", device)


def test_a_referred_face_match_takes_the_citizen_to_the_review_page_and_turns_the_camera_off():
    referred = {
        "ok": False,
        "state": "face_review",
        "reasons": ["needs_review"],
        "message": "An officer will compare the pictures.",
        "next": "/identification/review",
    }
    seen = _run_page_script("id_photo_referral.js", json.dumps(referred))
    assert seen["went"] == ["/identification/review"]
    assert seen["cameraStopped"] is True
    assert seen["outcome"] == "referred"
    # A refusal with tries left stays on the page, the capture button usable again.
    refused = {"ok": False, "state": "liveness_ok", "reasons": ["no_match"], "message": "No.", "next": None}
    seen = _run_page_script("id_photo_referral.js", json.dumps(refused))
    assert seen["went"] == [] and seen["outcome"] is None
    assert seen["captureEnabled"] is True and seen["shown"] == "No."


def test_the_id_photo_camera_asks_for_the_rear_camera_and_falls_back_to_any():
    assert _id_photo_camera("rear") == {
        "asked": [{"ideal": "environment"}],
        "captureEnabled": True,
        "failed": False,
    }
    # A laptop with only its front webcam: the wish cannot be met, any camera is used.
    assert _id_photo_camera("none") == {
        "asked": [{"ideal": "environment"}, None],
        "captureEnabled": True,
        "failed": False,
    }
    # A refused camera is not asked again; the page says so (the file upload stays).
    assert _id_photo_camera("denied") == {
        "asked": [{"ideal": "environment"}],
        "captureEnabled": False,
        "failed": True,
    }
