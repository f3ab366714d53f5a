"""A citizen revokes their own pair from the cabinet (lost or stolen key), confirmed with an SMS code.

The pages (/cabinet/revoke) are driven as a browser does; the library (eds_toolkit.flow.self_revocation)
directly where a page cannot reach (another session's request). The CRL and OCSP are read from the
service's own /pki endpoints.
"""

from __future__ import annotations

import re

import pytest
from cabinet_helpers import (
    AIGERIM,
    AIGERIM_PHONE,
    ASKAR,
    ASKAR_PHONE,
    audit_events,
    citizen_with_pair,
    form_token,
    sign_in,
    status_of,
)
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp
from flow_helpers import NO_PHONE_IIN, make_settings
from sms_gateways import SwitchableGateway

from eds_toolkit.core.refusals import NotFound
from eds_toolkit.flow import self_revocation
from eds_toolkit.sms import OutboxGateway, last_code_for, read_outbox
from eds_toolkit.web import create_app
from eds_toolkit.web.context import service

ERROR = re.compile(r'<p class="error" role="alert" id="page-error"[^>]*>([^<]*)</p>')


def ask_for_code(client, pair_key: str, confirm: bool = True):
    form = {"csrf_token": form_token(client, "/cabinet/revoke"), "pair": pair_key}
    if confirm:
        form["confirm_revocation"] = "yes"
    return client.post("/cabinet/revoke", data=form)


def enter_code(client, code: str):
    return client.post(
        "/cabinet/revoke/code", data={"csrf_token": form_token(client, "/cabinet/"), "code": code}
    )


def error_on(answer) -> str:
    match = ERROR.search(answer.get_data(as_text=True))
    assert match, "the page shows no error"
    return match.group(1)


def ocsp_status(client, ctx, certificate: x509.Certificate) -> ocsp.OCSPCertStatus:
    issuer = ctx.ca().issuing_cert
    request = ocsp.OCSPRequestBuilder().add_certificate(certificate, issuer, hashes.SHA1()).build()
    answer = client.post(
        "/pki/ocsp",
        data=request.public_bytes(serialization.Encoding.DER),
        headers={"Content-Type": "application/ocsp-request"},
    )
    return ocsp.load_der_ocsp_response(answer.data).certificate_status


def other_code(code: str) -> str:
    return "000000" if code != "000000" else "111111"


def test_a_lost_pair_is_revoked_with_the_code_sent_to_the_phone_on_record(client, ctx, outbox):
    askar = citizen_with_pair(ctx, ASKAR, "askar")
    sign_in(client, ASKAR[0])
    home = client.get("/cabinet/").get_data(as_text=True)
    assert 'href="/cabinet/revoke"' in home
    choose = client.get("/cabinet/revoke").get_data(as_text=True)
    assert f'value="{askar.auth_serial}"' in choose and askar.sign_serial in choose
    assert ocsp_status(client, ctx, askar.auth) == ocsp.OCSPCertStatus.GOOD

    asked = ask_for_code(client, askar.auth_serial)

    assert asked.status_code == 302 and asked.headers["Location"].endswith("/cabinet/revoke/code")
    sms = read_outbox(outbox)[-1]
    assert sms["phone"].endswith(ASKAR_PHONE[-10:]) and "revoke" in sms["text"]
    code_page = client.get("/cabinet/revoke/code").get_data(as_text=True)
    assert askar.auth_serial in code_page and askar.sign_serial in code_page

    done = enter_code(client, last_code_for(outbox, ASKAR_PHONE))

    assert done.status_code == 302 and done.headers["Location"].endswith("/cabinet/")
    assert status_of(ctx, askar.auth_serial) == ("revoked", "key_compromise")
    assert status_of(ctx, askar.sign_serial) == ("revoked", "key_compromise")
    home = client.get("/cabinet/").get_data(as_text=True)
    assert "Your certificates are revoked" in home
    for serial in (askar.auth_serial, askar.sign_serial):
        row = re.search(rf'<tr data-serial="{serial}">.*?</tr>', home).group(0)
        assert "status-revoked" in row and "Key lost or stolen" in row
    assert "Certificates revoked at your request: key lost or stolen" in home
    assert 'href="/cabinet/revoke"' not in home and 'href="/cabinet/renew"' not in home
    assert audit_events(ctx, ASKAR[0], "self_revocation_code") == [("ok", None)]
    assert audit_events(ctx, ASKAR[0], "self_revocation") == [("ok", "key_lost")]

    assert ocsp_status(client, ctx, askar.auth) == ocsp.OCSPCertStatus.REVOKED
    assert ocsp_status(client, ctx, askar.sign) == ocsp.OCSPCertStatus.REVOKED
    crl = x509.load_der_x509_crl(client.get("/pki/crl").data)
    for certificate in (askar.auth, askar.sign):
        entry = crl.get_revoked_certificate_by_serial_number(certificate.serial_number)
        assert entry is not None
        reason = entry.extensions.get_extension_for_class(x509.CRLReason).value.reason
        assert reason == x509.ReasonFlags.key_compromise


