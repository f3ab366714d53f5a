"""A cabinet session opened with the AUTH certificate lives only as long as that certificate: the thief
who signed in with a stolen key is signed out once the owner (signed in with the PIN) revokes it."""

from __future__ import annotations

import base64
import datetime as dt

from cabinet_helpers import (
    ASKAR,
    ASKAR_PHONE,
    DATA_CSRF,
    audit_events,
    citizen_with_pair,
    form_token,
    sign_in,
    sign_in_with_certificate,
    status_of,
)
from sqlalchemy import update

from ca.store import CertificateRecord
from eds_toolkit.sms import last_code_for


def _set_not_after(ctx, serial: str, moment: dt.datetime) -> None:
    with ctx.session() as session:
        session.execute(
            update(CertificateRecord).where(CertificateRecord.serial == serial).values(not_after=moment)
        )
        session.commit()


def test_the_owner_revoking_a_stolen_key_signs_the_thief_out(app, ctx, outbox):
    askar = citizen_with_pair(ctx, ASKAR, "askar")
    thief, owner = app.test_client(), app.test_client()
    sign_in_with_certificate(thief, askar)
    assert thief.get("/cabinet/").status_code == 200
    sign_in(owner, ASKAR[0])  # the PIN: the owner's way in without the key

    asked = owner.post(
        "/cabinet/revoke",
        data={
            "csrf_token": form_token(owner, "/cabinet/revoke"),
            "pair": askar.auth_serial,
            "confirm_revocation": "yes",
        },
    )
    assert asked.status_code == 302
    code = last_code_for(outbox, ASKAR_PHONE)
    token = form_token(owner, "/cabinet/revoke/code")
    assert owner.post("/cabinet/revoke/code", data={"csrf_token": token, "code": code}).status_code == 302
    assert status_of(ctx, askar.auth_serial) == ("revoked", "key_compromise")

    answer = thief.get("/cabinet/")
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/cabinet/login")
    login = thief.get("/cabinet/login").get_data(as_text=True)
    assert "the AUTH certificate you signed in with has been revoked" in login
    assert thief.get("/cabinet/revoke").status_code == 302
    assert audit_events(ctx, ASKAR[0], "cabinet_session_ended") == [("ok", "certificate_revoked")]
    # the PIN session has no certificate to lose: the owner stays signed in
    assert owner.get("/cabinet/").status_code == 200


def test_an_expired_auth_certificate_ends_the_cabinet_session(app, ctx, clock):
    askar = citizen_with_pair(ctx, ASKAR, "askar")
    _set_not_after(ctx, askar.auth_serial, clock.now() + dt.timedelta(minutes=5))
    client = app.test_client()
    sign_in_with_certificate(client, askar)
    assert client.get("/cabinet/").status_code == 200
    clock.advance(6 * 60)
    assert client.get("/cabinet/").status_code == 302
    assert "the AUTH certificate you signed in with has expired" in client.get("/cabinet/login").get_data(
        as_text=True
    )
    assert audit_events(ctx, ASKAR[0], "cabinet_session_ended") == [("ok", "certificate_expired")]


def test_renewing_in_a_certificate_session_carries_it_to_the_new_auth_certificate(app, ctx):
    """The renewal is signed with the session's AUTH key, so the session goes on with the new pair (and
    ends with the new AUTH certificate, not the superseded one)."""
    from tests.eds_toolkit.certificate_renewal.renewal_helpers import new_csrs

    askar = citizen_with_pair(ctx, ASKAR, "askar")
    client = app.test_client()
    sign_in_with_certificate(client, askar)
    token = DATA_CSRF.search(client.get("/cabinet/renew").get_data(as_text=True)).group(1)
    headers = {"Accept": "application/json", "X-CSRFToken": token}
    issued = client.post("/cabinet/renew/challenge", json={}, headers=headers).get_json()
    auth_csr, sign_csr = new_csrs("carried", iin=ASKAR[0])
    body = {
        "challenge_id": issued["id"],
        "signed_challenge": askar.cms_base64(base64.b64decode(issued["challenge_base64"])),
        "auth_csr": auth_csr,
        "sign_csr": sign_csr,
    }
    renewed = client.post("/cabinet/renew", json=body, headers=headers)
    assert renewed.status_code == 201, renewed.get_json()
    assert status_of(ctx, askar.auth_serial) == ("revoked", "superseded")

    assert client.get("/cabinet/").status_code == 200  # still signed in, now by the new pair
    assert audit_events(ctx, ASKAR[0], "cabinet_session_ended") == []
    ctx.ca().store.revoke(renewed.get_json()["auth_serial"], reason="key_compromise")
    assert client.get("/cabinet/").status_code == 302
    assert audit_events(ctx, ASKAR[0], "cabinet_session_ended") == [("ok", "certificate_revoked")]
