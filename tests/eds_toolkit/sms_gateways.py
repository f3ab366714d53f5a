"""SMS providers that misbehave, for the tests of sending after the commit and after the answer."""

from __future__ import annotations

import threading
import time

from eds_toolkit.sms import OutboxGateway, SmsDeliveryError

PROVIDER_DELAY = 4.0  # seconds the slow provider takes to accept an SMS


class SlowGateway:
    """A provider that takes PROVIDER_DELAY seconds to accept each SMS."""

    def __init__(self) -> None:
        self.sending = threading.Event()
        self.sent: list[str] = []

    def send(self, phone: str, text: str, *, sender: str = "1414") -> None:
        self.sending.set()
        time.sleep(PROVIDER_DELAY)
        self.sent.append(phone)


class SwitchableGateway:
    """The outbox gateway, failing while ``broken`` is set."""

    def __init__(self, outbox: OutboxGateway) -> None:
        self.outbox = outbox
        self.broken = False

    def send(self, phone: str, text: str, *, sender: str = "1414") -> None:
        if self.broken:
            raise SmsDeliveryError("provider answered 500")
        self.outbox.send(phone, text, sender=sender)


class HangingGateway:
    """The outbox gateway, except that while ``hanging`` is set a send never returns (until ``release``):
    the state a process killed while sending leaves behind, the code committed and its SMS in doubt."""

    def __init__(self, outbox: OutboxGateway) -> None:
        self.outbox = outbox
        self.hanging = False
        self._released = threading.Event()

    def send(self, phone: str, text: str, *, sender: str = "1414") -> None:
        if self.hanging:
            self._released.wait(timeout=120)
            raise SmsDeliveryError("the process died while sending")
        self.outbox.send(phone, text, sender=sender)

    def release(self) -> None:
        self._released.set()
