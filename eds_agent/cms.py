"""CMS (PKCS#7 SignedData) signatures with SHA-256, attached or detached, as NCALayer makes them."""

from __future__ import annotations

import base64

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.hazmat.primitives.serialization import pkcs7


def sign_cms(
    data: bytes,
    key: PrivateKeyTypes,
    certificate: x509.Certificate,
    chain: list[x509.Certificate],
    *,
    attached: bool,
) -> bytes:
    """DER SignedData over ``data``: signer certificate and its chain included, signed attributes
    (content type, signing time, message digest) as CAdES-BES needs. ``attached`` embeds the data."""
    builder = pkcs7.PKCS7SignatureBuilder().set_data(data).add_signer(certificate, key, hashes.SHA256())
    for ca_certificate in chain:
        builder = builder.add_certificate(ca_certificate)
    options = [pkcs7.PKCS7Options.Binary]
    if not attached:
        options.append(pkcs7.PKCS7Options.DetachedSignature)
    return builder.sign(serialization.Encoding.DER, options)


def cms_pem(der: bytes) -> str:
    """The ``-----BEGIN CMS-----`` armour ``kz.gov.pki.knca.basics`` returns (OpenSSL reads it)."""
    text = base64.b64encode(der).decode("ascii")
    lines = "".join(text[i : i + 64] + "\n" for i in range(0, len(text), 64))
    return f"-----BEGIN CMS-----\n{lines}-----END CMS-----\n"
