"""PKCS#12 keystores for citizens: build, write, open, inspect.

Written the way the issue asks (and ``cryptography`` alone cannot): PBES2 AES-256-CBC with
PBKDF2-HMAC-SHA256 for the key and the certificates, a SHA-256 MAC at the same iteration count, the
chain included, and friendlyName = localKeyID = the certificate's SKI (hex, lower case) as the
national CA's keystores have them. Opening also reads the national CA's legacy 3DES/RC2 files.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.hazmat.primitives.serialization import pkcs12 as crypto_pkcs12
from cryptography.x509.oid import NameOID

from keystore.certificate_details import (
    algorithm_tag,
    describe_key,
    describe_signature,
    display_name,
    gost_key,
    name_value,
    subject_key_id,
)
from keystore.certificates_only import read_keystore_certificates
from keystore.errors import CorruptKeystore, KeyCertificateMismatch, KeystoreExists, WrongPassword
from keystore.files import write_new_file
from keystore.keys import SupportedPrivateKey, check_supported_key
from keystore.password_policy import check_password
from keystore.pfx_builder import build_pfx
from keystore.pfx_reader import PfxLayout, Protection, read_layout
from keystore.pkcs12_mac import mac_matches
from national_profile.iin import iin_of
from national_profile.profiles import Profile, profile_of


@dataclass(frozen=True)
class OpenedKeystore:
    """The contents of an opened keystore: the key, its certificate, the CA chain (issuer first)."""

    key: SupportedPrivateKey
    certificate: x509.Certificate
    chain: list[x509.Certificate]
    friendly_name: str | None


@dataclass(frozen=True)
class KeystoreInfo:
    """What ``eds keystore inspect`` shows; the protection figures are read from the file itself."""

    file_name_expected: str
    owner: str
    surname: str | None
    patronymic: str | None
    iin: str | None
    profile: str | None
    serial_number: str
    not_before: dt.datetime
    not_after: dt.datetime
    issuer: str
    key_algorithm: str
    key_size: int
    signature_algorithm: str
    friendly_name: str | None
    local_key_id: str | None
    chain: list[str]
    key_protection: list[Protection]
    certificate_protection: list[Protection]
    mac_algorithm: str | None
    mac_iterations: int | None

    def to_dict(self) -> dict:
        """JSON-ready: datetimes as ISO 8601 strings."""
        data = asdict(self)
        data["not_before"] = self.not_before.isoformat()
        data["not_after"] = self.not_after.isoformat()
        return data


def _public_der(key_or_cert) -> bytes:
    public_key = key_or_cert.public_key()
    return public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _check_chain(certificate: x509.Certificate, chain: list[x509.Certificate]) -> None:
    issued = certificate
    for issuer in chain:
        try:
            issued.verify_directly_issued_by(issuer)
        except (ValueError, TypeError, InvalidSignature) as error:
            raise KeyCertificateMismatch(
                f"The chain does not fit: '{display_name(issued.subject)}' was not issued by "
                f"'{display_name(issuer.subject)}'. Use the chain file from 'eds ca chain' "
                "(issuing CA first, then the root)."
            ) from error
        issued = issuer
    if not _is_self_signed(issued):
        raise KeyCertificateMismatch(
            f"The chain ends at '{display_name(issued.subject)}', which is not a root CA (a root signs its "
            "own certificate), so programs cannot check the keystore's certificate up to a trusted root. "
            "Use the chain file from 'eds ca chain' (issuing CA first, then the root)."
        )


def _is_self_signed(certificate: x509.Certificate) -> bool:
    if certificate.subject != certificate.issuer:
        return False
    try:
        certificate.verify_directly_issued_by(certificate)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def keystore_filename(certificate: x509.Certificate) -> str:
    """``AUTH_RSA256_<hex SKI>.p12`` for AUTH (clientAuth), ``RSA256_<hex SKI>.p12`` for SIGN.

    EC keys: ``AUTH_ECDSA256_<hex SKI>.p12`` / ``ECDSA256_<hex SKI>.p12`` (``ECDSA384`` for P-384).
    """
    prefix = "AUTH_" if profile_of(certificate) is Profile.AUTH else ""
    return f"{prefix}{algorithm_tag(certificate.public_key())}_{subject_key_id(certificate).hex()}.p12"


def build_keystore(
    key: PrivateKeyTypes, certificate: x509.Certificate, chain: list[x509.Certificate], password: str
) -> bytes:
    """The PKCS#12 bytes for ``key`` + ``certificate`` + ``chain`` (issuer first) under ``password``.

    Refuses (nothing is produced) a password the policy rejects, a key the profile does not allow, a
    certificate for another key, and a chain that does not certify the certificate up to a self-signed
    root.
    """
    check_password(password, iin=iin_of(certificate.subject))
    checked_key = check_supported_key(key)
    if _public_der(checked_key) != _public_der(certificate):
        raise KeyCertificateMismatch(
            "This certificate was issued for a different key: use the certificate issued for the "
            "request made together with this key file."
        )
    _check_chain(certificate, chain)
    key_id = subject_key_id(certificate)
    return build_pfx(
        private_key_pkcs8_der=checked_key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ),
        certificate_der=certificate.public_bytes(serialization.Encoding.DER),
        chain_der=[ca.public_bytes(serialization.Encoding.DER) for ca in chain],
        friendly_name=key_id.hex(),
        local_key_id=key_id,
        password=password,
    )


def write_keystore(
    directory: Path,
    key: PrivateKeyTypes,
    certificate: x509.Certificate,
    chain: list[x509.Certificate],
    password: str,
) -> Path:
    """Build the keystore and write it as ``directory/keystore_filename(certificate)``, mode 0600.

    Atomic (temp file, fsync, link) and never over an existing file (KeystoreExists).
    """
    path = Path(directory) / keystore_filename(certificate)
    if path.exists():  # say so before spending the key derivations (write_new_file checks again)
        raise KeystoreExists(f"{path} already exists; it was left untouched. Choose another folder.")
    return write_new_file(path, build_keystore(key, certificate, chain, password))


def _wrong_password() -> WrongPassword:
    return WrongPassword(
        "The password does not open this keystore. Passwords are case-sensitive: check the keyboard "
        "layout and Caps Lock. (A file altered after it was written is refused the same way.)"
    )


def _password_opens_mac(layout: PfxLayout, password: str) -> bool:
    mac = layout.mac
    if mac is None:
        return True
    try:
        return mac_matches(mac.hash_name, password, mac.salt, mac.iterations, mac.covered, mac.digest)
    except (AttributeError, ValueError):
        return True  # a MAC we cannot compute: do not blame the password


def _issuer_first(certificate: x509.Certificate, others: list[x509.Certificate]) -> list[x509.Certificate]:
    remaining = list(others)
    ordered: list[x509.Certificate] = []
    current = certificate
    while True:
        issuer = next((c for c in remaining if c.subject == current.issuer and c is not current), None)
        if issuer is None:
            break
        ordered.append(issuer)
        remaining.remove(issuer)
        if issuer.subject == issuer.issuer:
            break
        current = issuer
    return ordered + remaining


def _open(data: bytes, password: str) -> tuple[OpenedKeystore, PfxLayout]:
    layout = read_layout(data)
    try:
        loaded = crypto_pkcs12.load_pkcs12(data, password.encode("utf-8"))
    except ValueError:
        if not _password_opens_mac(layout, password):
            raise _wrong_password() from None
        raise CorruptKeystore(
            "The password is right, but the keystore's contents cannot be read: the file is damaged "
            "or holds a key type this toolkit does not support (such as GOST)."
        ) from None
    if loaded.key is None or loaded.cert is None:
        raise CorruptKeystore("This keystore holds no private key with its certificate: it cannot sign.")
    certificate = loaded.cert.certificate
    if _public_der(loaded.key) != _public_der(certificate):
        raise CorruptKeystore("The keystore's certificate does not belong to its key: the file is damaged.")
    key = check_supported_key(loaded.key)
    friendly = loaded.cert.friendly_name.decode("utf-8", "replace") if loaded.cert.friendly_name else None
    chain = _issuer_first(certificate, [extra.certificate for extra in loaded.additional_certs])
    return OpenedKeystore(key=key, certificate=certificate, chain=chain, friendly_name=friendly), layout


def _open_gost(
    data: bytes, password: str
) -> tuple[x509.Certificate, list[x509.Certificate], str | None, PfxLayout] | None:
    """A GOST keystore's certificate, chain and alias (its key unread); None for any other file."""
    try:
        found = read_keystore_certificates(data, password)
    except (CorruptKeystore, WrongPassword):
        return None
    if gost_key(found.certificate) is None:
        return None
    chain = _issuer_first(found.certificate, list(found.others))
    return found.certificate, chain, found.alias, read_layout(data)


