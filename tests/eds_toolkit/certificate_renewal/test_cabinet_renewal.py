"""The cabinet's renewal page (/cabinet/renew): the signed-in citizen renews their own pair.

The browser's part (eds agent signing and making keys) is the real-Chromium test in
tests/e2e/test_cabinet_renewal.py; here the page's JSON steps are driven as its script drives them.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import re

from cabinet_helpers import (
    AIGERIM,
    DATA_CSRF,
    audit_events,
    certificate_count,
    citizen_with_pair,
    form_token,
    sign_in,
    status_of,
)
from cryptography import x509
from flow_helpers import KNOWN_IIN
from renewal_helpers import new_csrs

RENEWAL_LINK = re.compile(r'<p id="renewal-link" class="([^"]*)" data-due="(true|false)">')


def page_token(client) -> str:
    page = client.get("/cabinet/renew")
    assert page.status_code == 200
    return DATA_CSRF.search(page.get_data(as_text=True)).group(1)


def post_json(client, path: str, body: dict | None = None, token: str | None = None):
    headers = {"Accept": "application/json"}
    if token is not None:
        headers["X-CSRFToken"] = token
    return client.post(path, json=body or {}, headers=headers)


def challenge_data(client, token: str) -> tuple[str, bytes]:
    """(the challenge's id, the bytes to sign), as the page's script gets them."""
    answer = post_json(client, "/cabinet/renew/challenge", token=token)
    assert answer.status_code == 201, answer.get_data(as_text=True)
    return answer.get_json()["id"], base64.b64decode(answer.get_json()["challenge_base64"])


def renew(client, token: str, challenge_id: str, cms: str, generation: str = "second"):
    auth_csr, sign_csr = new_csrs(generation)
    body = {"challenge_id": challenge_id, "signed_challenge": cms, "auth_csr": auth_csr, "sign_csr": sign_csr}
    return post_json(client, "/cabinet/renew", body, token)


def test_the_page_shows_the_pair_and_renews_it_in_the_cabinet(client, ctx, holder):
    sign_in(client, KNOWN_IIN)
    page = client.get("/cabinet/renew").get_data(as_text=True)
    assert holder.auth_serial in page and holder.sign_serial in page
    assert "GMT+05:00" in page, "expiry in the service's local time (Asia/Almaty)"
    assert f'data-request-id="renewal-{holder.auth_serial}"' in page
    assert f'data-iin="{KNOWN_IIN}"' in page and 'data-surname="' in page
    assert "data-unsaved-request-id" not in page
    token = DATA_CSRF.search(page).group(1)

    challenge_id, data = challenge_data(client, token)
    answer = renew(client, token, challenge_id, holder.cms_base64(data))

    assert answer.status_code == 201, answer.get_json()
    body = answer.get_json()
    assert sorted(body["superseded_serials"]) == sorted([holder.auth_serial, holder.sign_serial])
    new_auth = x509.load_pem_x509_certificate(body["auth_certificate"].encode())
    assert new_auth.subject == holder.auth.subject
    assert status_of(ctx, holder.auth_serial) == ("revoked", "superseded")
    assert status_of(ctx, holder.sign_serial) == ("revoked", "superseded")
    assert status_of(ctx, body["auth_serial"]) == ("valid", None)
    home = client.get("/cabinet/").get_data(as_text=True)
    old_row = re.search(rf'<tr data-serial="{holder.auth_serial}">.*?</tr>', home).group(0)
    assert "status-revoked" in old_row and "Replaced by a new pair" in old_row
    assert "Certificates renewed" in home  # the history

    # Opened again before the agent saved the pair, the page offers to save it, not to renew it.
    again = client.get("/cabinet/renew").get_data(as_text=True)
    assert f'data-unsaved-request-id="renewal-{holder.auth_serial}"' in again
    unsaved = json.loads(re.search(r"data-unsaved='([^']+)'", again).group(1))
    assert (unsaved["auth_serial"], unsaved["sign_serial"]) == (body["auth_serial"], body["sign_serial"])
    assert f'data-request-id="renewal-{body["auth_serial"]}"' in again


def test_another_persons_auth_certificate_is_refused_and_nothing_is_issued(client, ctx, holder):
    aigerim = citizen_with_pair(ctx, AIGERIM, "aigerim")
    sign_in(client, KNOWN_IIN)
    token = page_token(client)
    before = certificate_count(ctx)

    challenge_id, data = challenge_data(client, token)
    answer = renew(client, token, challenge_id, aigerim.cms_base64(data))

    assert answer.status_code == 403
    assert answer.mimetype == "application/problem+json"
    assert answer.get_json()["code"] == "not_holders_certificate"
    assert "another person" in answer.get_json()["detail"]
    assert certificate_count(ctx) == before
    for serial in (aigerim.auth_serial, aigerim.sign_serial, holder.auth_serial, holder.sign_serial):
        assert status_of(ctx, serial) == ("valid", None)
    assert audit_events(ctx, KNOWN_IIN, "renewal") == [("refused", "not_holders_certificate")]
    assert audit_events(ctx, AIGERIM[0], "renewal") == []


def test_a_challenge_is_tried_once(client, ctx, holder):
    sign_in(client, KNOWN_IIN)
    token = page_token(client)
    challenge_id, data = challenge_data(client, token)
    with_sign_key = renew(client, token, challenge_id, holder.cms_base64(data, profile="sign"))
    assert (with_sign_key.status_code, with_sign_key.get_json()["code"]) == (403, "not_auth_certificate")

    replay = renew(client, token, challenge_id, holder.cms_base64(data))  # the right key, the spent challenge

    assert (replay.status_code, replay.get_json()["code"]) == (409, "challenge_not_found")
    auth_csr, sign_csr = new_csrs()
    over_the_api = client.post(
        f"/api/v1/renewals/{challenge_id}",
        json={"signed_challenge": holder.cms_base64(data), "auth_csr": auth_csr, "sign_csr": sign_csr},
    )
    assert (over_the_api.status_code, over_the_api.get_json()["code"]) == (409, "challenge_used")
    assert status_of(ctx, holder.auth_serial) == ("valid", None)


def test_posts_need_the_page_csrf_token_and_the_cabinet_session(client, ctx, holder, clock):
    signed_out = post_json(client, "/cabinet/renew/challenge", token=form_token(client, "/cabinet/login"))
    assert signed_out.status_code == 401 and signed_out.get_json()["code"] == "cabinet_signed_out"

    sign_in(client, KNOWN_IIN)
    token = page_token(client)
    without_token = post_json(client, "/cabinet/renew/challenge")
    assert without_token.status_code == 400 and not without_token.is_json  # Flask-WTF's refusal page
    forged = post_json(client, "/cabinet/renew/challenge", token="forged")
    assert forged.status_code == 400

    challenge_id, data = challenge_data(client, token)
    clock.advance(3601)  # the cabinet session (one hour) has ended
    after_sign_out = renew(client, token, challenge_id, holder.cms_base64(data))
    assert after_sign_out.status_code == 401
    assert status_of(ctx, holder.auth_serial) == ("valid", None)


def test_no_valid_auth_certificate_means_nothing_to_renew(client, ctx, holder, clock):
    clock.advance((holder.auth.not_valid_after_utc - clock.now()).total_seconds() + 60)
    sign_in(client, KNOWN_IIN)
    token = form_token(client, "/cabinet/")

    page = client.get("/cabinet/renew").get_data(as_text=True)
    answer = post_json(client, "/cabinet/renew/challenge", token=token)

    assert 'id="nothing-to-renew"' in page and 'id="agent"' not in page
    assert (answer.status_code, answer.get_json()["code"]) == (409, "nothing_to_renew")
    assert 'id="renewal-link"' not in client.get("/cabinet/").get_data(as_text=True)


def test_the_cabinet_highlights_renewal_within_30_days_of_expiry(client, ctx, holder, clock):
    sign_in(client, KNOWN_IIN)
    home = client.get("/cabinet/").get_data(as_text=True)
    assert RENEWAL_LINK.search(home).groups() == ("", "false")
    assert 'href="/cabinet/renew"' in home

    until_expiry = holder.auth.not_valid_after_utc - clock.now()
    clock.advance((until_expiry - dt.timedelta(days=30, minutes=1)).total_seconds())
    sign_in(client, KNOWN_IIN)  # the first session has ended meanwhile
    home = client.get("/cabinet/").get_data(as_text=True)
    assert RENEWAL_LINK.search(home).groups() == ("", "false"), "30 days and a minute left: not yet"
    clock.advance(120)
    home = client.get("/cabinet/").get_data(as_text=True)
    assert RENEWAL_LINK.search(home).groups() == ("warning", "true")
    assert "renew it now" in home
    assert 'id="renewal-due"' in client.get("/cabinet/renew").get_data(as_text=True)


def test_a_refusal_is_told_in_the_page_language(client, ctx, holder):
    aigerim = citizen_with_pair(ctx, AIGERIM, "aigerim-ru")
    sign_in(client, KNOWN_IIN)
    client.get("/language/ru?next=/cabinet/renew")
    token = page_token(client)

    challenge_id, data = challenge_data(client, token)
    answer = renew(client, token, challenge_id, aigerim.cms_base64(data))

    assert answer.get_json()["code"] == "not_holders_certificate"
    assert "другому человеку" in answer.get_json()["detail"]


def test_a_challenge_this_browser_did_not_ask_for_is_refused_two_tabs_each_use_their_own(client, ctx, holder):
    sign_in(client, KNOWN_IIN)
    token = page_token(client)
    from_the_api = client.post("/api/v1/renewals").get_json()
    data = base64.b64decode(from_the_api["challenge_base64"])
    foreign = renew(client, token, from_the_api["id"], holder.cms_base64(data))
    assert (foreign.status_code, foreign.get_json()["code"]) == (409, "challenge_not_found")

    first_tab, second_tab = challenge_data(client, token), challenge_data(client, token)
    renewed = renew(client, token, first_tab[0], holder.cms_base64(first_tab[1]))
    late = renew(client, token, second_tab[0], holder.cms_base64(second_tab[1]), generation="third")

    assert renewed.status_code == 201, renewed.get_json()
    assert (late.status_code, late.get_json()["code"]) == (403, "certificate_revoked"), "one renewal per pair"
    assert status_of(ctx, holder.auth_serial) == ("revoked", "superseded")
