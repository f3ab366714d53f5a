"""A provider's HTTP API: POST JSON, with a timeout, and retries with backoff on transient failures."""

from __future__ import annotations

import logging
import time

import requests

from eds_toolkit.sms.gateway import DEFAULT_SENDER, SmsDeliveryError, mask_phone

log = logging.getLogger(__name__)


class HttpGateway:
    """POSTs ``{"sender", "phone", "text"}`` to ``url`` (``Authorization: Bearer <token>`` if given).

    Connection errors, timeouts and 5xx answers are retried ``retries`` more times, waiting
    ``backoff``, 2x``backoff``, ... in between; a 4xx answer is final. Any failure raises
    SmsDeliveryError. Logs carry the masked number and the status, never the text.
    """

    def __init__(
        self,
        url: str,
        *,
        token: str | None = None,
        timeout: float = 5,
        retries: int = 2,
        backoff: float = 0.5,
    ) -> None:
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"the SMS provider URL must start with http:// or https://, not {url!r}")
        if retries < 0 or timeout <= 0:
            raise ValueError("retries must be >= 0 and timeout > 0")
        self.url = url
        self._token = token
        self._timeout = timeout
        self._retries = retries
        self._backoff = backoff

    def send(self, phone: str, text: str, *, sender: str = DEFAULT_SENDER) -> None:
        headers = {"Content-Type": "application/json"}
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        body = {"sender": sender, "phone": phone, "text": text}
        failure = "no attempt made"
        for attempt in range(self._retries + 1):
            if attempt:
                time.sleep(self._backoff * 2 ** (attempt - 1))
            try:
                response = requests.post(
                    self.url, json=body, headers=headers, timeout=self._timeout, allow_redirects=False
                )
            except requests.Timeout:
                failure = f"the SMS provider did not answer within {self._timeout:g} s"
            except requests.ConnectionError:
                failure = "the SMS provider cannot be reached"
            else:
                if response.status_code < 300:
                    log.info(
                        "SMS to %s accepted by the provider (HTTP %s)",
                        mask_phone(phone),
                        response.status_code,
                    )
                    return
                if response.status_code < 500:
                    log.warning(
                        "SMS to %s refused by the provider (HTTP %s)", mask_phone(phone), response.status_code
                    )
                    raise SmsDeliveryError(
                        f"the SMS provider refused the message (HTTP {response.status_code})"
                    )
                failure = f"the SMS provider failed (HTTP {response.status_code})"
            log.warning("SMS to %s: attempt %d failed: %s", mask_phone(phone), attempt + 1, failure)
        raise SmsDeliveryError(f"{failure}; gave up after {self._retries + 1} attempts")
