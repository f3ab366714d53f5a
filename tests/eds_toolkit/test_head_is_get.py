"""HEAD is only ever a GET: no view runs its POST branch for HEAD, which has no CSRF check and no rate limit.

The attacker sends ``HEAD /pin`` (or ``/phone/confirm``, ``/cabinet/login``) with a form body: Flask adds
HEAD to every GET route, Flask-WTF checks CSRF on POST only and the limits count POSTs only, so a view
that tests ``request.method == "GET"`` and treats everything else as the POST ran its POST branch
unchecked (a PIN was set, a cabinet session opened, an argon2id paid for).
"""

from __future__ import annotations

import pytest
from flow_helpers import (
    GOOD_PIN,
    KNOWN_IIN,
    NEW_PHONE,
    api_to_pin_set,
    code_for,
    submit,
)
from werkzeug.routing import IntegerConverter

from eds_toolkit import pin as pin_module
from eds_toolkit.flow import describe
from eds_toolkit.flow.cabinet_models import CabinetSession
from tests.evidence_free import mark_identified

PIN_FORM = {"pin": GOOD_PIN, "pin_confirmation": GOOD_PIN}


class CountingHasher:
    """The PIN hasher, counting every argon2id it computes."""

    def __init__(self, real) -> None:
        self.real, self.calls = real, 0

    def hash(self, *args, **kwargs):
        self.calls += 1
        return self.real.hash(*args, **kwargs)

    def verify(self, *args, **kwargs):
        self.calls += 1
        return self.real.verify(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(self.real, name)


@pytest.fixture
def argon2(monkeypatch) -> CountingHasher:
    counting = CountingHasher(pin_module._HASHER)
    monkeypatch.setattr(pin_module, "_HASHER", counting)
    return counting


def enrolment_in_browser(client) -> str:
    with client.session_transaction() as session:
        return session["enrolment_id"]


def cabinet_sessions(ctx) -> int:
    with ctx.session() as session:
        return session.query(CabinetSession).count()


def test_head_on_pin_sets_no_pin_and_costs_no_argon2(client, ctx, outbox, argon2):
    submit(client, "/", "/start", iin=KNOWN_IIN)
    submit(client, "/code", "/code", code=code_for(outbox, "+77011234567"))
    enrolment = enrolment_in_browser(client)
    mark_identified(ctx, enrolment)
    before = argon2.calls

    response = client.head("/pin", data=PIN_FORM)

    assert response.status_code == 200 and response.data == b""
    assert describe(ctx, enrolment).state == "face_matched", "HEAD set the PIN"
    assert argon2.calls == before


def test_head_on_phone_confirm_confirms_nothing(client, ctx, outbox):
    submit(client, "/", "/start", iin=KNOWN_IIN)
    submit(client, "/phone", "/phone", phone=NEW_PHONE)
    enrolment = enrolment_in_browser(client)

    response = client.head("/phone/confirm", data={"code": code_for(outbox, NEW_PHONE)})

    assert response.status_code == 200
    assert describe(ctx, enrolment).state == "started", "HEAD confirmed the new phone"


def test_head_on_cabinet_login_opens_no_session_and_costs_no_argon2(client, ctx, outbox, argon2):
    api_to_pin_set(client, ctx, outbox)
    client.delete_cookie("eds_session")
    before = argon2.calls

    response = client.head("/cabinet/login", data={"iin": KNOWN_IIN, "pin": GOOD_PIN})

    assert response.status_code == 200
    assert cabinet_sessions(ctx) == 0, "HEAD opened a cabinet session"
    assert argon2.calls == before
    assert client.get("/cabinet/").status_code == 302  # still signed out


def test_no_route_serves_get_and_post_in_one_view(app):
    """A view that serves GET and POST must branch on the method, and HEAD falls into the wrong branch."""
    both = [rule.rule for rule in app.url_map.iter_rules() if {"GET", "POST"} <= (rule.methods or set())]
    assert both == []


def test_head_on_every_address_changes_nothing_and_never_fails(app, client, ctx, outbox, argon2):
    """Every rule answers HEAD with a form body as its GET does: no 5xx, no state changed, no argon2."""
    enrolment = api_to_pin_set(client, ctx, outbox, confirm_application=False)
    with client.session_transaction() as session:
        session["enrolment_id"] = enrolment.id
    form = {**PIN_FORM, "iin": KNOWN_IIN, "code": "123456", "phone": NEW_PHONE, "password": "x" * 12}
    before = (describe(ctx, enrolment.id).state, cabinet_sessions(ctx), argon2.calls)

    for rule in app.url_map.iter_rules():
        if "HEAD" not in (rule.methods or set()):
            continue
        converters = rule._converters  # werkzeug's own: <int:...> arguments get a number
        values = {
            name: 1 if isinstance(converters[name], IntegerConverter) else "auth" for name in rule.arguments
        }
        path = app.url_map.bind("localhost").build(rule.endpoint, values, force_external=False)
        response = client.head(path, data=form)
        assert response.status_code < 500, (rule.rule, response.status_code)

    after = (describe(ctx, enrolment.id).state, cabinet_sessions(ctx), argon2.calls)
    assert after == before
    assert describe(ctx, enrolment.id).application_confirmed is False
