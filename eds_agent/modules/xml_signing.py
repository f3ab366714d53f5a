"""XML signing for the NCALayer modules: ``commonUtils.signXml`` / ``signXmls`` and ``basics.sign``
with format ``xml``. The citizen is asked exactly as for CMS (the same password and key questions)."""

from __future__ import annotations

from typing import Any

from lxml import etree

from eds_agent.confirmation import Confirmer
from eds_agent.errors import BadRequest, NoSuitableKey, TimestampNotSupported
from eds_agent.key_folder import KeyFolder, KeyType, SignerFilter, UnlockedKey
from eds_agent.modules import Method
from eds_agent.questions import SigningRequest
from eds_agent.xml_signature import read_document, sign_xml

FILE_STORAGE = "PKCS12"


def read_documents(payloads: list[bytes], signing_params: dict[str, Any]) -> list[etree._Element]:
    """Every document parsed before the citizen is asked anything (a bad one refuses the request).
    XML signatures carry no time-stamp (no XAdES-T): a ``tsaProfile`` is refused, never ignored."""
    if signing_params.get("tsaProfile") is not None:
        raise TimestampNotSupported(
            "Time-stamped XML signatures (signingParams.tsaProfile with format xml) are not supported by "
            "eds agent: leave tsaProfile out to sign without one."
        )
    return [read_document(payload) for payload in payloads]


def sign_documents(documents: list[etree._Element], unlocked: UnlockedKey) -> list[str]:
    return [sign_xml(document, unlocked.key, unlocked.certificate, unlocked.chain) for document in documents]


def _arguments(args: Any, method: str, documents_type: type) -> tuple[str, Any]:
    """NCALayer's positional args: storage, key type, the XML (or a list), tbsElementXPath and
    signatureParentElementXPath (these two empty: the whole document is signed)."""
    args = args if isinstance(args, list) else []
    types = [str, str, documents_type, str, str]
    if len(args) < 3 or any(
        not isinstance(value, expected) for value, expected in zip(args, types, strict=False)
    ):
        raise BadRequest(f"argument type mismatch. Method: {method}")
    storage, key_type, documents = args[:3]
    if any(args[3:5]):
        raise BadRequest(
            "Signing a part of the XML (tbsElementXPath, signatureParentElementXPath) is not supported by "
            "eds agent: it signs the whole document."
        )
    if storage != FILE_STORAGE:
        raise NoSuitableKey(f"eds agent has no {storage} device; it keeps keys in {FILE_STORAGE} files.")
    return key_type, documents


def commonutils_methods(folder_of: Any, confirmer: Confirmer) -> dict[str, Method]:
    """``signXml`` (one document, answered with one string) and ``signXmls`` (a list, a list)."""

    def sign(texts: list[Any], key_type: str, origin: str) -> list[str]:
        if not texts or not all(isinstance(text, str) for text in texts):
            raise BadRequest("The XML documents must be a non-empty list of strings.")
        payloads = [text.encode("utf-8") for text in texts]
        documents = read_documents(payloads, {})
        wanted = SignerFilter(key_type=KeyType(key_type) if key_type in KeyType.__members__ else None)
        shown_type = {KeyType.SIGNATURE: "SIGN", KeyType.AUTHENTICATION: "AUTH"}.get(wanted.key_type)
        request = SigningRequest.of_documents(payloads, key_type=shown_type)
        unlocked = KeyFolder(folder_of()).select_signer(wanted, confirmer, origin, request)
        return sign_documents(documents, unlocked)

    def sign_xml_method(args: Any, origin: str) -> str:
        key_type, text = _arguments(args, "signXml", str)
        return sign([text], key_type, origin)[0]

    def sign_xmls_method(args: Any, origin: str) -> list[str]:
        key_type, texts = _arguments(args, "signXmls", list)
        return sign(texts, key_type, origin)

    return {"signXml": sign_xml_method, "signXmls": sign_xmls_method}
