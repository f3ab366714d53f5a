"""The PKCS#12 key derivation (RFC 7292 B.2) against the classic test vectors, and the MAC against OpenSSL."""

from __future__ import annotations

import pytest
from keystore_testkit import PASSWORD, run_tool

from keystore.pfx_reader import read_layout
from keystore.pkcs12_mac import mac_matches, pkcs12_kdf


# The PKCS#12 KDF vectors OpenSSL and Bouncy Castle test with (SHA-1; 24-byte keys take two blocks).
@pytest.mark.parametrize(
    ("password", "salt", "key_id", "iterations", "length", "expected"),
    [
        ("smeg", "0A58CF64530D823F", 1, 1, 24, "8AAAE6297B6CB04642AB5B077851284EB7128F1A2A7FBCA3"),
        ("smeg", "0A58CF64530D823F", 2, 1, 8, "79993DFE048D3B76"),
        ("queeg", "1682C0FC5B3F7EC5", 1, 1000, 24, "483DD6E919D7DE2E8E648BA8F862F3FBFBDC2BCB2C02957F"),
        ("queeg", "1682C0FC5B3F7EC5", 2, 1000, 8, "9D461D1B00355C50"),
    ],
)
def test_kdf_matches_the_published_vectors(password, salt, key_id, iterations, length, expected):
    assert (
        pkcs12_kdf("sha1", password, bytes.fromhex(salt), key_id, iterations, length).hex().upper()
        == expected
    )


def test_our_mac_check_agrees_with_openssl_on_a_file_openssl_wrote(tmp_path, auth_keystore):
    # OpenSSL re-exports our keystore with its own SHA-256 MAC; our code must verify that MAC too.
    (tmp_path / "ours.p12").write_bytes(auth_keystore)
    pem = run_tool(
        "openssl", "pkcs12", "-in", str(tmp_path / "ours.p12"), "-passin", f"pass:{PASSWORD}", "-nodes"
    )
    assert pem.returncode == 0
    (tmp_path / "all.pem").write_bytes(pem.stdout)
    exported = run_tool(
        "openssl", "pkcs12", "-export", "-in", str(tmp_path / "all.pem"), "-passout", f"pass:{PASSWORD}",
        "-macalg", "sha256", "-iter", "5000", "-maciter",
    )  # fmt: skip
    assert exported.returncode == 0, exported.stderr.decode()
    mac = read_layout(exported.stdout).mac
    assert mac is not None and mac.hash_name == "sha256"
    assert mac_matches(mac.hash_name, PASSWORD, mac.salt, mac.iterations, mac.covered, mac.digest)
    assert not mac_matches(mac.hash_name, "Steppe7Wind?", mac.salt, mac.iterations, mac.covered, mac.digest)
