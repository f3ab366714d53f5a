"""The console's certificate search and a certificate's page: what an operator finds, what they are
told about OCSP and the CRLs, who may open what, and that looking someone up leaves a trace."""

from __future__ import annotations

import datetime as dt

import pytest
from console_certificates_helpers import (
    detail,
    events,
    issue_pair,
    make_console_operator,
    person_iin,
    serial_of,
    set_not_after,
    signed_in,
)
from operator_helpers import make_operator

from ca.crl import publish_due
from eds_toolkit.operators.registry import operator_by_iin

CITIZEN = 1  # person numbers of the test people (console_certificates_helpers.person_iin)


@pytest.fixture
def auditor(ctx):
    return make_console_operator(ctx, 90, "auditor", "Аудитова Айгүл")


@pytest.fixture
def officer(ctx):
    return make_console_operator(ctx, 91, "registration_officer", "Тіркеуов Болат")


@pytest.fixture
def citizen(ctx):
    return issue_pair(ctx, person_iin(CITIZEN), surname="Жанова", given_name="Әсел")


def test_a_search_by_iin_finds_the_pair_and_records_who_looked_up_whom(app, ctx, auditor, citizen):
    client = signed_in(app, auditor)
    iin = person_iin(CITIZEN)
    page = client.get(f"/operator/certificates?iin={iin}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Certificates found: 2" in html
    for certificate in (citizen.auth, citizen.sign):
        assert serial_of(certificate) in html
    assert "ЖАНОВА ӘСЕЛ" in html and ">AUTH<" in html and ">SIGN<" in html
    assert "GMT+05:00" in html  # validity in the service's local time (Asia/Almaty)
    looked_up = events(ctx, "operator_search")[-1]
    assert looked_up.iin_hash == ctx.iin_hash(iin)  # about the person looked up...
    assert detail(looked_up)["operator_id"] == operator_by_iin(ctx, auditor.iin).id
    assert detail(looked_up)["operator_certificate"] == auditor.holder.auth_serial  # ...naming who looked
    assert detail(looked_up)["found"] == 2


def test_an_iin_search_that_finds_nothing_is_recorded_too(app, ctx, auditor):
    client = signed_in(app, auditor)
    nobody = person_iin(40)
    html = client.get(f"/operator/certificates?iin={nobody}").get_data(as_text=True)
    assert "No certificate matches." in html
    assert events(ctx, "operator_search")[-1].iin_hash == ctx.iin_hash(nobody)


def test_a_serial_prefix_of_eight_digits_finds_the_certificate(app, auditor, citizen):
    client = signed_in(app, auditor)
    serial = serial_of(citizen.sign)
    colons = ":".join(serial[i : i + 2] for i in range(0, 10, 2)).upper()  # as openssl prints it
    for typed in (serial[:8], colons, serial):
        html = client.get("/operator/certificates", query_string={"serial": typed}).get_data(as_text=True)
        assert "Certificates found: 1" in html, typed
        assert serial in html


@pytest.mark.parametrize(
    ("query", "code_text"),
    [
        ({"serial": "1a2b3c4"}, "at least the first 8"),
        ({"serial": "not-hex!"}, "hexadecimal"),
        ({"iin": "850314312018"}, "Not a valid IIN"),
        ({"iin": "12345"}, "Not a valid IIN"),
        ({"status": "suspended"}, "valid, revoked or expired"),
    ],
)
def test_bad_search_input_is_refused_with_a_reason(app, auditor, query, code_text):
    client = signed_in(app, auditor)
    page = client.get("/operator/certificates", query_string=query)
    assert page.status_code == 422
    assert code_text in page.get_data(as_text=True)


def test_a_search_by_status_pages_through_the_results(app, ctx, auditor, citizen):
    for n in range(2, 14):  # 12 more pairs: 26 citizen certificates and the auditor's 2
        issue_pair(ctx, person_iin(n))
    ctx.ca().store.revoke(serial_of(citizen.sign), reason="superseded")
    client = signed_in(app, auditor)
    first = client.get("/operator/certificates?status=valid").get_data(as_text=True)
    assert "Certificates found: 27" in first and "Page 1 of 2" in first
    assert first.count('<tr data-serial="') == 25
    second = client.get("/operator/certificates?status=valid&page=2").get_data(as_text=True)
    assert second.count('<tr data-serial="') == 2
    revoked = client.get("/operator/certificates?status=revoked").get_data(as_text=True)
    assert "Certificates found: 1" in revoked and serial_of(citizen.sign) in revoked
    assert "superseded" in revoked
    iin = person_iin(CITIZEN)
    both = client.get(f"/operator/certificates?iin={iin}&status=valid").get_data(as_text=True)
    assert "Certificates found: 1" in both and serial_of(citizen.auth) in both


def test_an_expired_certificate_is_found_as_expired(app, ctx, auditor, citizen):
    client = signed_in(app, auditor)
    iin = person_iin(CITIZEN)
    assert "No certificate matches." in client.get(
        f"/operator/certificates?iin={iin}&status=expired"
    ).get_data(as_text=True)
    set_not_after(ctx, serial_of(citizen.sign), ctx.now() - dt.timedelta(days=1))
    html = client.get(f"/operator/certificates?iin={iin}&status=expired").get_data(as_text=True)
    assert "Certificates found: 1" in html and serial_of(citizen.sign) in html
    assert 'class="status status-expired"' in html


def test_the_certificate_page_shows_partner_origin_events_and_live_status(app, ctx, auditor, citizen):
    client = signed_in(app, auditor)
    iin = person_iin(CITIZEN)
    client.get(f"/operator/certificates?iin={iin}")
    page = client.get(f"/operator/certificates/{serial_of(citizen.auth)}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert serial_of(citizen.sign) in html  # the pair partner
    assert 'id="origin" data-kind="direct"' in html
    assert 'id="ocsp-status" data-status="good"' in html
    assert 'id="crl-none"' in html or 'data-listed="no"' in html
    assert 'data-action="operator_search"' in html and "Аудитова Айгүл" in html  # the lookup, by whom
    assert 'id="revoke-link"' not in html  # an auditor revokes nothing
    viewed = events(ctx, "operator_view_certificate")[-1]
    assert viewed.iin_hash == ctx.iin_hash(iin) and detail(viewed)["serial"] == serial_of(citizen.auth)

    ctx.ca().store.revoke(serial_of(citizen.auth), reason="key_compromise")
    publish_due(ctx.ca(), force=True)
    html = client.get(f"/operator/certificates/{serial_of(citizen.auth)}").get_data(as_text=True)
    assert 'id="ocsp-status" data-status="revoked"' in html and "keyCompromise" in html
    assert 'id="crl-base" data-listed="yes"' in html
    assert 'id="record-status" data-status="revoked"' in html
    assert "not in the audit log" in html  # revoked outside the console and the flows: no one named
    partner = client.get(f"/operator/certificates/{serial_of(citizen.sign)}").get_data(as_text=True)
    assert 'id="ocsp-status" data-status="good"' in partner and 'id="crl-base" data-listed="no"' in partner


def test_a_certificate_from_an_enrolment_shows_the_enrolment_and_its_steps(app, client, ctx, outbox):
    holder_operator = make_operator(client, ctx, outbox, roles="auditor")  # enrolled through the API
    console = signed_in(app, holder_operator)
    html = console.get(f"/operator/certificates/{holder_operator.holder.sign_serial}").get_data(as_text=True)
    assert 'id="origin" data-kind="enrolment"' in html
    assert "issued" in html  # the enrolment's state now
    for action in ("start", "submit_code", "identification_face_matched", "set_pin", "issue_with_csrs"):
        assert f'data-action="{action}"' in html, action
    assert html.index('data-action="start"') < html.index('data-action="issue_with_csrs"')


def test_an_unknown_or_malformed_serial_is_not_found(app, auditor):
    client = signed_in(app, auditor)
    assert client.get("/operator/certificates/" + "ab" * 20).status_code == 404
    assert client.get("/operator/certificates/zz-not-a-serial").status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/operator/certificates",
        "/operator/certificates?iin=850314312017",
        "/operator/certificates/" + "ab" * 20,
    ],
)
def test_without_signing_in_the_pages_send_to_the_sign_in(client, path):
    answer = client.get(path)
    assert answer.status_code == 302
    assert answer.headers["Location"].startswith("/operator/login")


def test_a_registration_officer_searches_but_revokes_nothing(app, officer, citizen):
    client = signed_in(app, officer)
    serial = serial_of(citizen.auth)
    assert client.get(f"/operator/certificates?serial={serial}").status_code == 200
    html = client.get(f"/operator/certificates/{serial}").get_data(as_text=True)
    assert 'id="revoke-link"' not in html
    assert client.get(f"/operator/certificates/{serial}/revoke").status_code == 403
    menu = client.get("/operator/").get_data(as_text=True)
    assert "/operator/certificates" in menu and "/operator/bulk-revocations" not in menu
