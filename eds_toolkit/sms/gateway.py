"""The one interface every SMS gateway has, and the error a failed send raises."""

from __future__ import annotations

from typing import Protocol

DEFAULT_SENDER = "1414"


class SmsDeliveryError(Exception):
    """The SMS could not be handed to the provider: the citizen must see an error and may retry.

    The message never contains the SMS text (it carries one-time codes).
    """


class SmsGateway(Protocol):
    """Sends one SMS; raises SmsDeliveryError when it cannot. Never logs the text."""

    def send(self, phone: str, text: str, *, sender: str = DEFAULT_SENDER) -> None: ...


def mask_phone(phone: str) -> str:
    """A phone number safe for logs: ``+7701*****67``."""
    if len(phone) <= 6:
        return "*" * len(phone)
    return phone[:4] + "*" * (len(phone) - 6) + phone[-2:]
