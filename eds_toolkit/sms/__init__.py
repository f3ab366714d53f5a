"""SMS gateways behind one interface (sender 1414): console, outbox (recorded) and a provider's HTTP API."""

from __future__ import annotations

from pathlib import Path

from eds_toolkit.sms.console import ConsoleGateway
from eds_toolkit.sms.gateway import DEFAULT_SENDER, SmsDeliveryError, SmsGateway, mask_phone
from eds_toolkit.sms.http import HttpGateway
from eds_toolkit.sms.outbox import OutboxGateway, last_code_for, read_outbox

GATEWAY_KINDS = ("console", "outbox", "http")


def make_gateway(kind: str, *, home: Path, url: str | None = None, token: str | None = None) -> SmsGateway:
    """The gateway named ``kind``: console | outbox (``<home>/outbox.jsonl``) | http (needs ``url``)."""
    if kind == "console":
        return ConsoleGateway()
    if kind == "outbox":
        return OutboxGateway(Path(home) / "outbox.jsonl")
    if kind == "http":
        if not url:
            raise ValueError("the http SMS gateway needs the provider's URL (EDS_SMS_URL)")
        return HttpGateway(url, token=token)
    raise ValueError(f"unknown SMS gateway {kind!r}: choose one of {', '.join(GATEWAY_KINDS)}")


__all__ = [
    "DEFAULT_SENDER",
    "GATEWAY_KINDS",
    "ConsoleGateway",
    "HttpGateway",
    "OutboxGateway",
    "SmsDeliveryError",
    "SmsGateway",
    "last_code_for",
    "make_gateway",
    "mask_phone",
    "read_outbox",
]
