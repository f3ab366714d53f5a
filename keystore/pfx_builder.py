"""Assemble a PKCS#12 (PFX) file with asn1crypto: the layout OpenSSL writes, at our protection level.

AuthenticatedSafe = [EncryptedData(certificate bags), Data(shrouded key bag)]; both encrypted with
PBES2/AES-256-CBC; MAC HMAC-SHA256 at the same iteration count. The end-entity certificate bag and the
key bag carry friendlyName and localKeyID; chain certificates carry no attributes (so Java lists one
key entry, and uses the chain to complete it).
"""

from __future__ import annotations

import os

from asn1crypto import cms, keys, pkcs12
from asn1crypto import x509 as asn1_x509

from keystore.pkcs12_mac import compute_mac
from national_profile.key_encryption import ITERATIONS, pbes2_encrypt

MAC_HASH = "sha256"
MAC_SALT_BYTES = 32


def _attributes(friendly_name: str, local_key_id: bytes) -> pkcs12.Attributes:
    return pkcs12.Attributes(
        [
            {"type": "friendly_name", "values": [friendly_name]},
            {"type": "local_key_id", "values": [local_key_id]},
        ]
    )


def _cert_bag(certificate_der: bytes, attributes: pkcs12.Attributes | None) -> pkcs12.SafeBag:
    bag = {
        "bag_id": "cert_bag",
        "bag_value": pkcs12.CertBag(
            {"cert_id": "x509", "cert_value": asn1_x509.Certificate.load(certificate_der)}
        ),
    }
    if attributes is not None:
        bag["bag_attributes"] = attributes
    return pkcs12.SafeBag(bag)


def build_pfx(
    *,
    private_key_pkcs8_der: bytes,
    certificate_der: bytes,
    chain_der: list[bytes],
    friendly_name: str,
    local_key_id: bytes,
    password: str,
    iterations: int = ITERATIONS,
) -> bytes:
    """DER of a PFX holding the key, its certificate and the chain, protected by ``password``."""
    attributes = _attributes(friendly_name, local_key_id)

    certificates = pkcs12.SafeContents(
        [_cert_bag(certificate_der, attributes)] + [_cert_bag(der, None) for der in chain_der]
    )
    cert_algorithm, cert_ciphertext = pbes2_encrypt(certificates.dump(), password, iterations=iterations)
    encrypted_certificates = cms.ContentInfo(
        {
            "content_type": "encrypted_data",
            "content": cms.EncryptedData(
                {
                    "version": "v0",
                    "encrypted_content_info": {
                        "content_type": "data",
                        "content_encryption_algorithm": cert_algorithm,
                        "encrypted_content": cert_ciphertext,
                    },
                }
            ),
        }
    )

    key_algorithm, key_ciphertext = pbes2_encrypt(private_key_pkcs8_der, password, iterations=iterations)
    key_bag = pkcs12.SafeBag(
        {
            "bag_id": "pkcs8_shrouded_key_bag",
            "bag_value": keys.EncryptedPrivateKeyInfo(
                {"encryption_algorithm": key_algorithm, "encrypted_data": key_ciphertext}
            ),
            "bag_attributes": attributes,
        }
    )
    key_contents = cms.ContentInfo({"content_type": "data", "content": pkcs12.SafeContents([key_bag]).dump()})

    authenticated_safe = pkcs12.AuthenticatedSafe([encrypted_certificates, key_contents]).dump()
    mac_salt = os.urandom(MAC_SALT_BYTES)
    mac = compute_mac(MAC_HASH, password, mac_salt, iterations, authenticated_safe)
    pfx = pkcs12.Pfx(
        {
            "version": "v3",
            "auth_safe": {"content_type": "data", "content": authenticated_safe},
            "mac_data": {
                "mac": {"digest_algorithm": {"algorithm": MAC_HASH, "parameters": None}, "digest": mac},
                "mac_salt": mac_salt,
                "iterations": iterations,
            },
        }
    )
    return pfx.dump()
