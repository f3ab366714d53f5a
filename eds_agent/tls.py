"""The agent's TLS certificate for 127.0.0.1, made on first start in ``<home>/agent/``."""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import ssl
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CERT_NAME = "agent-tls.crt"
KEY_NAME = "agent-tls.key"


def ensure_tls_certificate(agent_dir: Path) -> tuple[Path, Path, bool]:
    """Return (certificate, key, created). Self-signed, for IP 127.0.0.1 and ``localhost``, 2 years."""
    agent_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    cert_path, key_path = agent_dir / CERT_NAME, agent_dir / KEY_NAME
    if cert_path.exists() and key_path.exists():
        certificate = x509.load_pem_x509_certificate(cert_path.read_bytes())
        if certificate.not_valid_after_utc > dt.datetime.now(dt.UTC) + dt.timedelta(days=7):
            return cert_path, key_path, False
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "eds agent on 127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=730))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(key_pem)
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return cert_path, key_path, True


def server_context(cert_path: Path, key_path: Path) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert_path, key_path)
    return context


def trust_instructions(cert_path: Path, port: int) -> str:
    """How the citizen makes the browser trust the agent (printed on first start)."""
    return (
        f"eds agent made its TLS certificate: {cert_path}\n"
        "Your browser must trust it once:\n"
        f"  - quickest: open https://127.0.0.1:{port}/ in the browser and accept the certificate;\n"
        "  - Chrome/Chromium on Linux:\n"
        f"      certutil -d sql:$HOME/.pki/nssdb -A -t 'P,,' -n eds-agent -i {cert_path}\n"
        "  - Firefox: Settings > Privacy & Security > Certificates > View Certificates > Servers > Import;\n"
        f"  - Windows: certutil -addstore -user Root {cert_path}\n"
        "  - macOS:\n"
        f"    security add-trusted-cert -r trustAsRoot -k ~/Library/Keychains/login.keychain-db {cert_path}\n"
    )
