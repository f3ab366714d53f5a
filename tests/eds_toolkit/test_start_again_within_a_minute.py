"""The IIN typed again within a minute: no second SMS, and the page says so truthfully, in the same bytes
(CSRF tokens aside) for an IIN with a phone in the base, one without, and one not in the base."""

from __future__ import annotations

import re
import shutil

import pytest
from flow_helpers import KNOWN_IIN, NO_PHONE_IIN, UNKNOWN_IIN, csrf, frozen_clock, make_settings, read_outbox

from eds_toolkit.web import create_app
from eds_toolkit.web.context import service

CSRF = re.compile(r'(name="csrf_token" value="|data-csrf=")[^"]*"')
IINS = {"with a phone": KNOWN_IIN, "without a phone": NO_PHONE_IIN, "not in the base": UNKNOWN_IIN}


def app_for(tmp_path, ca_template, name: str):
    home = tmp_path / name
    home.mkdir()
    shutil.copytree(ca_template, home / "ca")
    clock = frozen_clock()
    return create_app(make_settings(home, clock)), clock


def start(client, iin: str):
    return client.post("/start", data={"csrf_token": csrf(client, "/"), "iin": iin})


def bytes_apart_from_tokens(response) -> tuple[int, str, str]:
    return (
        response.status_code,
        response.headers.get("Location", ""),
        CSRF.sub("", response.get_data(as_text=True)),
    )


@pytest.fixture
def apps(tmp_path, ca_template):
    return {name: app_for(tmp_path, ca_template, name.replace(" ", "-")) for name in IINS}


def test_the_same_iin_again_in_the_same_browser_is_told_the_code_was_sent_alike_for_every_iin(apps):
    answers = {}
    for name, iin in IINS.items():
        app, clock = apps[name]
        client = app.test_client()
        assert start(client, iin).status_code == 302
        clock.advance(20)
        again = start(client, iin)
        answers[name] = bytes_apart_from_tokens(again)
        assert again.status_code == 200
        assert "A code was sent less than a minute ago: use it, or wait 40 seconds to ask for a new one." in (
            again.get_data(as_text=True)
        )
    assert len(set(answers.values())) == 1, "the answers tell the IINs apart"
    sent = read_outbox(service(apps["with a phone"][0]).settings.home / "outbox.jsonl")
    assert len(sent) == 1  # one SMS, not two


def test_the_code_typed_after_starting_again_still_works(apps):
    from flow_helpers import KNOWN_PHONE, code_for

    app, clock = apps["with a phone"]
    client = app.test_client()
    start(client, KNOWN_IIN)
    clock.advance(10)
    start(client, KNOWN_IIN)
    outbox = service(app).settings.home / "outbox.jsonl"
    answer = client.post(
        "/code", data={"csrf_token": csrf(client, "/code"), "code": code_for(outbox, KNOWN_PHONE)}
    )
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/identification")


def test_the_same_iin_from_another_browser_within_a_minute_is_told_alike_for_every_iin(apps):
    answers = {}
    for name, iin in IINS.items():
        app, clock = apps[name]
        start(app.test_client(), iin)
        clock.advance(15)
        other = app.test_client()
        assert start(other, iin).status_code == 302
        page = other.get("/code")
        answers[name] = bytes_apart_from_tokens(page)
        assert "so no new one was sent. Wait 45 seconds, then ask for a new code here." in page.get_data(
            as_text=True
        )
        clock.advance(46)
        assert "no new one was sent" not in other.get("/code").get_data(as_text=True)
    assert len(set(answers.values())) == 1, "the answers tell the IINs apart"


def test_after_a_minute_the_same_iin_starts_a_new_enrolment(apps):
    app, clock = apps["with a phone"]
    client = app.test_client()
    start(client, KNOWN_IIN)
    clock.advance(61)
    again = start(client, KNOWN_IIN)
    assert again.status_code == 302 and again.headers["Location"].endswith("/code")
    assert len(read_outbox(service(app).settings.home / "outbox.jsonl")) == 2
