"""Helpers for the signature tests: issue real certificates, sign real CMS, paths to national-CA files."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509 import ocsp
from cryptography.x509.oid import NameOID

from ca.authority import CertificateAuthority
from eds_agent.cms import sign_cms
from national_profile.iin import make_iin
from tests.evidence_free import StatedPerson

TESTDATA = Path(__file__).resolve().parents[3] / ".." / "shared" / "testdata"
NCA = TESTDATA.resolve() / "nca"
APPLICANT_IIN = make_iin(dt.date(1991, 4, 12), "F", 21)


@functools.cache
def citizen_key(index: int = 0) -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def csr_for(key: rsa.RSAPrivateKey, iin: str) -> bytes:
    from cryptography.hazmat.primitives import serialization

    name = x509.Name([x509.NameAttribute(NameOID.SERIAL_NUMBER, f"IIN{iin}")])
    csr = x509.CertificateSigningRequestBuilder().subject_name(name).sign(key, hashes.SHA256())
    return csr.public_bytes(serialization.Encoding.PEM)


@dataclass
class IssuedPair:
    iin: str
    key: rsa.RSAPrivateKey
    sign: x509.Certificate
    auth: x509.Certificate
    chain: list[x509.Certificate]
    auth_key: rsa.RSAPrivateKey  # AUTH and SIGN certificates never share a key (the CA refuses it)

    def sign_cms(self, data: bytes, *, profile: str = "sign", attached: bool = True) -> bytes:
        certificate = self.sign if profile == "sign" else self.auth
        key = self.key if profile == "sign" else self.auth_key
        return sign_cms(data, key, certificate, self.chain[:1], attached=attached)


def issue_pair(authority: CertificateAuthority, iin: str = APPLICANT_IIN, key_index: int = 0) -> IssuedPair:
    key = citizen_key(key_index)
    person = StatedPerson(iin, "Сейткали", "Айгерим", "Нурлановна")
    sign = authority.issue(csr_for(key, iin), person, "sign").certificate
    auth_key = citizen_key(key_index + 1000)
    auth = authority.issue(csr_for(auth_key, iin), person, "auth").certificate
    return IssuedPair(iin, key, sign, auth, authority.chain, auth_key)


def ocsp_request_for(certificate: x509.Certificate, issuer: x509.Certificate) -> bytes:
    from cryptography.hazmat.primitives import serialization

    builder = ocsp.OCSPRequestBuilder().add_certificate(certificate, issuer, hashes.SHA256())
    return builder.build().public_bytes(serialization.Encoding.DER)


def load_pem_or_der(path: Path) -> x509.Certificate:
    data = path.read_bytes()
    if data.lstrip().startswith(b"-----BEGIN"):
        return x509.load_pem_x509_certificate(data)
    return x509.load_der_x509_certificate(data)
