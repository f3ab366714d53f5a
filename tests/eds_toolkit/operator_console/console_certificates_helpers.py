"""Helpers for the console's certificate pages: people holding pairs issued straight by the test CA (any
valid IIN, no enrolment needed), operators among them, and a test client signed in as each."""

from __future__ import annotations

import datetime as dt
import json
import re

from cryptography import x509
from operator_helpers import Operator, sign_in
from sqlalchemy import insert, select, update

from ca.authority import CertificateAuthority
from ca.store import CertificateRecord
from eds_toolkit.core.audit_models import AuditEvent
from eds_toolkit.operators.registry import add_operator
from national_profile.iin import make_iin
from tests.eds_toolkit.certificate_renewal.renewal_helpers import Holder, csr_pem, key_for
from tests.evidence_free import StatedPerson

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def person_iin(n: int) -> str:
    """A valid IIN of the n-th test person (born 1 March 1990 + n days)."""
    return make_iin(dt.date(1990, 3, 1) + dt.timedelta(days=n), "M" if n % 2 else "F", 300 + n)


def issue_pair(
    ctx, iin: str, *, surname: str = "Сейтов", given_name: str = "Ерлан", generation: str = "a"
) -> Holder:
    """An AUTH and a SIGN certificate for ``iin`` issued in one transaction under one enrolment id (a
    pair), for keys made here (one key per IIN, profile and ``generation``)."""
    authority: CertificateAuthority = ctx.ca()
    person = StatedPerson(iin, surname, given_name)
    keys = {profile: key_for(f"{iin}-{generation}-{profile}") for profile in ("auth", "sign")}
    issued = {}
    with authority.store.session() as session:
        for profile, key in keys.items():
            csr = csr_pem(key, iin).encode()
            issued[profile] = authority.issue(
                csr, person, profile, enrolment_id=f"direct-{iin}-{generation}", session=session
            )
        session.commit()
    return Holder(
        keys["auth"],
        keys["sign"],
        issued["auth"].certificate,
        issued["sign"].certificate,
        authority.chain,
    )


def make_console_operator(ctx, n: int, roles: str, name: str) -> Operator:
    """Test person ``n`` with a pair, registered as an operator with ``roles``."""
    iin = person_iin(n)
    holder = issue_pair(ctx, iin, surname=name.split()[0], given_name=name.split()[-1])
    add_operator(ctx, iin, name, roles, added_by="tests")
    return Operator(iin, holder)


def signed_in(app, operator: Operator):
    """A fresh test client signed in as ``operator`` (each operator in a browser of their own)."""
    client = app.test_client()
    answer = sign_in(client, operator)
    assert answer.status_code == 200, answer.get_json()
    return client


def form_csrf(page_html: str) -> str:
    match = CSRF_FIELD.search(page_html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def post_form(client, page: str, action: str, data: dict | None = None):
    """Post to ``action`` with the CSRF token of ``page``'s form, as a browser does."""
    token = form_csrf(client.get(page).get_data(as_text=True))
    return client.post(action, data={"csrf_token": token, **(data or {})})


def events(ctx, action: str) -> list[AuditEvent]:
    with ctx.session() as session:
        return list(
            session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id))
        )


def detail(event: AuditEvent) -> dict:
    return json.loads(event.detail or "{}")


def set_not_after(ctx, serial: str, moment: dt.datetime) -> None:
    """Move a stored certificate's notAfter (the CA issues for a year from now: an expired or soon
    expiring certificate is made by editing its record, as time passing would)."""
    with ctx.session() as session:
        session.execute(
            update(CertificateRecord).where(CertificateRecord.serial == serial).values(not_after=moment)
        )
        session.commit()


def store_rows(ctx, count: int) -> list[str]:
    """``count`` valid records of distinct holders put straight into the store (no certificate behind
    them: for lists longer than issuing would be quick); their serials."""
    from ca.authority import random_serial

    now = ctx.now().replace(microsecond=0)
    rows = []
    for n in range(count):
        iin = make_iin(dt.date(1970, 1, 1) + dt.timedelta(days=n), "F", 100 + n)
        rows.append(
            {
                "serial": f"{random_serial():040x}",
                "iin": iin,
                "profile": "auth",
                "identification": "remote_digital_id",
                "subject": f"CN=ТЕСТОВА АЙЫМ,SERIALNUMBER=IIN{iin},C=KZ",
                "not_before": now - dt.timedelta(days=1),
                "not_after": now + dt.timedelta(days=200),
                "status": "valid",
                "fingerprint_sha256": f"{n:064x}",
                "spki_sha256": f"{n:064x}",
                "pem": "",
                "enrolment_id": None,
                "created_at": now,
            }
        )
    with ctx.session() as session:
        session.execute(insert(CertificateRecord), rows)
        session.commit()
    return [row["serial"] for row in rows]


def serial_of(certificate: x509.Certificate) -> str:
    return f"{certificate.serial_number:040x}"
