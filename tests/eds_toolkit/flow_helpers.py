"""Helpers for the citizen-service tests: demo citizens, settings, walking an enrolment through the API."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace
from pathlib import Path

from cryptography.hazmat.primitives import serialization

from eds_toolkit.clock import FrozenClock
from eds_toolkit.settings import Settings
from eds_toolkit.sms import OutboxGateway, last_code_for
from eds_toolkit.sms import read_outbox as sms_outbox
from eds_toolkit.sms.dispatcher import wait_for_all_deliveries
from eds_toolkit.web.context import service
from tests.e2e.services import free_port as free_port  # the harness's; re-exported for these suites

TESTDATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "testdata"

KNOWN_IIN = "850314312017"  # demo citizen with a phone in the base
KNOWN_PHONE = "+77011234567"
NO_PHONE_IIN = "010130555049"  # demo citizen without a phone
UNKNOWN_IIN = "900101300017"  # valid check digit, not in the demo set
NEW_PHONE = "+77019998877"
GOOD_PIN = "385927"
GOOD_PASSWORD = "Tulpar-Kokpar-2026"


def frozen_clock() -> FrozenClock:
    return FrozenClock(dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC))


def make_settings(home: Path, clock: FrozenClock, **overrides) -> Settings:
    values = dict(
        home=home,
        database_url=f"sqlite:///{home / 'eds.sqlite3'}",
        secret_key="test-secret-key-0123456789abcdef",
        sms_gateway="outbox",
        create_test_ca=True,
        load_demo_citizens=True,
        ratelimit_enabled=False,
        secure_cookies=False,
        clock=clock,
        sms=OutboxGateway(home / "outbox.jsonl", clock=clock),
    )
    values.update(overrides)
    return Settings(**values)


def change_identification(app, **changes) -> None:
    """Change a running test app's identification settings (``Settings.identify`` of its one Settings)."""
    running = service(app)
    running.settings = replace(running.settings, identify=replace(running.settings.identify, **changes))


def wait_for_sms() -> None:
    """Wait until every SMS the steps so far handed to a delivery worker has been sent (or undone)."""
    assert wait_for_all_deliveries(), "SMS deliveries still running after 60 s"


def read_outbox(outbox: Path) -> list[dict]:
    """The outbox once every queued SMS was delivered (starts and resends send after their answer)."""
    wait_for_sms()
    return sms_outbox(outbox)


def code_for(outbox: Path, phone: str) -> str:
    """The latest code sent to ``phone``, once the SMS queued by the steps so far were delivered."""
    wait_for_sms()
    code = last_code_for(outbox, phone)
    assert code is not None, f"no SMS to {phone} in the outbox"
    return code


@dataclass
class ApiEnrolment:
    """An enrolment driven through the JSON API by the test client."""

    client: object
    id: str
    token: str

    @property
    def auth(self) -> dict:
        return {"Authorization": f"Bearer {self.token}"}

    def post(self, step: str, body: dict | None = None):
        return self.client.post(f"/api/v1/enrolments/{self.id}/{step}", json=body or {}, headers=self.auth)

    def state(self) -> str:
        return self.client.get(f"/api/v1/enrolments/{self.id}", headers=self.auth).get_json()["state"]


def api_start(client, iin: str = KNOWN_IIN) -> ApiEnrolment:
    response = client.post("/api/v1/enrolments", json={"iin": iin})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    return ApiEnrolment(client, body["id"], body["token"])


def api_to_pin_set(
    client, ctx, outbox: Path, iin: str = KNOWN_IIN, *, confirm_application: bool = True
) -> ApiEnrolment:
    """Start, confirm the code, identify through the library, set the PIN, confirm the application
    shown for review (unless ``confirm_application`` is False): ready for the certificates."""
    from tests.evidence_free import mark_identified

    enrolment = api_start(client, iin)
    assert enrolment.post("code", {"code": code_for(outbox, KNOWN_PHONE)}).status_code == 200
    mark_identified(ctx, enrolment.id)
    assert enrolment.post("pin", {"pin": GOOD_PIN, "pin_confirmation": GOOD_PIN}).status_code == 200
    if confirm_application:
        assert enrolment.post("application/confirm").status_code == 200
    return enrolment


CSRF_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf(client, path: str) -> str:
    """The CSRF token of the form on page ``path``."""
    page = client.get(path)
    assert page.status_code == 200
    match = CSRF_TOKEN.search(page.get_data(as_text=True))
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def submit(client, page: str, action: str, **fields):
    """Post the form of ``page`` to ``action`` as a browser does (with its CSRF token)."""
    return client.post(action, data={"csrf_token": csrf(client, page), **fields})


def make_csr_pem(iin: str, surname: str = "Anybody", given_name: str = "Else") -> bytes:
    from keystore.csr import build_csr
    from keystore.keys import generate_private_key

    key = generate_private_key("rsa2048")
    csr = build_csr(key, iin=iin, surname=surname, given_name=given_name)
    return csr.public_bytes(serialization.Encoding.PEM)


def wait_until_answers(url: str, process, timeout: float = 60.0) -> None:
    """Poll ``url`` until it answers; fail with the process's output if it dies or never answers."""
    import time

    import requests

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = process.stdout.read() if process.stdout else ""
            raise AssertionError(f"server exited with {process.returncode}:\n{output}")
        try:
            requests.get(url, timeout=5)
            return
        except requests.RequestException:  # not listening yet, or still starting up
            time.sleep(0.1)
    raise AssertionError(f"{url} did not answer within {timeout} s")


def race(calls: int, step) -> list[str]:
    """Run ``step()`` from ``calls`` threads released together; each outcome is "ok" or the refusal code."""
    import threading

    from eds_toolkit.core.refusals import Refusal

    barrier = threading.Barrier(calls)
    outcomes: list[str] = []

    def run() -> None:
        barrier.wait()
        try:
            step()
            outcomes.append("ok")
        except Refusal as error:
            outcomes.append(error.code)

    threads = [threading.Thread(target=run) for _ in range(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


SURNAMES = (
    "Абаев",
    "Бекова",
    "Жанов",
    "Исаева",
    "Нұров",
    "Оспанова",
    "Сейтов",
    "Төлеева",
    "Ұзақов",
    "Шаяхметова",
)


def citizens_csv(directory: Path, count: int) -> list[tuple[str, str]]:
    """``count`` citizens with phones and a state photo (each start needs its own IIN: a second start of
    one IIN within a minute sends no SMS), written to ``directory/citizens.csv`` as `eds citizens import`
    reads it; their (IIN, phone)."""
    import shutil

    from national_profile.iin import make_iin
    from tests.testdata import shared_file

    people = [(make_iin(dt.date(1980, 1, 1 + n), "F", 100 + n), f"+7701555{n:04d}") for n in range(count)]
    shutil.copy(shared_file("faces/liveportrait_person_d18.jpg"), directory / "face.jpg")
    rows = ["iin,surname,given_name,patronymic,birth_date,phone,photo"]
    rows += [
        f"{iin},{SURNAMES[n % len(SURNAMES)]},Айым,,1980-01-{1 + n:02d},{phone},face.jpg"
        for n, (iin, phone) in enumerate(people)
    ]
    (directory / "citizens.csv").write_text("\n".join(rows) + "\n")
    return people
