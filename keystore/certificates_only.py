"""The certificates of a keystore whose key this toolkit cannot load (the national CA's GOST keystores).

Enough to verify with them: the password is checked against the file's MAC, and the certificate bag
is decrypted by ``cryptography`` (OpenSSL) from a copy of the file without the key bag (MAC'd again
under the same password); the key itself stays encrypted and unread.
"""

from __future__ import annotations

from dataclasses import dataclass

from asn1crypto import cms, pkcs12
from cryptography import x509
from cryptography.hazmat.primitives.serialization import pkcs12 as crypto_pkcs12

from keystore.errors import CorruptKeystore, WrongPassword
from keystore.pfx_reader import read_layout
from keystore.pkcs12_mac import compute_mac, mac_matches


@dataclass(frozen=True)
class KeystoreCertificates:
    """The key's certificate, the other certificates (CA first), and the key's alias (friendlyName)."""

    certificate: x509.Certificate
    others: tuple[x509.Certificate, ...]
    alias: str | None


def read_keystore_certificates(data: bytes, password: str) -> KeystoreCertificates:
    """Open a PKCS#12 keystore for its certificates only, whatever its key's algorithm.

    WrongPassword when the password does not open it; CorruptKeystore when it is damaged, not a
    keystore, or holds no certificate.
    """
    layout = read_layout(data)
    mac = layout.mac
    if mac is not None and not mac_matches(
        mac.hash_name, password, mac.salt, mac.iterations, mac.covered, mac.digest
    ):
        raise WrongPassword(
            "The password does not open this keystore. Passwords are case-sensitive: check the keyboard "
            "layout and Caps Lock."
        )
    try:
        loaded = crypto_pkcs12.load_pkcs12(_without_keys(data, password), password.encode("utf-8"))
    except ValueError:
        raise CorruptKeystore("The keystore's certificates cannot be read: the file is damaged.") from None
    certificates = [item.certificate for item in (loaded.cert, *loaded.additional_certs) if item is not None]
    holders = [cert for cert in certificates if not _is_ca(cert)]
    if not holders:
        raise CorruptKeystore("This keystore holds no certificate for its key.")
    holder = holders[0]
    others = tuple(cert for cert in certificates if cert is not holder)
    return KeystoreCertificates(holder, others, layout.key_friendly_name)


def _without_keys(data: bytes, password: str) -> bytes:
    """The same PFX with its key bags left out, MAC'd again (OpenSSL insists on a MAC with a password)."""
    pfx = pkcs12.Pfx.load(data)
    kept = []
    for content_info in pkcs12.AuthenticatedSafe.load(pfx["auth_safe"]["content"].native):
        if content_info["content_type"].native == "data":
            bags = pkcs12.SafeContents.load(content_info["content"].native)
            plain = [bag for bag in bags if bag["bag_id"].native not in ("pkcs8_shrouded_key_bag", "key_bag")]
            if not plain:
                continue
            content_info = cms.ContentInfo(
                {"content_type": "data", "content": pkcs12.SafeContents(plain).dump()}
            )
        kept.append(content_info)
    covered = pkcs12.AuthenticatedSafe(kept).dump()
    salt, iterations, hash_name = b"\x00" * 8, 1, "sha256"
    mac = compute_mac(hash_name, password, salt, iterations, covered)
    return pkcs12.Pfx(
        {
            "version": 3,
            "auth_safe": cms.ContentInfo({"content_type": "data", "content": covered}),
            "mac_data": {
                "mac": {"digest_algorithm": {"algorithm": hash_name}, "digest": mac},
                "mac_salt": salt,
                "iterations": iterations,
            },
        }
    ).dump()


def _is_ca(certificate: x509.Certificate) -> bool:
    try:
        return certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    except (x509.ExtensionNotFound, ValueError):
        return False
