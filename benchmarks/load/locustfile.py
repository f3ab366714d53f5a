"""Locust load test of the citizen service with real identification (no ``mark_identified``).

``EnrollingCitizen``: the whole first issuance through the JSON API, one new citizen per iteration:
start -> SMS code (read from the outbox gateway's file) -> selfie (a real JPEG) -> liveness task ->
liveness frames (the LivePortrait d18 clip at 10 frames a second, lit by the task's own random colour
sequence as a screen lights a face: tests/reflection.py) -> ID photo -> PIN -> application confirmed
-> certificates on two CSRs made before the run. ``RenewingCitizen``: the yearly renewal wave, a
challenge signed with the citizen's AUTH key and two CSRs (docs/renewal.md), chained: each renewal's
new AUTH certificate is the next one's signer.

The server must run with ``EDS_LIVENESS_CHALLENGES=blink`` (test hook: every task asks one blink, the
movement the clip shows) and ``EDS_LIVENESS_SECONDS_PER_CHALLENGE=6`` (the colour check needs 5 s of
recording; the e2e test runs the same way), ``EDS_SMS_GATEWAY=outbox``, and a per-address rate limit
raised for one client address. ``benchmarks/load_test.py`` starts such a server, prepares the citizens
and runs this file; to run it by hand against a server prepared the same way:

    EDS_LOAD_CITIZENS=citizens.json EDS_LOAD_OUTBOX=<home>/outbox.jsonl \\
        locust -f benchmarks/load/locustfile.py --headless -u 4 -r 4 -t 3m --host http://127.0.0.1:8000 \\
        EnrollingCitizen

``citizens.json``: ``{"enrol": [{iin, phone, auth_csr, sign_csr}, ...], "renew": [{iin, auth_key,
auth_certificate, chain, auth_csr, sign_csr}, ...]}``. Every enrolment takes a citizen of its own (a
second start of one phone within a minute sends no SMS); a user stops when none is left.

Each step is a Locust request name (``3 selfie`` ...); ``enrolment (whole flow)`` and ``renewal (whole)``
are one entry per completed enrolment or renewal with its duration, so the stats CSV holds completed
counts and p50/p95/p99 per step.
"""

from __future__ import annotations

import functools
import json
import os
import sys
import time
from pathlib import Path

from locust import HttpUser, constant, events, task
from locust.exception import StopUser

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # tests.reflection, tests.testdata: the tests' reflecting camera

PIN = "385927"
CLIP = "video/liveportrait_d18.mp4"  # one face throughout, blinks at 3.2 s (MANIFEST.md)
ID_PHOTO = "faces/liveportrait_person_d18.jpg"  # the same person's still: the "identity card"
# Frames a second sent: 10 as the page sends outside a blink's slot (up to 25 inside it); EDS_LOAD_FPS=20
# gives 144 frames, about what a three-movement task with a blink sends (docs/identify.md).
FPS = float(os.environ.get("EDS_LOAD_FPS") or 10)
REFLECTION = 0.03  # the relative change of a channel under a saturated primary (docs/identify.md: 3%)
LAG_S = 0.1  # the screen's colour is seen this late by the camera
CODE_WAIT_S = 30.0


@functools.cache
def pictures() -> dict:
    """The selfie, the ID photo and the clip's frames lit by each screen colour, made once per process.

    A task's colour sequence is random, but each frame shows one colour at a time: the frame as the
    camera sees it under each of the six colours is computed here, and a user picks, frame by frame, the
    one its task's sequence shows at that moment. The model is tests/reflection.py's ``reflect`` (the face
    found with the tracker, the light falling off away from it, the same camera noise), with one JPEG
    encoding at the page's quality 0.8."""
    import cv2
    import numpy as np

    from tests.reflection import CAMERA_NOISE, JPEG_QUALITY, _weights, screen_rgb
    from tests.testdata import shared_file
    from webcam_flow.colour import PALETTE
    from webcam_flow.video import frames_from_video

    try:  # main after the 'speed' merge: the face finding moved to webcam_flow.locating
        from webcam_flow.locating import locate
    except ImportError:
        from webcam_flow.tracking import locate

    def jpeg(image, quality: int) -> bytes:
        bgr = cv2.cvtColor(image, cv2.COLOR_RGB2BGR)
        ok, data = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, quality])
        assert ok
        return data.tobytes()

    frames = frames_from_video(shared_file(CLIP), fps=FPS)
    boxes = locate([frame.image for frame in frames])
    screens = {name: screen_rgb(name) for name in PALETTE}
    rng = np.random.default_rng(0)
    lit: dict[str, list[bytes]] = {name: [] for name in PALETTE}
    for frame, box in zip(frames, boxes, strict=True):
        image = frame.image.astype(np.float32)
        weight = _weights(image.shape, box)[..., None]
        noise = rng.normal(0, CAMERA_NOISE, image.shape).astype(np.float32)
        for name, screen in screens.items():
            tinted = image * (1 + REFLECTION * weight * screen[None, None, :]) + noise
            lit[name].append(jpeg(np.clip(np.round(tinted), 0, 255).astype(np.uint8), JPEG_QUALITY))
    return {
        "selfie": jpeg(frames[0].image, 92),  # the first frame, as the identification tests take it
        "id_photo": shared_file(ID_PHOTO).read_bytes(),
        "times": [frame.t - frames[0].t for frame in frames],
        "lit": lit,
    }


