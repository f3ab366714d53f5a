"""Test kit for the keystore tests: a small national-profile CA (root -> issuing -> citizen), tool runners."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from national_profile.iin import make_iin
from national_profile.names import national_subject

REPO = Path(__file__).resolve().parents[2]
TESTDATA = REPO.parent / "shared" / "testdata"
LEGACY_KEYSTORE = TESTDATA / "nca" / "legacy_signer_Qwerty12.p12"
LEGACY_PASSWORD = "Qwerty12"

INDIVIDUAL = x509.ObjectIdentifier("1.2.398.3.3.4.1.1")
PASSWORD = "Steppe7Wind!"
IIN = make_iin(dt.date(1990, 3, 14), "M", 1234)


@dataclass
class Person:
    iin: str
    surname: str
    given_name: str
    patronymic: str | None


PERSON = Person(IIN, "Сейтқали", "Әлия", "Маратқызы")


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [x509.NameAttribute(NameOID.COMMON_NAME, common_name), x509.NameAttribute(NameOID.COUNTRY_NAME, "KZ")]
    )


@dataclass
class MiniCA:
    """Root and issuing CA; issues AUTH/SIGN certificates with the national profile's key usages and SKI."""

    root_key: rsa.RSAPrivateKey
    root_cert: x509.Certificate
    issuing_key: rsa.RSAPrivateKey
    issuing_cert: x509.Certificate

    @property
    def chain(self) -> list[x509.Certificate]:
        return [self.issuing_cert, self.root_cert]

    def issue(self, public_key, profile: str, person: Person = PERSON) -> x509.Certificate:
        now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        auth = profile == "auth"
        usage = ExtendedKeyUsageOID.CLIENT_AUTH if auth else ExtendedKeyUsageOID.EMAIL_PROTECTION
        return (
            x509.CertificateBuilder()
            .subject_name(national_subject(person.iin, person.surname, person.given_name, person.patronymic))
            .issuer_name(self.issuing_cert.subject)
            .public_key(public_key)
            .serial_number(int.from_bytes(os.urandom(20), "big") >> 1)
            .not_valid_before(now)
            .not_valid_after(now.replace(year=now.year + 1))
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=not auth,
                    key_encipherment=auth,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=False,
                    crl_sign=False,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(x509.ExtendedKeyUsage([usage, INDIVIDUAL]), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.issuing_key.public_key()),
                critical=False,
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
            .sign(self.issuing_key, hashes.SHA256())
        )


def _ca_certificate(subject, issuer, public_key, signing_key, path_length) -> x509.Certificate:
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=path_length), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .sign(signing_key, hashes.SHA256())
    )


def make_ca(label: str = "TEST") -> MiniCA:
    root_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    issuing_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    root_name = _name(f"ҰКО ROOT (RSA {label})")
    issuing_name = _name(f"ҰКО 3.0 (RSA {label})")
    root_cert = _ca_certificate(root_name, root_name, root_key.public_key(), root_key, 1)
    issuing_cert = _ca_certificate(issuing_name, root_name, issuing_key.public_key(), root_key, 0)
    return MiniCA(root_key, root_cert, issuing_key, issuing_cert)


def require_tool(name: str) -> str:
    """The tool's path; a missing tool FAILS the test (.ci/run installs it), it never skips."""
    path = shutil.which(name) or (f"/usr/bin/{name}" if Path(f"/usr/bin/{name}").exists() else None)
    if path is None:
        pytest.fail(f"{name} is not installed: run .ci/run (it installs openssl and a JRE with keytool)")
    return path


def run_tool(*args: str, input: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([require_tool(args[0]), *args[1:]], input=input, capture_output=True, timeout=120)
