"""The console's revocation takes an optional "compromised since" date: the CRL entry then carries the
Invalidity Date (RFC 5280 5.3.2), the certificate's page shows it, OCSP keeps the revocation time; a
date in the future, before the certificate started or with a reason other than keyCompromise is refused,
tied to the field."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from console_certificates_helpers import (
    detail,
    events,
    form_csrf,
    issue_pair,
    make_console_operator,
    person_iin,
    serial_of,
    signed_in,
)
from cryptography import x509
from sqlalchemy import update

from ca.crl import current_crl
from ca.store import CertificateRecord
from tests.eds_toolkit.certificate_renewal.renewal_helpers import status_of

ZONE = ZoneInfo("Asia/Almaty")  # the service's zone (EDS_TIME_ZONE's default)
NOTE = "Владелец сообщил: ноутбук с ключом украден"


@pytest.fixture
def admin(ctx):
    return make_console_operator(ctx, 95, "ca_admin", "Күнделікті Ерболат")


@pytest.fixture
def citizen(ctx):
    """A pair whose records say it was issued ten days ago (as time passing would)."""
    holder = issue_pair(ctx, person_iin(96), surname="Ұрланған", given_name="Әлия")
    with ctx.session() as session:
        session.execute(
            update(CertificateRecord)
            .where(CertificateRecord.serial.in_([serial_of(holder.auth), serial_of(holder.sign)]))
            .values(not_before=ctx.now().replace(microsecond=0) - dt.timedelta(days=10))
        )
        session.commit()
    return holder


def local_today(ctx) -> dt.date:
    return ctx.now().astimezone(ZONE).date()


def start_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), ZONE).astimezone(dt.UTC)


def post(client, serial: str, step: str, **fields):
    path = f"/operator/certificates/{serial}/revoke"
    token = form_csrf(client.get(path).get_data(as_text=True))
    return client.post(path, data={"csrf_token": token, "step": step, **fields})


def test_compromised_since_goes_on_the_crl_and_the_page(app, ctx, admin, citizen):
    client = signed_in(app, admin)
    auth, sign = serial_of(citizen.auth), serial_of(citizen.sign)
    day = local_today(ctx) - dt.timedelta(days=3)
    form = client.get(f"/operator/certificates/{auth}/revoke").get_data(as_text=True)
    assert 'type="date" id="compromised_since" name="compromised_since"' in form
    assert f'max="{local_today(ctx).isoformat()}"' in form
    fields = {"serials": [auth, sign], "reason": "key_compromise", "note": NOTE, "compromised_since": day}

    reviewed = post(client, auth, "review", **fields)
    assert reviewed.status_code == 200
    page = reviewed.get_data(as_text=True)
    assert f'name="compromised_since" value="{day.isoformat()}"' in page  # carried to the confirmation
    assert 'id="review-compromised-since"' in page

    done = post(client, auth, "confirm", **fields)
    assert done.status_code == 302
    assert status_of(ctx, auth) == status_of(ctx, sign) == ("revoked", "key_compromise")
    record = ctx.ca().store.get(auth)
    assert record.invalidity_date == start_of(day)
    assert detail(events(ctx, "operator_revoke")[-1])["compromised_since"] == start_of(day).isoformat()

    crl = x509.load_der_x509_crl(current_crl(ctx.ca(), "base"))
    for certificate in (citizen.auth, citizen.sign):
        entry = crl.get_revoked_certificate_by_serial_number(certificate.serial_number)
        invalidity = entry.extensions.get_extension_for_class(x509.InvalidityDate)
        assert invalidity.critical is False and invalidity.value.invalidity_date_utc == start_of(day)
        assert entry.revocation_date_utc == record.revoked_at
    shown = client.get(done.headers["Location"]).get_data(as_text=True)
    assert 'id="compromised-since"' in shown
    assert 'id="ocsp-status" data-status="revoked"' in shown


def test_without_a_date_no_invalidity_date_is_written(app, ctx, admin, citizen):
    client = signed_in(app, admin)
    auth = serial_of(citizen.auth)
    fields = {"serials": [auth], "reason": "key_compromise", "note": NOTE, "compromised_since": ""}
    assert post(client, auth, "confirm", **fields).status_code == 302
    assert ctx.ca().store.get(auth).invalidity_date is None
    entry = x509.load_der_x509_crl(current_crl(ctx.ca(), "base")).get_revoked_certificate_by_serial_number(
        citizen.auth.serial_number
    )
    with pytest.raises(x509.ExtensionNotFound):
        entry.extensions.get_extension_for_class(x509.InvalidityDate)
    page = client.get(f"/operator/certificates/{auth}").get_data(as_text=True)
    assert 'id="compromised-since"' not in page


@pytest.mark.parametrize(
    ("when", "reason", "said"),
    [
        (lambda today: today + dt.timedelta(days=1), "key_compromise", "cannot be in the future"),
        (
            lambda today: today - dt.timedelta(days=11),
            "key_compromise",
            "before the certificates were issued",
        ),
        (lambda today: "2026-02-30", "key_compromise", "is not a date"),
        (lambda today: "yesterday", "key_compromise", "is not a date"),
        (lambda today: today - dt.timedelta(days=1), "superseded", "only with the reason keyCompromise"),
    ],
)
def test_a_bad_compromised_since_date_is_refused_at_the_field(app, ctx, admin, citizen, when, reason, said):
    client = signed_in(app, admin)
    auth = serial_of(citizen.auth)
    fields = {"serials": [auth], "reason": reason, "note": NOTE, "compromised_since": when(local_today(ctx))}
    for step in ("review", "confirm"):
        answer = post(client, auth, step, **fields)
        assert answer.status_code == 422
        page = answer.get_data(as_text=True)
        error = re.search(r'<p class="error" role="alert" id="page-error"[^>]*>([^<]*)</p>', page).group(1)
        assert said in error
        field = re.search(r"<input[^>]*id=\"compromised_since\"[^>]*>", page).group(0)
        assert 'aria-invalid="true"' in field and 'aria-describedby="page-error' in field
    assert status_of(ctx, auth) == ("valid", None)
