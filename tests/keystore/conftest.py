"""Fixtures: one mini CA, keys and certificates per session (RSA key generation is the slow part)."""

from __future__ import annotations

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from keystore_testkit import PASSWORD, MiniCA, make_ca

from keystore.keys import generate_private_key
from keystore.pkcs12 import build_keystore


@pytest.fixture(scope="session")
def mini_ca() -> MiniCA:
    return make_ca()


@pytest.fixture(scope="session")
def rsa_key() -> rsa.RSAPrivateKey:
    return generate_private_key("rsa2048")


@pytest.fixture(scope="session")
def ec_key() -> ec.EllipticCurvePrivateKey:
    return generate_private_key("p256")


@pytest.fixture(scope="session")
def auth_cert(mini_ca, rsa_key) -> x509.Certificate:
    return mini_ca.issue(rsa_key.public_key(), "auth")


@pytest.fixture(scope="session")
def sign_cert(mini_ca, rsa_key) -> x509.Certificate:
    return mini_ca.issue(rsa_key.public_key(), "sign")


@pytest.fixture(scope="session")
def auth_keystore(rsa_key, auth_cert, mini_ca) -> bytes:
    return build_keystore(rsa_key, auth_cert, mini_ca.chain, PASSWORD)
