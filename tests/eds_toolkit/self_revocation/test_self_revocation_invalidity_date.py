""" "I lost my key" with since when: the citizen's optional "compromised since" date goes with the
revocation into the CRL entry's Invalidity Date (RFC 5280 5.3.2); a date in the future or before the
certificates were issued is refused at the field, and nothing is sent."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from cabinet_helpers import (
    ASKAR,
    ASKAR_PHONE,
    audit_events,
    citizen_with_pair,
    form_token,
    sign_in,
    status_of,
)
from cryptography import x509
from sqlalchemy import update

from ca.store import CertificateRecord
from eds_toolkit.sms import last_code_for, read_outbox

ZONE = ZoneInfo("Asia/Almaty")


@pytest.fixture
def askar(ctx):
    citizen = citizen_with_pair(ctx, ASKAR, "askar")
    with ctx.session() as session:  # issued ten days ago, as time passing would make it
        session.execute(
            update(CertificateRecord)
            .where(CertificateRecord.iin == ASKAR[0])
            .values(not_before=ctx.now().replace(microsecond=0) - dt.timedelta(days=10))
        )
        session.commit()
    return citizen


def today(ctx) -> dt.date:
    return ctx.now().astimezone(ZONE).date()


def ask(client, pair: str, compromised_since):
    form = {
        "csrf_token": form_token(client, "/cabinet/revoke"),
        "pair": pair,
        "confirm_revocation": "yes",
        "compromised_since": compromised_since,
    }
    return client.post("/cabinet/revoke", data=form)


def test_the_date_the_citizen_gives_is_on_the_crl(client, ctx, outbox, askar):
    sign_in(client, ASKAR[0])
    page = client.get("/cabinet/revoke").get_data(as_text=True)
    assert 'type="date" id="compromised_since" name="compromised_since"' in page
    day = today(ctx) - dt.timedelta(days=2)
    assert ask(client, askar.auth_serial, day.isoformat()).status_code == 302
    code_page = client.get("/cabinet/revoke/code").get_data(as_text=True)
    assert 'id="compromised-since"' in code_page  # the citizen sees what they said before confirming
    token = form_token(client, "/cabinet/revoke/code")
    code = last_code_for(outbox, ASKAR_PHONE)
    assert client.post("/cabinet/revoke/code", data={"csrf_token": token, "code": code}).status_code == 302

    since = dt.datetime.combine(day, dt.time(), ZONE).astimezone(dt.UTC)
    for serial in (askar.auth_serial, askar.sign_serial):
        assert status_of(ctx, serial) == ("revoked", "key_compromise")
        assert ctx.ca().store.get(serial).invalidity_date == since
    crl = x509.load_der_x509_crl(client.get("/pki/crl").data)
    entry = crl.get_revoked_certificate_by_serial_number(askar.auth.serial_number)
    assert entry.extensions.get_extension_for_class(x509.InvalidityDate).value.invalidity_date_utc == since


def test_without_a_date_the_revocation_has_none(client, ctx, outbox, askar):
    sign_in(client, ASKAR[0])
    assert ask(client, askar.auth_serial, "").status_code == 302
    token = form_token(client, "/cabinet/revoke/code")
    code = last_code_for(outbox, ASKAR_PHONE)
    assert client.post("/cabinet/revoke/code", data={"csrf_token": token, "code": code}).status_code == 302
    assert ctx.ca().store.get(askar.auth_serial).invalidity_date is None


@pytest.mark.parametrize(
    ("when", "said"),
    [
        (lambda day: day + dt.timedelta(days=1), "cannot be in the future"),
        (lambda day: day - dt.timedelta(days=11), "before the certificates were issued"),
        (lambda day: "31.12.2025", "is not a date"),
    ],
)
def test_a_bad_date_is_refused_at_the_field_and_no_code_is_sent(client, ctx, outbox, askar, when, said):
    sign_in(client, ASKAR[0])
    sent = len(read_outbox(outbox))
    answer = ask(client, askar.auth_serial, when(today(ctx)))
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    assert said in re.search(r'<p class="error" role="alert" id="page-error"[^>]*>([^<]*)</p>', page).group(1)
    field = re.search(r"<input[^>]*id=\"compromised_since\"[^>]*>", page).group(0)
    assert 'aria-invalid="true"' in field
    assert len(read_outbox(outbox)) == sent
    assert audit_events(ctx, ASKAR[0], "self_revocation_code")[-1][0] == "refused"
    assert status_of(ctx, askar.auth_serial) == ("valid", None)
