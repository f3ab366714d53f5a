"""The cabinet shows each certificate's status as of now (valid, expired past not_after, revoked), in the
page's language, and the API's enrolment view agrees."""

from __future__ import annotations

import re

import pytest
from cryptography import x509
from flow_helpers import GOOD_PIN, KNOWN_IIN, api_to_pin_set, make_csr_pem

from ca.store import CertificateStore
from eds_toolkit.web.context import service

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
STATUS_CELL = re.compile(r'<td class="status status-(\w+)">([^<]*)</td>')


def issued(client, ctx, outbox):
    enrolment = api_to_pin_set(client, ctx, outbox)
    response = enrolment.post(
        "certificates",
        {"auth_csr": make_csr_pem(KNOWN_IIN).decode(), "sign_csr": make_csr_pem(KNOWN_IIN).decode()},
    )
    assert response.status_code == 201
    return enrolment, response.get_json()


def cabinet_statuses(client, language: str) -> list[tuple[str, str]]:
    client.get(f"/language/{language}?next=/cabinet/login")
    token = CSRF.search(client.get("/cabinet/login").get_data(as_text=True)).group(1)
    signed_in = client.post("/cabinet/login", data={"csrf_token": token, "iin": KNOWN_IIN, "pin": GOOD_PIN})
    assert signed_in.status_code == 302
    return STATUS_CELL.findall(client.get("/cabinet/").get_data(as_text=True))


@pytest.mark.parametrize(
    ("language", "valid", "expired"),
    [("en", "Valid", "Expired"), ("kk", "Жарамды", "Мерзімі өткен"), ("ru", "Действует", "Истёк")],
)
def test_status_is_translated_and_turns_expired_after_not_after(
    client, ctx, outbox, clock, language, valid, expired
):
    enrolment, pair = issued(client, ctx, outbox)
    assert cabinet_statuses(client, language) == [("valid", valid), ("valid", valid)]
    not_after = x509.load_pem_x509_certificate(pair["auth_certificate"].encode()).not_valid_after_utc
    clock.advance((not_after - clock.now()).total_seconds() + 60)
    assert cabinet_statuses(client, language) == [("expired", expired), ("expired", expired)]
    view = client.get(f"/api/v1/enrolments/{enrolment.id}", headers=enrolment.auth).get_json()
    assert {c["status"] for c in view["certificates"]} == {"expired"}


def test_a_revoked_certificate_shows_as_revoked_in_russian(client, ctx, outbox, app):
    _enrolment, pair = issued(client, ctx, outbox)
    CertificateStore(service(app).engine).revoke(pair["auth_serial"], "key_compromise")
    statuses = dict((status, word) for status, word in cabinet_statuses(client, "ru"))
    assert statuses == {"revoked": "Отозван", "valid": "Действует"}
