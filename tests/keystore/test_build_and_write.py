"""Building and writing keystores: file names, atomic owner-only writes, and every refusal."""

from __future__ import annotations

import os
import stat

import pytest
from cryptography import x509
from keystore_testkit import IIN, PASSWORD, make_ca

from keystore.errors import KeyCertificateMismatch, KeystoreExists, UnsupportedKey, WeakPassword
from keystore.keys import generate_private_key
from keystore.pkcs12 import build_keystore, keystore_filename, open_keystore, write_keystore


def _ski(certificate: x509.Certificate) -> str:
    return certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest.hex()


def test_file_names_follow_the_national_ca(auth_cert, sign_cert, mini_ca, ec_key):
    assert keystore_filename(auth_cert) == f"AUTH_RSA256_{_ski(auth_cert)}.p12"
    assert keystore_filename(sign_cert) == f"RSA256_{_ski(sign_cert)}.p12"
    ec_auth = mini_ca.issue(ec_key.public_key(), "auth")
    assert keystore_filename(ec_auth) == f"AUTH_ECDSA256_{_ski(ec_auth)}.p12"


def test_write_keystore_names_the_file_writes_it_owner_only_and_leaves_no_temp_file(
    tmp_path, rsa_key, sign_cert, mini_ca
):
    path = write_keystore(tmp_path, rsa_key, sign_cert, mini_ca.chain, PASSWORD)
    assert path == tmp_path / f"RSA256_{_ski(sign_cert)}.p12"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert os.listdir(tmp_path) == [path.name]
    assert open_keystore(path.read_bytes(), PASSWORD).certificate == sign_cert


def test_write_keystore_never_overwrites_an_existing_file(tmp_path, rsa_key, sign_cert, mini_ca):
    existing = tmp_path / keystore_filename(sign_cert)
    existing.write_bytes(b"the citizen's earlier keystore")
    with pytest.raises(KeystoreExists, match="already exists"):
        write_keystore(tmp_path, rsa_key, sign_cert, mini_ca.chain, PASSWORD)
    assert existing.read_bytes() == b"the citizen's earlier keystore"
    assert os.listdir(tmp_path) == [existing.name]


def test_a_certificate_for_another_key_is_refused(tmp_path, auth_cert, mini_ca):
    other_key = generate_private_key("p256")
    with pytest.raises(KeyCertificateMismatch, match="different key"):
        write_keystore(tmp_path, other_key, auth_cert, mini_ca.chain, PASSWORD)
    assert os.listdir(tmp_path) == []


def test_a_chain_from_another_ca_is_refused(rsa_key, auth_cert):
    stranger = make_ca("OTHER")
    with pytest.raises(KeyCertificateMismatch, match="chain does not fit"):
        build_keystore(rsa_key, auth_cert, stranger.chain, PASSWORD)


def test_a_chain_in_the_wrong_order_is_refused(rsa_key, auth_cert, mini_ca):
    with pytest.raises(KeyCertificateMismatch, match="issuing CA first"):
        build_keystore(rsa_key, auth_cert, [mini_ca.root_cert, mini_ca.issuing_cert], PASSWORD)


def test_a_chain_without_its_root_or_an_empty_chain_is_refused(tmp_path, rsa_key, auth_cert, mini_ca):
    for chain in ([mini_ca.issuing_cert], []):
        with pytest.raises(KeyCertificateMismatch, match="not a root CA"):
            write_keystore(tmp_path, rsa_key, auth_cert, chain, PASSWORD)
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize(
    ("password", "reason"),
    [("Qwerty12", "too easy to guess"), (f"Key{IIN}", "IIN"), ("short1A", "at least 8")],
)
def test_a_weak_password_is_refused_before_anything_is_built(
    tmp_path, rsa_key, auth_cert, mini_ca, password, reason
):
    with pytest.raises(WeakPassword, match=reason):
        write_keystore(tmp_path, rsa_key, auth_cert, mini_ca.chain, password)
    assert os.listdir(tmp_path) == []


def test_a_key_the_profile_does_not_allow_is_refused(mini_ca):
    from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

    weak = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    with pytest.raises(UnsupportedKey, match="too weak"):
        build_keystore(weak, mini_ca.issue(weak.public_key(), "sign"), mini_ca.chain, PASSWORD)
    edwards = ed25519.Ed25519PrivateKey.generate()
    with pytest.raises(UnsupportedKey, match="not allowed"):
        build_keystore(edwards, mini_ca.issue(edwards.public_key(), "sign"), mini_ca.chain, PASSWORD)