def open_keystore(data: bytes, password: str) -> OpenedKeystore:
    """Open a keystore (ours, or the national CA's legacy 3DES/RC2 ones).

    WrongPassword when the password does not open it; CorruptKeystore when the file is damaged,
    truncated, not a keystore, or holds no usable key.
    """
    return _open(data, password)[0]


def inspect_keystore(data: bytes, password: str) -> KeystoreInfo:
    """Open the keystore and describe it: owner, IIN, profile, validity, issuer, algorithms, protection.

    The national CA's GOST keystores are described from their certificates (their keys are not read).
    """
    try:
        opened, layout = _open(data, password)
        certificate, chain, friendly_name = opened.certificate, opened.chain, opened.friendly_name
    except CorruptKeystore:
        gost_keystore = _open_gost(data, password)
        if gost_keystore is None:
            raise
        certificate, chain, friendly_name, layout = gost_keystore
    gost = gost_key(certificate)
    if gost is None:
        key_algorithm, key_size = describe_key(certificate.public_key())
        file_name = keystore_filename(certificate)
    else:
        key_algorithm, key_size, tag = gost
        prefix = "AUTH_" if profile_of(certificate) is Profile.AUTH else ""
        file_name = f"{prefix}{tag}_{subject_key_id(certificate).hex()}.p12"
    return KeystoreInfo(
        file_name_expected=file_name,
        owner=display_name(certificate.subject),
        surname=name_value(certificate.subject, NameOID.SURNAME),
        patronymic=name_value(certificate.subject, NameOID.GIVEN_NAME),
        iin=iin_of(certificate.subject),
        profile=profile.name if (profile := profile_of(certificate)) is not None else None,
        serial_number=f"{certificate.serial_number:040x}",  # as `eds ca show` prints it
        not_before=certificate.not_valid_before_utc,
        not_after=certificate.not_valid_after_utc,
        issuer=display_name(certificate.issuer),
        key_algorithm=key_algorithm,
        key_size=key_size,
        signature_algorithm=describe_signature(certificate),
        friendly_name=layout.key_friendly_name or friendly_name,
        local_key_id=layout.key_local_key_id.hex() if layout.key_local_key_id else None,
        chain=[display_name(ca.subject) for ca in chain],
        key_protection=layout.key_protection,
        certificate_protection=layout.certificate_protection,
        mac_algorithm=layout.mac.algorithm if layout.mac else None,
        mac_iterations=layout.mac.iterations if layout.mac else None,
    )
