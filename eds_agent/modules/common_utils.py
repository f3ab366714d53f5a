"""``kz.gov.pki.knca.commonUtils``: getActiveTokens, getKeyInfo, createCAdESFromBase64 (a CMS given as
data gets one more signer), createCAdESFromBase64Hash, createCMSSignatureFromBase64 (time-stamped),
changeLocale, signXml and signXmls (``xml_signing``)."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from eds_agent.confirmation import Confirmer
from eds_agent.errors import BadRequest, NoSuitableKey, TimestampNotSupported
from eds_agent.key_folder import KeyFolder, KeyType, SignerFilter
from eds_agent.language import set_page_language
from eds_agent.modules import AgentModule, decode_base64, flag
from eds_agent.modules.xml_signing import commonutils_methods
from eds_agent.payloads import Payload, signing_request
from eds_agent.questions import SigningRequest
from national_profile.names import SUBJECT_LABELS

NAME = "kz.gov.pki.knca.commonUtils"
FILE_STORAGE = "PKCS12"


def _args(args: Any, method: str, types: list[type], required: int) -> list[Any]:
    """Positional args checked the way NCALayer does ("argument type mismatch. Method: ...")."""
    args = args if isinstance(args, list) else []
    if len(args) < required or any(
        not isinstance(value, expected) for value, expected in zip(args, types, strict=False)
    ):
        raise BadRequest(f"argument type mismatch. Method: {method}")
    return args + [None] * (len(types) - len(args))


def _storage(storage: str) -> None:
    if storage != FILE_STORAGE:
        raise NoSuitableKey(f"eds agent has no {storage} device; it keeps keys in {FILE_STORAGE} files.")


def _cn(name: x509.Name) -> str:
    values = name.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    return str(values[0].value) if values else ""


def java_dn(name: x509.Name) -> str:
    """The DN as NCALayer (Java) prints it: attributes in certificate order, ``SERIALNUMBER=IIN...``."""
    return ",".join(
        f"{SUBJECT_LABELS.get(attribute.oid, attribute.oid.dotted_string)}={attribute.value}"
        for attribute in name
    )


def _hex_ski(certificate: x509.Certificate) -> str:
    try:
        return certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest.hex()
    except x509.ExtensionNotFound:
        return ""


def key_info(certificate: x509.Certificate) -> dict[str, str]:
    """NCALayer's KeyInfo: names, serial (hex), validity as epoch milliseconds (strings), PEM."""
    try:
        aki = certificate.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
        authority_key_id = (aki.key_identifier or b"").hex()
    except x509.ExtensionNotFound:
        authority_key_id = ""
    return {
        "alias": _hex_ski(certificate),
        "keyId": _hex_ski(certificate),
        "algorithm": "RSA" if isinstance(certificate.public_key(), rsa.RSAPublicKey) else "ECDSA",
        "subjectCn": _cn(certificate.subject),
        "subjectDn": java_dn(certificate.subject),
        "issuerCn": _cn(certificate.issuer),
        "issuerDn": java_dn(certificate.issuer),
        "serialNumber": format(certificate.serial_number, "x"),
        "certNotAfter": str(int(certificate.not_valid_after_utc.timestamp() * 1000)),
        "certNotBefore": str(int(certificate.not_valid_before_utc.timestamp() * 1000)),
        "authorityKeyIdentifier": authority_key_id,
        "pem": certificate.public_bytes(serialization.Encoding.PEM).decode(),
    }


def make_module(
    folder_of: Any, confirmer: Confirmer, timestamp: Callable[[bytes], bytes] | None = None
) -> AgentModule:
    """``folder_of()`` gives the current key store folder; ``timestamp`` adds a signature time-stamp
    to a DER CMS (the agent's TSA), for createCMSSignatureFromBase64."""

    def get_active_tokens(args: Any, origin: str) -> list[str]:
        # Like NCALayer: only hardware tokens are listed; files (PKCS12) are always available.
        return []

    def get_key_info(args: Any, origin: str) -> dict[str, str]:
        (storage,) = _args(args, "getKeyInfo", [str], 1)[:1]
        _storage(storage)
        unlocked = KeyFolder(folder_of()).select_signer(SignerFilter(), confirmer, origin, SigningRequest())
        return key_info(unlocked.certificate)

    def signed_by_key_type(key_type: Any, payload: Payload, origin: str, *, attached: bool) -> bytes:
        """Ask for a key of ``key_type`` (SIGNATURE / AUTHENTICATION; any other: any key) and sign."""
        wanted = SignerFilter(key_type=KeyType(key_type) if key_type in KeyType.__members__ else None)
        shown_type = {KeyType.SIGNATURE: "SIGN", KeyType.AUTHENTICATION: "AUTH"}.get(wanted.key_type)
        request = signing_request([payload], key_type=shown_type)
        unlocked = KeyFolder(folder_of()).select_signer(wanted, confirmer, origin, request)
        return payload.sign(unlocked, attached=attached)

    def create_cades_from_base64(args: Any, origin: str) -> str:
        storage, key_type, data, attach = _args(args, "createCAdESFromBase64", [str, str, str, bool], 3)
        _storage(storage)
        payload = Payload.of(decode_base64(data, "data"))
        der = signed_by_key_type(key_type, payload, origin, attached=flag(attach))
        return base64.b64encode(der).decode("ascii")

    def create_cades_from_base64_hash(args: Any, origin: str) -> str:
        storage, key_type, digest = _args(args, "createCAdESFromBase64Hash", [str, str, str], 3)
        _storage(storage)
        payload = Payload.of(decode_base64(digest, "hash"), digested=True)
        der = signed_by_key_type(key_type, payload, origin, attached=False)
        return base64.b64encode(der).decode("ascii")

    def create_cms_signature_from_base64(args: Any, origin: str) -> str:
        """NCALayer's (deprecated) CAdES with a time-stamp: signed as createCAdESFromBase64, then
        stamped by the agent's TSA; without one it is refused before the citizen is asked."""
        method = "createCMSSignatureFromBase64"
        storage, key_type, data, attach = _args(args, method, [str, str, str, bool], 3)
        _storage(storage)
        if timestamp is None:
            raise TimestampNotSupported(
                "createCMSSignatureFromBase64 makes time-stamped signatures, and eds agent has no "
                "time-stamp server: use createCAdESFromBase64 to sign without a time-stamp."
            )
        payload = Payload.of(decode_base64(data, "data"))
        der = signed_by_key_type(key_type, payload, origin, attached=flag(attach))
        return base64.b64encode(timestamp(der)).decode("ascii")

    def change_locale(args: Any, origin: str) -> None:
        (locale,) = _args(args, "changeLocale", [str], 1)[:1]
        set_page_language(locale)
        return None

    return AgentModule(
        NAME,
        "common",
        {
            "getActiveTokens": get_active_tokens,
            "getKeyInfo": get_key_info,
            "createCAdESFromBase64": create_cades_from_base64,
            "createCAdESFromBase64Hash": create_cades_from_base64_hash,
            "createCMSSignatureFromBase64": create_cms_signature_from_base64,
            "changeLocale": change_locale,
            **commonutils_methods(folder_of, confirmer),
        },
        read_only=frozenset({"getActiveTokens", "changeLocale"}),
    )
