"""Helpers for the console's oversight pages (reviews, audit log, CRL/OCSP status): operators other than
the demo citizen of ``make_operator`` (each with a real pair of the test CA, so each can sign in), a
client signed in as one of them, and the IINs of the known citizens a page must not show."""

from __future__ import annotations

import re
from dataclasses import dataclass

from cryptography import x509
from flow_helpers import GOOD_PIN, KNOWN_IIN, api_start, code_for
from operator_helpers import Operator, sign_in

from eds_toolkit.operators.registry import add_operator
from tests.eds_toolkit.certificate_renewal.renewal_helpers import Holder, csr_pem, key_for
from tests.evidence_free import mark_identified


@dataclass(frozen=True)
class Citizen:
    iin: str
    phone: str
    name: str


# demo citizens with a phone in the base (eds_toolkit/citizens/demo_citizens.csv), besides KNOWN_IIN's
SMAGULOVA = Citizen("920721433024", "+77051234568", "Smagulova Aigerim")
ABILOVA = Citizen("781102444036", "+77771234569", "Әбілова Динара")  # no state photo: cannot enrol remotely
TOKTAROVA = Citizen("991231477068", "+77471234570", "Тоқтарова Гүлнар")
KNOWN_CITIZENS = (KNOWN_IIN, SMAGULOVA.iin, ABILOVA.iin, "010130555049", "650509366054", "991231477068")


def make_other_operator(client, ctx, outbox, citizen: Citizen, *, roles: str) -> Operator:
    """``citizen`` enrolled through the API with keys made here (their own pair), made an operator."""
    enrolment = api_start(client, citizen.iin)
    confirmed = enrolment.post("code", {"code": code_for(outbox, citizen.phone)})
    assert confirmed.status_code == 200, confirmed.get_json()
    mark_identified(ctx, enrolment.id)
    assert enrolment.post("pin", {"pin": GOOD_PIN, "pin_confirmation": GOOD_PIN}).status_code == 200
    assert enrolment.post("application/confirm").status_code == 200
    auth_key, sign_key = key_for(f"{citizen.iin}-auth"), key_for(f"{citizen.iin}-sign")
    answer = enrolment.post(
        "certificates",
        {"auth_csr": csr_pem(auth_key, citizen.iin), "sign_csr": csr_pem(sign_key, citizen.iin)},
    )
    assert answer.status_code == 201, answer.get_json()
    body = answer.get_json()
    holder = Holder(
        auth_key,
        sign_key,
        x509.load_pem_x509_certificate(body["auth_certificate"].encode()),
        x509.load_pem_x509_certificate(body["sign_certificate"].encode()),
        x509.load_pem_x509_certificates(body["chain"].encode()),
    )
    add_operator(ctx, citizen.iin, citizen.name, roles, added_by="tests")
    return Operator(citizen.iin, holder)


def signed_in_client(app, operator: Operator):
    """A browser of its own, signed in as ``operator``."""
    browser = app.test_client()
    answer = sign_in(browser, operator)
    assert answer.status_code == 200, answer.get_json()
    return browser


def with_roles(ctx, operator: Operator, roles: str) -> None:
    """Give ``operator`` these roles instead (an administrator's ``eds operator add`` again)."""
    add_operator(ctx, operator.iin, "Асан Тестов", roles, added_by="tests")


CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def form_token(page_text: str) -> str:
    match = CSRF_FIELD.search(page_text)
    assert match, "no form with a CSRF token on the page"
    return match.group(1)


def iins_shown(text: str, allowed: tuple[str, ...] = ()) -> list[str]:
    """The known citizens' IINs that appear in ``text`` (except ``allowed``)."""
    return [iin for iin in KNOWN_CITIZENS if iin in text and iin not in allowed]
