"""CAdES-T: a signature time-stamp from the TSA in the agent's settings, added to a CMS.

The token is requested over HTTP (RFC 3161 section 3.4) with rfc3161-client, over the signature
value (SHA-256, a fresh nonce, the TSA's certificate asked for), checked against the request, and
added as the unsigned attribute id-aa-signatureTimeStampToken (RFC 5652 / ETSI CAdES).
"""

from __future__ import annotations

import hashlib
import logging
from urllib.parse import urlsplit

import requests
from asn1crypto import cms
from rfc3161_client import HashAlgorithm, PKIStatus, TimestampRequestBuilder, decode_timestamp_response

from eds_agent.errors import AgentError

log = logging.getLogger(__name__)
MAX_REPLY_BYTES = 64 * 1024


class TsaUnavailable(AgentError):
    """The TSA could not be reached, or did not answer with a usable time-stamp."""

    code = "TSA_UNAVAILABLE"


def check_tsa_url(url: str) -> str:
    """An http(s) URL with a host, or ValueError saying what is wrong."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(
            f"The TSA URL must be http:// or https:// with a host, e.g. http://tsa.example.kz/tsp: {url!r}."
        )
    return url


class TsaClient:
    """Asks one TSA for time-stamp tokens."""

    def __init__(self, url: str, *, timeout: float = 10.0) -> None:
        self.url = check_tsa_url(url)
        self.timeout = timeout

    def stamp(self, data: bytes) -> bytes:
        """A DER time-stamp token over SHA-256(``data``), or TsaUnavailable."""
        request = TimestampRequestBuilder().data(data).hash_algorithm(HashAlgorithm.SHA256).build()
        host = urlsplit(self.url).hostname
        try:
            answer = requests.post(
                self.url,
                data=request.as_bytes(),
                headers={"Content-Type": "application/timestamp-query"},
                timeout=self.timeout,
                stream=True,
            )
            body = answer.raw.read(MAX_REPLY_BYTES + 1, decode_content=True)
        except requests.RequestException as error:
            log.warning("TSA %s unreachable: %s", host, type(error).__name__)
            raise TsaUnavailable(
                f"The time-stamp server {self.url} cannot be reached ({type(error).__name__}); "
                "nothing was signed. Try again later, or ask the site to sign without a time-stamp."
            ) from None
        if answer.status_code != 200 or len(body) > MAX_REPLY_BYTES:
            raise TsaUnavailable(
                f"The time-stamp server {self.url} answered HTTP {answer.status_code} instead of a "
                "time-stamp; nothing was signed."
            )
        return _checked_token(body, request, hashlib.sha256(data).digest(), self.url)


def _checked_token(body: bytes, request, imprint: bytes, url: str) -> bytes:
    try:
        response = decode_timestamp_response(body)
    except ValueError:
        raise TsaUnavailable(
            f"The time-stamp server {url} answered something that is not a time-stamp reply."
        ) from None
    if response.status not in (PKIStatus.GRANTED, PKIStatus.GRANTED_WITH_MODS):
        texts = " ".join(response.status_string) or f"status {response.status}"
        raise TsaUnavailable(f"The time-stamp server {url} refused the request: {texts}")
    info = response.tst_info
    if info.nonce != request.nonce or info.message_imprint.message != imprint:
        raise TsaUnavailable(f"The time-stamp server {url} answered a different request; nothing was signed.")
    return response.time_stamp_token()


def add_signature_timestamp(cms_der: bytes, token_der: bytes) -> bytes:
    """The CMS with ``token_der`` as its signer's id-aa-signatureTimeStampToken (CAdES-T)."""
    info = cms.ContentInfo.load(cms_der)
    signer_info = info["content"]["signer_infos"][0]
    token = cms.ContentInfo.load(token_der)
    signer_info["unsigned_attrs"] = [{"type": "signature_time_stamp_token", "values": [token]}]
    return info.dump()  # asn1crypto re-encodes what changed; force=True re-encodes all, exponentially


def signature_value(cms_der: bytes) -> bytes:
    """The signer's signature value: what a signature time-stamp is over."""
    return cms.ContentInfo.load(cms_der)["content"]["signer_infos"][0]["signature"].native


def timestamped(cms_der: bytes, client: TsaClient) -> bytes:
    """``cms_der`` made CAdES-T by ``client``'s TSA."""
    return add_signature_timestamp(cms_der, client.stamp(signature_value(cms_der)))
