"""The agent's TLS for 127.0.0.1: a local CA made once per installation, and the server certificate it signs.

Both live in ``<home>/agent/``. The CA is what browsers are told to trust (:mod:`eds_agent.trust`);
it is name-constrained to ``localhost`` and ``127.0.0.1`` and limited to TLS server certificates, so
its key, which never leaves that folder, cannot vouch for any other site even if it were stolen.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import secrets
import ssl
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CA_CERT_NAME = "agent-ca.crt"
CA_KEY_NAME = "agent-ca.key"
CERT_NAME = "agent-tls.crt"
KEY_NAME = "agent-tls.key"

LOOPBACK_IP = ipaddress.ip_address("127.0.0.1")
CA_VALIDITY = dt.timedelta(days=3650)
# Chromium refuses server certificates valid longer than 398 days from public CAs; staying under it
# costs nothing, since the agent signs a new one from its CA when this one nears its end.
SERVER_VALIDITY = dt.timedelta(days=397)
RENEW_BEFORE = dt.timedelta(days=30)


def _write_key(path: Path, key: ec.EllipticCurvePrivateKey) -> None:
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)


def _load(cert_path: Path, key_path: Path) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey] | None:
    if not (cert_path.is_file() and key_path.is_file()):
        return None
    key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        return None
    return x509.load_pem_x509_certificate(cert_path.read_bytes()), key


def _valid_for(certificate: x509.Certificate, margin: dt.timedelta) -> bool:
    return certificate.not_valid_after_utc > dt.datetime.now(dt.UTC) + margin


def ensure_local_ca(agent_dir: Path) -> tuple[Path, bool]:
    """Return (CA certificate path, created): the installation's CA, made on first use (P-256, 10 years)."""
    agent_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    cert_path, key_path = agent_dir / CA_CERT_NAME, agent_dir / CA_KEY_NAME
    existing = _load(cert_path, key_path)
    if existing is not None and _valid_for(existing[0], RENEW_BEFORE):
        return cert_path, False
    key = ec.generate_private_key(ec.SECP256R1())
    # A random suffix: two installations never share a subject, which NSS would confuse.
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"eds agent local CA {secrets.token_hex(4)}")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + CA_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.NameConstraints(
                permitted_subtrees=[
                    x509.DNSName("localhost"),
                    x509.IPAddress(ipaddress.ip_network("127.0.0.1/32")),
                ],
                excluded_subtrees=None,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    _write_key(key_path, key)
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return cert_path, True


def issue_server_certificate(
    ca_dir: Path, names: list[x509.GeneralName], key: ec.EllipticCurvePrivateKey
) -> x509.Certificate:
    """A TLS server certificate for ``names`` signed by the CA in ``ca_dir`` (tests ask for other names)."""
    loaded = _load(ca_dir / CA_CERT_NAME, ca_dir / CA_KEY_NAME)
    if loaded is None:
        raise FileNotFoundError(f"no agent CA in {ca_dir}")
    ca_certificate, ca_key = loaded
    now = dt.datetime.now(dt.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "eds agent on 127.0.0.1")]))
        .issuer_name(ca_certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(min(now + SERVER_VALIDITY, ca_certificate.not_valid_after_utc))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )


def _issued_by(certificate: x509.Certificate, ca_cert_path: Path) -> bool:
    ca_certificate = x509.load_pem_x509_certificate(ca_cert_path.read_bytes())
    try:
        certificate.verify_directly_issued_by(ca_certificate)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def ensure_tls_certificate(agent_dir: Path) -> tuple[Path, Path, bool]:
    """Return (certificate, key, created): the server certificate for 127.0.0.1 and ``localhost``.

    Made anew when missing, near its end, or not signed by the installation's CA (an agent of an
    earlier version had a self-signed one).
    """
    ca_cert_path, _ = ensure_local_ca(agent_dir)
    cert_path, key_path = agent_dir / CERT_NAME, agent_dir / KEY_NAME
    existing = _load(cert_path, key_path)
    if (
        existing is not None
        and _valid_for(existing[0], RENEW_BEFORE)
        and _issued_by(existing[0], ca_cert_path)
    ):
        return cert_path, key_path, False
    key = ec.generate_private_key(ec.SECP256R1())
    names: list[x509.GeneralName] = [x509.IPAddress(LOOPBACK_IP), x509.DNSName("localhost")]
    certificate = issue_server_certificate(agent_dir, names, key)
    _write_key(key_path, key)
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return cert_path, key_path, True


def server_context(cert_path: Path, key_path: Path) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert_path, key_path)
    return context