def test_a_session_of_one_citizen_never_revokes_anothers_serial(app, client, ctx, outbox):
    askar = citizen_with_pair(ctx, ASKAR, "askar")
    aigerim = citizen_with_pair(ctx, AIGERIM, "aigerim")
    sign_in(client, ASKAR[0])
    sent_before = len(read_outbox(outbox))

    for serial in (aigerim.auth_serial, aigerim.sign_serial, "41:" + aigerim.auth_serial[-6:], "nonsense"):
        refused = ask_for_code(client, serial)
        assert refused.status_code == 404
        assert "None of your valid certificates has this serial number" in error_on(refused)
    assert len(read_outbox(outbox)) == sent_before, "no code may go anywhere"
    assert audit_events(ctx, ASKAR[0], "self_revocation_code") == [("refused", "certificate_not_found")] * 4

    # Aigerim asks in her own session; Askar's session cannot confirm her request, not even with her code.
    aigerim_client = app.test_client()
    sign_in(aigerim_client, AIGERIM[0])
    assert ask_for_code(aigerim_client, aigerim.auth_serial).status_code == 302
    request_id = ctx_request_id(ctx, AIGERIM[0])
    code = last_code_for(outbox, AIGERIM_PHONE)
    askar_token = session_token_of(client)
    for iin in (ASKAR[0], AIGERIM[0]):  # as himself, and claiming to be her: the session decides
        with pytest.raises(NotFound) as refused:
            self_revocation.confirm_revocation(ctx, iin, askar_token, request_id, code)
        assert refused.value.code == "revocation_not_found"
    for serial in (aigerim.auth_serial, aigerim.sign_serial, askar.auth_serial):
        assert status_of(ctx, serial) == ("valid", None)

    assert enter_code(aigerim_client, code).status_code == 302  # her own session, her code
    assert status_of(ctx, aigerim.auth_serial) == ("revoked", "key_compromise")
    assert status_of(ctx, askar.auth_serial) == ("valid", None)


def test_a_wrong_code_and_a_replayed_code_are_refused(client, ctx, outbox):
    askar = citizen_with_pair(ctx, ASKAR, "askar")
    sign_in(client, ASKAR[0])
    ask_for_code(client, askar.auth_serial)
    code = last_code_for(outbox, ASKAR_PHONE)

    wrong = enter_code(client, other_code(code))
    assert wrong.status_code == 422 and "4 tries left" in error_on(wrong)
    assert status_of(ctx, askar.auth_serial) == ("valid", None)
    malformed = enter_code(client, "12ab")
    assert malformed.status_code == 422 and "6 digits" in error_on(malformed)

    assert enter_code(client, code).status_code == 302
    request_id = ctx_request_id(ctx, ASKAR[0])
    replayed = self_revocation_refusal(ctx, ASKAR[0], session_token_of(client), request_id, code)
    assert replayed == "revocation_done"
    assert audit_events(ctx, ASKAR[0], "self_revocation") == [
        ("refused", "code_wrong"),
        ("refused", "code_format"),
        ("ok", "key_lost"),
        ("refused", "revocation_done"),
    ]


def test_a_new_code_ends_the_one_before_and_resends_are_throttled(client, ctx, outbox, clock):
    askar = citizen_with_pair(ctx, ASKAR, "askar")
    sign_in(client, ASKAR[0])
    ask_for_code(client, askar.auth_serial)
    first = last_code_for(outbox, ASKAR_PHONE)
    token = form_token(client, "/cabinet/revoke/code")
    too_soon = client.post("/cabinet/revoke/resend", data={"csrf_token": token})
    assert too_soon.status_code == 429 and "seconds" in error_on(too_soon)

    clock.advance(61)
    assert client.post("/cabinet/revoke/resend", data={"csrf_token": token}).status_code == 200
    second = last_code_for(outbox, ASKAR_PHONE)
    if first != second:
        assert enter_code(client, first).status_code == 422
        assert status_of(ctx, askar.auth_serial) == ("valid", None)
    assert enter_code(client, second).status_code == 302
    assert status_of(ctx, askar.auth_serial) == ("revoked", "key_compromise")