def frames_for(colours: list[dict] | None) -> list[tuple[float, bytes]]:
    """The clip as a camera facing the page sees it while the page shows ``colours`` (the task's)."""
    from webcam_flow.colour import ColourSequence

    data = pictures()
    if not colours:  # a task without a colour challenge (EDS_COLOUR_CHALLENGE=0): the blue-lit frames
        return list(zip(data["times"], data["lit"]["blue"], strict=True))
    sequence = ColourSequence.from_json(colours)
    return [(t, data["lit"][sequence.colour_at(t - LAG_S)][i]) for i, t in enumerate(data["times"])]


@functools.cache
def citizens() -> dict[str, list[dict]]:
    path = os.environ.get("EDS_LOAD_CITIZENS")
    if not path:
        raise SystemExit("EDS_LOAD_CITIZENS: the citizens file (see benchmarks/load/locustfile.py)")
    data = json.loads(Path(path).read_text())
    return {"enrol": list(reversed(data.get("enrol", []))), "renew": list(data.get("renew", []))}


def outbox() -> Path:
    path = os.environ.get("EDS_LOAD_OUTBOX")
    if not path:
        raise SystemExit("EDS_LOAD_OUTBOX: the server's <home>/outbox.jsonl (EDS_SMS_GATEWAY=outbox)")
    return Path(path)


@events.init.add_listener
def prepare(environment, **kwargs) -> None:
    """Frames and citizens are ready before the first user starts (gevent: no CPU work during the run)."""
    import gevent

    began, cpu = time.perf_counter(), time.process_time()
    citizens()
    pictures()
    gevent.get_hub().loop.update_now()  # else --run-time counts from before this work and ends early
    print(
        f"locustfile: pictures and citizens ready in {time.perf_counter() - began:.1f} s "
        f"(prepared_cpu_s={time.process_time() - cpu:.2f})",
        file=sys.stderr,
    )


class StepFailed(Exception):
    pass


