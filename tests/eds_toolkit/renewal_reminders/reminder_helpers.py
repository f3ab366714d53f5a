"""Helpers for the reminder tests: citizens with pairs issued by the real CA, backdated so they expire
when a test needs (the CA issues on the clock it is given), and what the outbox and the table hold."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from sqlalchemy import select

from ca.authority import CertificateAuthority, add_years
from ca.proofs.service_centre import ServiceCentreProof
from eds_toolkit.citizens import Citizen
from eds_toolkit.flow.reminder_models import RenewalReminder
from eds_toolkit.sms import read_outbox
from national_profile.iin import make_iin

NOW = dt.datetime(2026, 12, 10, 6, 0, tzinfo=dt.UTC)  # the tests' service clock: 11:00 in Almaty (UTC+5)
_numbers = itertools.count(1)


@dataclass(frozen=True)
class Pair:
    """A citizen's AUTH+SIGN pair (EC keys: key generation stays fast), and their phone if any."""

    iin: str
    phone: str | None
    auth_serial: str
    sign_serial: str
    auth_key: ec.EllipticCurvePrivateKey
    auth: x509.Certificate
    not_after: dt.datetime


def new_citizen(session, *, phone: str | None, now: dt.datetime) -> str:
    """A citizen in the built-in base with ``phone`` (or none); returns the IIN."""
    number = next(_numbers)
    iin = make_iin(dt.date(1980, 1, 1) + dt.timedelta(days=number), "M", 1000 + number)
    session.add(
        Citizen(
            iin=iin,
            surname="Тестов",
            given_name="Ерлан",
            birth_date=dt.date(1980, 1, 1),
            phone=phone,
            updated_at=now,
        )
    )
    session.commit()
    return iin


def csr_pem(key: ec.EllipticCurvePrivateKey, iin: str) -> bytes:
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, "ТЕСТОВ ЕРЛАН"),
            x509.NameAttribute(NameOID.SERIAL_NUMBER, f"IIN{iin}"),
            x509.NameAttribute(NameOID.COUNTRY_NAME, "KZ"),
        ]
    )
    csr = x509.CertificateSigningRequestBuilder().subject_name(subject).sign(key, hashes.SHA256())
    return csr.public_bytes(serialization.Encoding.PEM)


def issue_expiring_pair(
    authority: CertificateAuthority, iin: str, phone: str | None, expires_at: dt.datetime
) -> Pair:
    """An AUTH+SIGN pair issued a year before ``expires_at`` (the CA's clock set back), linked as one
    enrolment's pair is."""
    issued_at = add_years(expires_at.replace(microsecond=0), -1)
    backdated = authority.replace(clock=lambda: issued_at)
    proof = ServiceCentreProof("operator-1", "N0001", iin, "Тестов", "Ерлан")
    enrolment_id = f"reminder-test-{next(_numbers)}"
    auth_key = ec.generate_private_key(ec.SECP256R1())
    auth = backdated.issue(csr_pem(auth_key, iin), proof, "auth", enrolment_id=enrolment_id)
    sign = backdated.issue(
        csr_pem(ec.generate_private_key(ec.SECP256R1()), iin), proof, "sign", enrolment_id=enrolment_id
    )
    return Pair(
        iin,
        phone,
        auth.record.serial,
        sign.record.serial,
        auth_key,
        auth.certificate,
        auth.record.not_after,
    )


def reminder_rows(sessions_or_ctx) -> dict[tuple[str, int], RenewalReminder]:
    with sessions_or_ctx.session() as session:
        rows = session.scalars(select(RenewalReminder))
        return {(row.auth_serial, row.days_before): row for row in rows}


def sms_to(outbox: Path, phone: str) -> list[str]:
    return [message["text"] for message in read_outbox(outbox) if message["phone"] == phone]
