"""Signing out of the cabinet ends the session on the server: a copied session cookie stops working."""

from __future__ import annotations

import re

from flow_helpers import GOOD_PIN, KNOWN_IIN, api_to_pin_set

from eds_toolkit.web.context import service

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def signed_in(client) -> str:
    token = CSRF.search(client.get("/cabinet/login").get_data(as_text=True)).group(1)
    response = client.post("/cabinet/login", data={"csrf_token": token, "iin": KNOWN_IIN, "pin": GOOD_PIN})
    assert response.status_code == 302
    return client.get_cookie("eds_session").value


def test_a_copied_cookie_stops_working_after_sign_out(app, client, ctx, outbox):
    api_to_pin_set(client, ctx, outbox)
    cookie = signed_in(client)
    thief = app.test_client()
    thief.set_cookie("eds_session", cookie)
    assert thief.get("/cabinet/").status_code == 200  # the copy works while the session lives
    assert thief.get("/cabinet/chain.pem").status_code == 200
    page = client.get("/cabinet/").get_data(as_text=True)
    logout = client.post("/cabinet/logout", data={"csrf_token": CSRF.search(page).group(1)})
    assert logout.status_code == 302
    for path in ("/cabinet/", "/cabinet/chain.pem"):
        refused = thief.get(path)
        assert refused.status_code == 302 and refused.headers["Location"].endswith("/cabinet/login")


def test_signing_out_one_session_keeps_another_device_signed_in(app, client, ctx, outbox):
    api_to_pin_set(client, ctx, outbox)
    signed_in(client)
    other = app.test_client()
    signed_in(other)
    page = client.get("/cabinet/").get_data(as_text=True)
    client.post("/cabinet/logout", data={"csrf_token": CSRF.search(page).group(1)})
    assert client.get("/cabinet/").status_code == 302
    assert other.get("/cabinet/").status_code == 200


def test_a_session_ends_after_its_lifetime(client, ctx, outbox, clock, app):
    api_to_pin_set(client, ctx, outbox)
    signed_in(client)
    assert client.get("/cabinet/").status_code == 200
    clock.advance(service(app).settings.enrolment_ttl + 1)
    assert client.get("/cabinet/").status_code == 302