class EnrollingCitizen(HttpUser):
    """First issuance with remote identification, one new citizen per iteration, no think time."""

    wait_time = constant(0)
    weight = 1

    def step(self, name: str, path: str, expected: int, **kwargs) -> dict:
        with self.client.post(path, name=name, catch_response=True, timeout=300, **kwargs) as response:
            if response.status_code != expected:
                detail = response.text[:300]
                response.failure(f"{response.status_code}: {detail}")
                raise StepFailed(f"{name}: {response.status_code} {detail}")
            if response.headers.get("content-type", "").startswith("application/json"):
                return response.json()
            return {}

    @task
    def enrol(self) -> None:
        pool = citizens()["enrol"]
        if not pool:
            raise StopUser()  # every prepared citizen was used
        person = pool.pop()
        began = time.perf_counter()
        try:
            self.run_flow(person)
        except StepFailed:
            return  # counted as a failure of its step
        events.request.fire(
            request_type="FLOW",
            name="enrolment (whole flow)",
            response_time=(time.perf_counter() - began) * 1000,
            response_length=0,
            exception=None,
            context={},
        )

    def run_flow(self, person: dict) -> None:
        data = pictures()
        started = self.step("1 start", "/api/v1/enrolments", 201, json={"iin": person["iin"]})
        base = f"/api/v1/enrolments/{started['id']}"
        auth = {"Authorization": f"Bearer {started['token']}"}
        self.step("2 code", f"{base}/code", 200, json={"code": self.sms_code(person["phone"])}, headers=auth)
        self.step(
            "3 selfie", f"{base}/selfie", 200, files={"image": ("selfie.jpg", data["selfie"])}, headers=auth
        )
        task = self.step("4 liveness task", f"{base}/liveness", 201, headers=auth)
        frames = frames_for(task.get("colours"))
        answer = self.step(
            "5 liveness frames",
            f"{base}/liveness/frames",
            200,
            data={"nonce": task["nonce"], "timestamps": ",".join(str(round(t * 1000)) for t, _ in frames)},
            files=[("frames", (f"frame-{i}.jpg", jpeg, "image/jpeg")) for i, (_, jpeg) in enumerate(frames)],
            headers=auth,
        )
        assert answer["state"] == "liveness_ok", answer
        matched = self.step(
            "6 id photo",
            f"{base}/id-photo",
            200,
            files={"image": ("card.jpg", data["id_photo"])},
            headers=auth,
        )
        if matched.get("state") != "face_matched":  # referred to an officer: not a completed enrolment
            raise StepFailed(f"id photo: {matched}")
        self.step("7 pin", f"{base}/pin", 200, json={"pin": PIN, "pin_confirmation": PIN}, headers=auth)
        self.step("8 confirm application", f"{base}/application/confirm", 200, headers=auth)
        self.step(
            "9 certificates",
            f"{base}/certificates",
            201,
            json={"auth_csr": person["auth_csr"], "sign_csr": person["sign_csr"]},
            headers=auth,
        )

    def sms_code(self, phone: str) -> str:
        """The code the outbox gateway wrote for ``phone`` (the SMS is sent after the start's answer)."""
        from eds_toolkit.sms import last_code_for

        deadline = time.monotonic() + CODE_WAIT_S
        while time.monotonic() < deadline:
            code = last_code_for(outbox(), phone)
            if code:
                return code
            time.sleep(0.05)  # gevent's: other users go on meanwhile
        events.request.fire(
            request_type="SMS",
            name="2 code (SMS in outbox)",
            response_time=CODE_WAIT_S * 1000,
            response_length=0,
            exception=StepFailed(f"no SMS to {phone} within {CODE_WAIT_S} s"),
            context={},
        )
        raise StepFailed("no SMS")


class RenewingCitizen(HttpUser):
    """The renewal wave: a citizen with a valid AUTH certificate renews it (challenge, CMS, two CSRs).

    The CSRs re-certify the citizen's own keys (the CA lets the same key, IIN and profile renew), so a
    citizen renews again and again on one pair of keys made before the run; the server's work is that
    of any renewal: the CMS and proof checks, two issuances, the old pair superseded."""

    wait_time = constant(0)
    weight = 1

    @task
    def renew(self) -> None:
        import base64

        from cryptography import x509
        from cryptography.hazmat.primitives import serialization

        from eds_agent.cms import sign_cms

        pool = citizens()["renew"]
        if not pool:
            raise StopUser()
        person = pool.pop(0)  # one renewal of a citizen at a time; back in the pool when done
        began = time.perf_counter()
        try:
            with self.client.post("/api/v1/renewals", name="R1 challenge", catch_response=True) as response:
                if response.status_code != 201:
                    response.failure(f"{response.status_code}: {response.text[:300]}")
                    return
                challenge = response.json()
            key = serialization.load_pem_private_key(person["auth_key"].encode(), None)
            certificate = x509.load_pem_x509_certificate(person["auth_certificate"].encode())
            chain = x509.load_pem_x509_certificates(person["chain"].encode())
            cms = sign_cms(challenge["challenge"].encode(), key, certificate, chain, attached=False)
            body = {
                "signed_challenge": base64.b64encode(cms).decode(),
                "auth_csr": person["auth_csr"],
                "sign_csr": person["sign_csr"],
            }
            with self.client.post(
                f"/api/v1/renewals/{challenge['id']}", json=body, name="R2 renew", catch_response=True
            ) as response:
                if response.status_code != 201:
                    response.failure(f"{response.status_code}: {response.text[:300]}")
                    return
                person["auth_certificate"] = response.json()["auth_certificate"]
        finally:
            pool.append(person)
        events.request.fire(
            request_type="FLOW",
            name="renewal (whole)",
            response_time=(time.perf_counter() - began) * 1000,
            response_length=0,
            exception=None,
            context={},
        )