def test_wrong_codes_are_limited_per_code_and_per_citizen(client, ctx, outbox, clock):
    askar = citizen_with_pair(ctx, ASKAR, "askar")
    sign_in(client, ASKAR[0])
    for request in range(2):
        ask_for_code(client, askar.auth_serial)
        wrong = other_code(last_code_for(outbox, ASKAR_PHONE))
        answers = [enter_code(client, wrong) for _ in range(5)]
        assert [a.status_code for a in answers[:4]] == [422] * 4
        assert answers[4].status_code in (422, 429)
        clock.advance(61)  # the phone may get the next code
    said = error_on(answers[4])
    assert "10 wrong codes" in said, said  # the citizen's budget, spent by the second code's last try

    ask_for_code(client, askar.auth_serial)
    right = enter_code(client, last_code_for(outbox, ASKAR_PHONE))

    assert right.status_code == 429 and "10 wrong codes" in error_on(right)
    assert status_of(ctx, askar.auth_serial) == ("valid", None)
    clock.advance(24 * 3600)  # the day has passed: a fresh sign-in and code work again
    sign_in(client, ASKAR[0])
    ask_for_code(client, askar.auth_serial)
    assert enter_code(client, last_code_for(outbox, ASKAR_PHONE)).status_code == 302
    assert status_of(ctx, askar.auth_serial) == ("revoked", "key_compromise")


def test_the_checkbox_the_csrf_token_and_the_cabinet_session_are_required(client, ctx, outbox):
    askar = citizen_with_pair(ctx, ASKAR, "askar")
    signed_out = client.post("/cabinet/revoke", data={"pair": askar.auth_serial, "confirm_revocation": "yes"})
    assert signed_out.status_code in (302, 400)
    sign_in(client, ASKAR[0])

    unticked = ask_for_code(client, askar.auth_serial, confirm=False)
    no_token = client.post("/cabinet/revoke", data={"pair": askar.auth_serial, "confirm_revocation": "yes"})
    no_request = client.post(
        "/cabinet/revoke/code", data={"csrf_token": form_token(client, "/cabinet/"), "code": "123456"}
    )

    assert unticked.status_code == 422 and "tick the box" in error_on(unticked)
    assert no_token.status_code == 400
    assert no_request.status_code == 404 and "Choose the certificates again" in error_on(no_request)
    assert read_outbox(outbox) == [] or all("revoke" not in m["text"] for m in read_outbox(outbox))
    assert status_of(ctx, askar.auth_serial) == ("valid", None)
    assert client.get("/cabinet/revoke/code").status_code == 302  # no open request: back to choosing


def test_without_a_phone_on_record_no_code_is_made(client, ctx):
    daniyar = citizen_with_pair(ctx, (NO_PHONE_IIN, "Iskakov", "Daniyar"), "daniyar")
    sign_in(client, NO_PHONE_IIN)

    refused = ask_for_code(client, daniyar.auth_serial)

    assert refused.status_code == 409 and "service centre" in error_on(refused)
    assert status_of(ctx, daniyar.auth_serial) == ("valid", None)


@pytest.fixture
def failing_sms(home, clock):
    gateway = SwitchableGateway(OutboxGateway(home / "outbox.jsonl", clock=clock))
    gateway.broken = True
    app = create_app(make_settings(home, clock, sms=gateway))
    return app, gateway


def test_an_sms_that_cannot_be_sent_leaves_no_usable_request(failing_sms):
    app, gateway = failing_sms
    client, ctx = app.test_client(), service(app).flow
    askar = citizen_with_pair(ctx, ASKAR, "askar")
    sign_in(client, ASKAR[0])

    refused = ask_for_code(client, askar.auth_serial)

    assert refused.status_code == 503 and "SMS" in error_on(refused)
    assert audit_events(ctx, ASKAR[0], "self_revocation_code") == [("ok", None), ("undone", "sms_failed")]
    gateway.broken = False
    assert (
        self_revocation_refusal(
            ctx, ASKAR[0], session_token_of(client), ctx_request_id(ctx, ASKAR[0]), "123456"
        )
        == "revocation_expired"
    ), "the request of an SMS never sent is closed"
    assert status_of(ctx, askar.auth_serial) == ("valid", None)


def ctx_request_id(ctx, iin: str) -> str:
    """The newest revocation request of ``iin`` (what the citizen's browser session holds)."""
    from sqlalchemy import select

    from eds_toolkit.flow.self_revocation_models import SelfRevocation

    with ctx.session() as session:
        return session.scalars(
            select(SelfRevocation.id)
            .where(SelfRevocation.iin == iin)
            .order_by(SelfRevocation.created_at.desc())
        ).first()


def session_token_of(client) -> str:
    """The cabinet session's token this test client's browser session holds."""
    with client.session_transaction() as browser_session:
        return browser_session["cabinet_session"]


def self_revocation_refusal(ctx, iin: str, token: str, request_id: str, code: str) -> str:
    from eds_toolkit.core.refusals import Refusal

    with pytest.raises(Refusal) as refused:
        self_revocation.confirm_revocation(ctx, iin, token, request_id, code)
    return refused.value.code
