"""``kz.gov.pki.knca.basics``: the 2022 ``sign`` method (CMS only), with NCALayer's signer filters;
CAdES-T (a signature time-stamp) when the page gives ``tsaProfile`` and the agent has a TSA."""

from __future__ import annotations

import re
from typing import Any

from cryptography.hazmat.primitives import serialization

from eds_agent.cms import cms_pem, sign_cms
from eds_agent.confirmation import Confirmer
from eds_agent.errors import BadRequest, NoSuitableKey, TimestampNotSupported
from eds_agent.key_folder import KeyFolder, SignerFilter
from eds_agent.modules import AgentModule, decode_base64, flag
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
        raise BadRequest("signerParams must be a JSON object.")
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
            raise BadRequest("args must be a JSON object.")
        if args.get("format") != "cms":
            raise BadRequest("eds agent signs with format 'cms' only.")
        allowed = args.get("allowedStorages")
        if allowed is not None and FILE_STORAGE not in allowed:
            raise NoSuitableKey(
                "The site allows only hardware tokens; eds agent keeps keys in PKCS#12 files."
            )
        signing_params = args.get("signingParams") or {}
        if not isinstance(signing_params, dict):
            raise BadRequest("signingParams must be a JSON object.")
        if flag(signing_params.get("digested")):
            raise BadRequest("Signing a precomputed hash (digested: true) is not supported by eds agent.")
        stamp = wants_timestamp(signing_params, tsa)
        data = args.get("data")
        documents = data if isinstance(data, list) else [data]
        if not documents or not all(isinstance(item, str) for item in documents):
            raise BadRequest("data must be a string or a non-empty list of strings.")
        decode = flag(signing_params.get("decode"))
        payloads = [decode_base64(item, "data") if decode else item.encode("utf-8") for item in documents]
        wanted = signer_filter(args.get("signerParams"))
        unlocked = KeyFolder(folder_of()).select_signer(
            wanted, confirmer, origin, SigningRequest.of_documents(payloads)
        )
        attached = flag(signing_params.get("encapsulate"))
        signed = [
            sign_cms(payload, unlocked.key, unlocked.certificate, unlocked.chain, attached=attached)
            for payload in payloads
        ]
        if stamp:
            signed = [timestamped(der, tsa) for der in signed]
        signatures = [cms_pem(der) for der in signed]
        result: Any = signatures if isinstance(data, list) else signatures[0]
        if flag(signing_params.get("outputCert")) or flag(args.get("outputCert")):
            certificate = unlocked.certificate.public_bytes(serialization.Encoding.PEM).decode()
            return {"signatures": signatures, "certificate": certificate}
        return result

    return AgentModule(NAME, "basics", {"sign": sign})
