"""Helpers for the registration tests: citizens of the demo base, their certificates, API calls."""

from __future__ import annotations

import base64
import functools
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from ca.proofs.service_centre import ServiceCentreProof
from eds_agent.cms import sign_cms

APPLICANT_IIN, APPLICANT_PHONE = "850314312017", "+77011234567"
OWNER_IIN, OWNER_PHONE = "920721433024", "+77051234568"
STRANGER_IIN = "781102444036"
NO_PHONE_IIN = "010130555049"
ADDRESS = "Астана, проспект Мәңгілік Ел 55, кв. 12"


@functools.cache
def key_of(iin: str) -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass
class Holder:
    iin: str
    key: rsa.RSAPrivateKey
    sign: x509.Certificate
    auth: x509.Certificate
    issuing: x509.Certificate
    auth_key: rsa.RSAPrivateKey  # AUTH and SIGN certificates never share a key (the CA refuses it)

    def cms(self, data: bytes, *, profile: str = "sign", attached: bool = False) -> str:
        certificate = self.sign if profile == "sign" else self.auth
        key = self.key if profile == "sign" else self.auth_key
        der = sign_cms(data, key, certificate, [self.issuing], attached=attached)
        return base64.b64encode(der).decode("ascii")


def certificates_for(ctx, iin: str) -> Holder:
    """A SIGN and an AUTH certificate for ``iin`` from the service's own CA."""
    authority = ctx.ca()
    key = key_of(iin)
    name = x509.Name([x509.NameAttribute(NameOID.SERIAL_NUMBER, f"IIN{iin}")])
    auth_key = key_of(f"{iin}/auth")  # cached per argument: a second key for the AUTH certificate
    person = ServiceCentreProof("op-17", "N1234567", iin, "Тестова", "Айгерим")
    issued = {}
    for profile, profile_key in (("sign", key), ("auth", auth_key)):
        csr = x509.CertificateSigningRequestBuilder().subject_name(name).sign(profile_key, hashes.SHA256())
        csr_pem = csr.public_bytes(serialization.Encoding.PEM)
        issued[profile] = authority.issue(csr_pem, person, profile).certificate
    return Holder(iin, key, issued["sign"], issued["auth"], authority.issuing_cert, auth_key)


@dataclass
class Filed:
    client: object
    id: str
    token: str
    document: str

    @property
    def auth(self) -> dict:
        return {"Authorization": f"Bearer {self.token}"}

    def get(self):
        return self.client.get(f"/api/v1/applications/{self.id}", headers=self.auth)

    def status(self) -> str:
        return self.get().get_json()["status"]

    def post(self, step: str, body: dict | None = None, *, token: bool = True):
        headers = self.auth if token else {}
        return self.client.post(f"/api/v1/applications/{self.id}/{step}", json=body or {}, headers=headers)


def file(
    client, *, applicant: str = APPLICANT_IIN, owner: str | None = None, address: str = ADDRESS
) -> Filed:
    body = {"applicant_iin": applicant, "address": address}
    if owner is not None:
        body["owner_iin"] = owner
    response = client.post("/api/v1/applications", json=body)
    assert response.status_code == 201, response.get_json()
    data = response.get_json()
    return Filed(client, data["id"], data["token"], data["document"])
