"""Helpers for the renewal tests: a citizen with an issued pair, signing challenges, what the store holds."""

from __future__ import annotations

import base64
import functools
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flow_helpers import KNOWN_IIN, api_to_pin_set
from sqlalchemy import func, select

from ca.store import CertificateRecord
from eds_agent.cms import sign_cms
from keystore.csr import build_csr

SURNAME, GIVEN_NAME = "Тестов", "Асан"
OTHER_IIN = "920721433024"  # another demo citizen


@functools.cache
def key_for(label: str) -> rsa.RSAPrivateKey:
    """One RSA-2048 key per label for the whole run (key generation is the slow part)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def csr_pem(key: rsa.RSAPrivateKey, iin: str = KNOWN_IIN) -> str:
    csr = build_csr(key, iin=iin, surname=SURNAME, given_name=GIVEN_NAME)
    return csr.public_bytes(serialization.Encoding.PEM).decode()


@dataclass
class Holder:
    """A citizen's current pair: keys, certificates and the CA chain (issuing CA, then root)."""

    auth_key: rsa.RSAPrivateKey
    sign_key: rsa.RSAPrivateKey
    auth: x509.Certificate
    sign: x509.Certificate
    chain: list[x509.Certificate]

    @property
    def auth_serial(self) -> str:
        return f"{self.auth.serial_number:040x}"

    @property
    def sign_serial(self) -> str:
        return f"{self.sign.serial_number:040x}"

    def cms(self, data: bytes, *, profile: str = "auth", attached: bool = False) -> bytes:
        key, certificate = (self.auth_key, self.auth) if profile == "auth" else (self.sign_key, self.sign)
        return sign_cms(data, key, certificate, self.chain, attached=attached)

    def cms_base64(self, data: bytes, **options) -> str:
        return base64.b64encode(self.cms(data, **options)).decode("ascii")


def enrol_and_issue(client, ctx, outbox: Path, generation: str = "first") -> Holder:
    """Walk the enrolment API to pin_set and get a pair for CSRs made from keys kept here."""
    enrolment = api_to_pin_set(client, ctx, outbox)
    auth_key, sign_key = key_for(f"{generation}-auth"), key_for(f"{generation}-sign")
    response = enrolment.post("certificates", {"auth_csr": csr_pem(auth_key), "sign_csr": csr_pem(sign_key)})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    return Holder(
        auth_key,
        sign_key,
        x509.load_pem_x509_certificate(body["auth_certificate"].encode()),
        x509.load_pem_x509_certificate(body["sign_certificate"].encode()),
        x509.load_pem_x509_certificates(body["chain"].encode()),
    )


def certificate_count(ctx) -> int:
    with ctx.session() as session:
        return session.scalar(select(func.count()).select_from(CertificateRecord))


def status_of(ctx, serial: str) -> tuple[str, str | None]:
    record = ctx.ca().store.get(serial)
    return record.status, record.revocation_reason


def new_csrs(generation: str = "second", iin: str = KNOWN_IIN) -> tuple[str, str]:
    return csr_pem(key_for(f"{generation}-auth"), iin), csr_pem(key_for(f"{generation}-sign"), iin)
