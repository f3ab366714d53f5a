"""The cabinet's sign-in with the AUTH certificate: the signer's IIN is the one signed in, nobody else's."""

from __future__ import annotations

import base64
import re

from flow_helpers import KNOWN_IIN

from tests.eds_toolkit.certificate_renewal.renewal_helpers import enrol_and_issue


def _challenge(client) -> dict:
    page = client.get("/cabinet/login")
    assert page.status_code == 200
    assert "ws" in page.headers["Content-Security-Policy"]  # the page may talk to the agent
    token = re.search(r'data-csrf="([^"]+)"', page.get_data(as_text=True)).group(1)
    answer = client.post("/cabinet/login/challenge", headers={"X-CSRFToken": token})
    assert answer.status_code == 200
    return {**answer.get_json(), "csrf": token}


def _post(client, issued: dict, cms: str):
    return client.post(
        "/cabinet/login/certificate",
        data={"challenge_id": issued["id"], "signed_challenge": cms},
        headers={"X-CSRFToken": issued["csrf"]},
    )


def test_the_auth_key_signs_its_holder_in(client, ctx, outbox):
    holder = enrol_and_issue(client, ctx, outbox)
    client.get("/cabinet/")  # a fresh browser
    issued = _challenge(client)
    answer = _post(client, issued, holder.cms_base64(base64.b64decode(issued["challenge_base64"])))
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json() == {"ok": True, "next": "/cabinet/"}
    home = client.get("/cabinet/")
    assert home.status_code == 200
    assert holder.auth_serial in home.get_data(as_text=True)


def test_the_sign_key_a_replay_and_an_operator_challenge_do_not_sign_in(client, ctx, outbox):
    holder = enrol_and_issue(client, ctx, outbox)
    issued = _challenge(client)
    data = base64.b64decode(issued["challenge_base64"])
    signed_with_sign_key = _post(client, issued, holder.cms_base64(data, profile="sign"))
    assert signed_with_sign_key.status_code == 403
    assert signed_with_sign_key.get_json()["code"] == "not_auth_certificate"
    replay = _post(client, issued, holder.cms_base64(data))  # the challenge was spent by the first try
    assert replay.get_json()["code"] == "challenge_used"
    assert client.get("/cabinet/").status_code == 302
    # a challenge issued for the operators' console does not sign in to the cabinet
    page = client.get("/operator/login").get_data(as_text=True)
    token = re.search(r'data-csrf="([^"]+)"', page).group(1)
    console = client.post("/operator/login/challenge", headers={"X-CSRFToken": token}).get_json()
    cms = holder.cms_base64(base64.b64decode(console["challenge_base64"]))
    crossed = _post(client, {**console, "csrf": token}, cms)
    assert crossed.status_code == 404
    assert crossed.get_json()["code"] == "challenge_not_found"
    assert client.get("/cabinet/").status_code == 302


def test_a_refusal_does_not_name_the_signer(client, ctx, outbox):
    holder = enrol_and_issue(client, ctx, outbox)
    ctx.ca().store.revoke(holder.auth_serial, reason="key_compromise")
    issued = _challenge(client)
    answer = _post(client, issued, holder.cms_base64(base64.b64decode(issued["challenge_base64"])))
    assert answer.status_code == 403
    assert answer.get_json()["code"] == "certificate_revoked"
    assert KNOWN_IIN not in answer.get_data(as_text=True)
