"""``kz.gov.pki.knca.basics``: the 2022 ``sign`` method (CMS or XML), with NCALayer's signer filters;
for CMS, ``digested: true`` signs given SHA-256 hashes, a CMS given as data gets one more signer, and
CAdES-T (a signature time-stamp) is made when the page gives ``tsaProfile`` and the agent has a TSA."""

from __future__ import annotations

import re
from typing import Any

from cryptography.hazmat.primitives import serialization

from eds_agent.cms import cms_pem
from eds_agent.confirmation import Confirmer
from eds_agent.errors import BadRequest, InvocationError, NoSuitableKey, TimestampNotSupported
from eds_agent.key_folder import KeyFolder, SignerFilter
from eds_agent.modules import AgentModule, decode_base64, flag
from eds_agent.modules.xml_signing import read_documents, sign_documents
from eds_agent.payloads import Payload, signing_request
from eds_agent.questions import SigningRequest
from eds_agent.timestamping import TsaClient, timestamped

NAME = "kz.gov.pki.knca.basics"
FILE_STORAGE = "PKCS12"
_HEX_SERIAL = re.compile(r"[0-9A-Fa-f]{1,40}")  # RFC 5280: at most 20 octets


def signer_filter(signer_params: Any) -> SignerFilter:
    """``signerParams``: ``extKeyUsageOids`` (all must be present), ``iin``, ``serialNumber``."""
    if signer_params is None:
        return SignerFilter()
    if not isinstance(signer_params, dict):
        raise InvocationError("signerParams must be a JSON object.")
    oids = signer_params.get("extKeyUsageOids") or []
    if not isinstance(oids, list) or not all(isinstance(oid, str) for oid in oids):
        raise BadRequest("signerParams.extKeyUsageOids must be a list of OID strings.")
    if signer_params.get("bin"):
        raise NoSuitableKey("eds agent holds keys of individuals; none has a BIN.")
    iin = signer_params.get("iin") or None
    serial = signer_params.get("serialNumber") or None
    for label, value in (("iin", iin), ("serialNumber", serial)):
        if value is not None and not isinstance(value, str):
            raise BadRequest(f"signerParams.{label} must be a string.")
    if serial is not None and not _HEX_SERIAL.fullmatch(serial):  # int(s, 16) takes " a_b\n" and "0xab"
        raise BadRequest("signerParams.serialNumber must be hexadecimal.")
    return SignerFilter(ext_key_usage_oids=tuple(oids), iin=iin, serial_number=serial)


def wants_timestamp(signing_params: dict[str, Any], tsa: TsaClient | None) -> bool:
    """NCALayer adds a TSA time-stamp whenever ``tsaProfile`` is given (even ``{}``, as the
    ncalayer-js-client presets send it). The agent's own TSA (``--tsa-url``) is used, never a URL the
    page names; without one the agent refuses instead of silently returning a CMS without a stamp."""
    if signing_params.get("tsaProfile") is None:
        return False
    if tsa is None:
        raise TimestampNotSupported(
            "Time-stamped signatures (signingParams.tsaProfile) are not supported by eds agent "
            "without a time-stamp server: start it with --tsa-url (or $EDS_AGENT_TSA_URL). "
            "Leave tsaProfile out to sign without one (CAdES-BES)."
        )
    return True


def make_module(folder_of: Any, confirmer: Confirmer, tsa: TsaClient | None = None) -> AgentModule:
    """``folder_of()`` gives the current key store folder (it can change with chooseStore); ``tsa``
    time-stamps the signatures of pages that ask for it."""

    def sign(args: Any, origin: str) -> Any:
        if not isinstance(args, dict):
            raise InvocationError("args must be a JSON object.")
        output_format = args.get("format")
        if output_format not in ("cms", "xml"):
            raise BadRequest("eds agent signs with format 'cms' or 'xml'.")
        allowed = args.get("allowedStorages")
        if allowed is not None and FILE_STORAGE not in allowed:
            raise NoSuitableKey(
                "The site allows only hardware tokens; eds agent keeps keys in PKCS#12 files."
            )
        signing_params = args.get("signingParams") or {}
        if not isinstance(signing_params, dict):
            raise InvocationError("signingParams must be a JSON object.")
        digested = flag(signing_params.get("digested"))
        attached = flag(signing_params.get("encapsulate"))
        if digested and attached:
            raise BadRequest("A hash (digested: true) cannot be encapsulated: use encapsulate false.")
        stamp = wants_timestamp(signing_params, tsa)
        data = args.get("data")
        documents = data if isinstance(data, list) else [data]
        if not documents or not all(isinstance(item, str) for item in documents):
            raise BadRequest("data must be a string or a non-empty list of strings.")
        decode = flag(signing_params.get("decode")) or digested  # a hash is binary: always Base64
        raw = [decode_base64(item, "data") if decode else item.encode("utf-8") for item in documents]
        if output_format == "xml":
            if digested:
                raise BadRequest("An XML document is signed whole: digested is for format 'cms'.")
            xml_documents, payloads = read_documents(raw, signing_params), []
            request = SigningRequest.of_documents(raw)
        else:
            xml_documents, payloads = [], [Payload.of(item, digested=digested) for item in raw]
            request = signing_request(payloads)
        wanted = signer_filter(args.get("signerParams"))
        unlocked = KeyFolder(folder_of()).select_signer(wanted, confirmer, origin, request)
        if output_format == "xml":  # NCALayer answers format xml with a list, even for one document
            signatures = sign_documents(xml_documents, unlocked)
        else:
            signed = [payload.sign(unlocked, attached=attached) for payload in payloads]
            if stamp:
                signed = [timestamped(der, tsa) for der in signed]
            signatures = [cms_pem(der) for der in signed]
        result: Any = signatures if isinstance(data, list) or output_format == "xml" else signatures[0]
        if flag(signing_params.get("outputCert")) or flag(args.get("outputCert")):
            certificate = unlocked.certificate.public_bytes(serialization.Encoding.PEM).decode()
            return {"signatures": signatures, "certificate": certificate}
        return result

    return AgentModule(NAME, "basics", {"sign": sign})
