"""Helpers for the cabinet's renewal and revocation tests: citizens holding a pair, signing in, CSRF."""

from __future__ import annotations

import base64
import functools
import re
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flow_helpers import GOOD_PIN
from sqlalchemy import func, select

from ca.proofs.service_centre import ServiceCentreProof
from ca.store import CertificateRecord
from eds_agent.cms import sign_cms
from eds_toolkit.core.audit_models import AuditEvent
from eds_toolkit.flow.models import DigitalIdAccount
from eds_toolkit.pin import hash_pin
from keystore.csr import build_csr

CSRF_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
DATA_CSRF = re.compile(r'data-csrf="([^"]+)"')

ASKAR = ("850314312017", "Жұмабеков", "Асқар")  # demo citizens with a phone in the base
AIGERIM = ("920721433024", "Smagulova", "Aigerim")
ASKAR_PHONE, AIGERIM_PHONE = "+77011234567", "+77051234568"


@functools.cache
def key_for(label: str) -> rsa.RSAPrivateKey:
    """One RSA-2048 key per label for the whole run (key generation is the slow part)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def csr_for(label: str, iin: str, surname: str = "Anybody", given_name: str = "Else") -> str:
    csr = build_csr(key_for(label), iin=iin, surname=surname, given_name=given_name)
    return csr.public_bytes(serialization.Encoding.PEM).decode()


@dataclass
class Citizen:
    """A citizen with a Digital ID account (PIN) and a pair issued at a service centre."""

    iin: str
    label: str
    auth: x509.Certificate
    sign: x509.Certificate
    chain: list[x509.Certificate]

    @property
    def auth_serial(self) -> str:
        return f"{self.auth.serial_number:040x}"

    @property
    def sign_serial(self) -> str:
        return f"{self.sign.serial_number:040x}"

    def cms_base64(self, data: bytes, *, profile: str = "auth") -> str:
        key = key_for(f"{self.label}-{profile}")
        certificate = self.auth if profile == "auth" else self.sign
        return base64.b64encode(sign_cms(data, key, certificate, self.chain, attached=False)).decode()


def citizen_with_pair(ctx, person: tuple[str, str, str], label: str, pin: str = GOOD_PIN) -> Citizen:
    """Issue ``person`` an AUTH+SIGN pair (one pair in the store: the same enrolment id) and a PIN."""
    iin, surname, given_name = person
    authority = ctx.ca()
    proof = ServiceCentreProof(
        operator_id="op-test", document_number="N0001", iin=iin, surname=surname, given_name=given_name
    )
    issued = {
        profile: authority.issue(
            csr_for(f"{label}-{profile}", iin).encode(), proof, profile, enrolment_id=f"centre-{label}"
        )
        for profile in ("auth", "sign")
    }
    now = ctx.now()
    with ctx.session() as session:
        session.merge(
            DigitalIdAccount(
                iin=iin, pin_hash=hash_pin(pin), failed_attempts=0, created_at=now, updated_at=now
            )
        )
        session.commit()
    return Citizen(
        iin,
        label,
        issued["auth"].certificate,
        issued["sign"].certificate,
        x509.load_pem_x509_certificates(authority.chain_pem()),
    )


def sign_in(client, iin: str, pin: str = GOOD_PIN) -> None:
    page = client.get("/cabinet/login").get_data(as_text=True)
    form = {"csrf_token": CSRF_TOKEN.search(page).group(1), "iin": iin, "pin": pin}
    answer = client.post("/cabinet/login", data=form)
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/cabinet/"), answer.status_code


def form_token(client, path: str) -> str:
    """The CSRF token of the form on page ``path``."""
    page = client.get(path)
    assert page.status_code == 200, page.status_code
    return CSRF_TOKEN.search(page.get_data(as_text=True)).group(1)


def status_of(ctx, serial: str) -> tuple[str, str | None]:
    record = ctx.ca().store.get(serial)
    return record.status, record.revocation_reason


def certificate_count(ctx) -> int:
    with ctx.session() as session:
        return session.scalar(select(func.count()).select_from(CertificateRecord))


def audit_events(ctx, iin: str, action: str) -> list[tuple[str, str | None]]:
    """(outcome, reason) of the audit events of ``action`` filed under ``iin``, oldest first."""
    with ctx.session() as session:
        rows = session.execute(
            select(AuditEvent.outcome, AuditEvent.reason)
            .where(AuditEvent.iin_hash == ctx.iin_hash(iin), AuditEvent.action == action)
            .order_by(AuditEvent.id)
        )
        return [tuple(row) for row in rows]


def sign_in_with_certificate(client, citizen) -> None:
    """The cabinet's sign-in with the AUTH key (as the page's script does it through the agent)."""
    token = DATA_CSRF.search(client.get("/cabinet/login").get_data(as_text=True)).group(1)
    issued = client.post("/cabinet/login/challenge", headers={"X-CSRFToken": token}).get_json()
    cms = citizen.cms_base64(base64.b64decode(issued["challenge_base64"]))
    answer = client.post(
        "/cabinet/login/certificate",
        data={"challenge_id": issued["id"], "signed_challenge": cms},
        headers={"X-CSRFToken": token},
    )
    assert answer.status_code == 200 and answer.get_json()["ok"] is True, answer.get_json()
