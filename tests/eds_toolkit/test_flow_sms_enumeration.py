"""Starts and resends answer alike whether or not the IIN has a phone in the base (no enumeration), and
the per-IIN start limit is one budget for the pages and the JSON API together."""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass, field

import pytest
from flow_helpers import KNOWN_IIN, NO_PHONE_IIN, ApiEnrolment, frozen_clock, make_settings, read_outbox

from eds_toolkit.web import create_app
from eds_toolkit.web.context import service

CSRF = re.compile(r'name="csrf_token" value="[^"]*"')

# (what, argument): ("start", "api"|"html") starts a new enrolment through that channel; ("resend", i)
# asks for a new code for the i-th enrolment started, through its channel; ("wait", seconds).
SEQUENCES = {
    "start, start, resend the second now": [("start", "api"), ("start", "api"), ("resend", 1)],
    "start, start, resend the first after 30 s": [
        ("start", "html"),
        ("start", "html"),
        ("wait", 30),
        ("resend", 0),
    ],
    # today the second start's SMS throttles the phone, and only an IIN with a phone is refused
    "start, start after 61 s, resend the first": [
        ("start", "api"),
        ("wait", 61),
        ("start", "api"),
        ("resend", 0),
        ("wait", 30),
        ("resend", 1),
    ],
    "the same through the pages": [
        ("start", "html"),
        ("wait", 61),
        ("start", "html"),
        ("resend", 0),
        ("wait", 30),
        ("resend", 1),
    ],
    "pages and API mixed, resends over an hour": [
        ("start", "html"),
        ("start", "api"),
        ("wait", 61),
        ("resend", 0),
        ("resend", 1),
        ("wait", 61),
        ("resend", 1),
        ("resend", 0),
        ("wait", 61),
        ("resend", 0),
        ("wait", 61),
        ("resend", 0),
        ("resend", 1),
        ("wait", 61),
        ("resend", 0),
        ("wait", 61),
        ("resend", 0),
    ],
}


@dataclass
class Citizen:
    """One IIN's side of a replay: its app, and the enrolments started (a page client or an API one)."""

    app: object
    clock: object
    iin: str
    started: list[tuple[str, object]] = field(default_factory=list)

    def step(self, what: str, argument: object) -> tuple | None:
        """Do one step of a sequence; the answer as it can be compared between two IINs."""
        if what == "wait":
            self.clock.advance(argument)
            return None
        if what == "start" and argument == "api":
            client = self.app.test_client()
            response = client.post("/api/v1/enrolments", json={"iin": self.iin})
            body = response.get_json()
            if response.status_code == 201:
                self.started.append(("api", ApiEnrolment(client, body["id"], body["token"])))
            return answer("api start", response, {k: v for k, v in body.items() if k not in ("id", "token")})
        if what == "start":
            client = self.app.test_client()
            response = client.post("/start", data={"csrf_token": csrf(client, "/"), "iin": self.iin})
            self.started.append(("html", client))
            return answer("page start", response, page_text(response))
        channel, handle = self.started[argument]
        if channel == "api":
            response = handle.post("code/resend")
            return answer("api resend", response, without_id(response.get_json()))
        response = handle.post("/code/resend", data={"csrf_token": csrf(handle, "/code")})
        return answer("page resend", response, page_text(response))


def csrf(client, path: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).get_data(as_text=True)).group(1)


def page_text(response) -> str:
    return CSRF.sub("", response.get_data(as_text=True))


def without_id(body: dict) -> dict:
    return {k: v for k, v in body.items() if k != "id"}


def answer(label: str, response, body: object) -> tuple:
    """What two answers must share: status, Retry-After, where they lead (the new id aside) and body."""
    location = re.sub(r"/enrolments/[^/]+", "/enrolments/<id>", response.headers.get("Location", ""))
    return (label, response.status_code, response.headers.get("Retry-After"), location, body)


def citizen(tmp_path, ca_template, name: str, iin: str) -> Citizen:
    home = tmp_path / name
    home.mkdir()
    shutil.copytree(ca_template, home / "ca")
    clock = frozen_clock()
    return Citizen(create_app(make_settings(home, clock)), clock, iin)


def test_every_sequence_of_starts_and_resends_answers_alike_with_and_without_a_phone(tmp_path, ca_template):
    with_phone = citizen(tmp_path, ca_template, "with-phone", KNOWN_IIN)
    without_phone = citizen(tmp_path, ca_template, "without-phone", NO_PHONE_IIN)
    seen = []
    for name, sequence in SEQUENCES.items():
        for what, argument in sequence:
            answers = [c.step(what, argument) for c in (with_phone, without_phone)]
            assert answers[0] == answers[1], f"{name}: {what} {argument} answered differently"
            seen.append(answers[0])
        for c in (with_phone, without_phone):
            c.clock.advance(2 * 3600)  # every throttle is free again
            c.started.clear()
    statuses = {(label, status) for label, status, *_ in filter(None, seen)}
    # the sequences did reach the throttles, on both channels
    assert {("api resend", 429), ("page resend", 429), ("api resend", 202), ("page resend", 200)} <= statuses
    sent = read_outbox(service(with_phone.app).settings.home / "outbox.jsonl")
    assert sent and read_outbox(service(without_phone.app).settings.home / "outbox.jsonl") == []


@pytest.mark.parametrize("eleventh", ["api", "html"])
def test_the_per_iin_start_limit_is_one_budget_for_the_pages_and_the_api(home, clock, eleventh):
    app = create_app(make_settings(home, clock, ratelimit_enabled=True, ratelimit_per_iin="10/hour"))
    citizen = Citizen(app, clock, KNOWN_IIN)
    statuses = [citizen.step("start", "api" if turn % 2 else "html")[1] for turn in range(10)]
    assert statuses == [302, 201] * 5
    assert citizen.step("start", eleventh)[1] == 429
    # another IIN still starts, on either
    assert Citizen(app, clock, NO_PHONE_IIN).step("start", eleventh)[1] in (201, 302)
