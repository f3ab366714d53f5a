"""The development gateway: prints each SMS. The text carries codes, so never use it in production."""

from __future__ import annotations

import sys
from typing import TextIO

from eds_toolkit.sms.gateway import DEFAULT_SENDER


class ConsoleGateway:
    """Prints ``SMS from 1414 to +77011234567: <text>`` to ``stream`` (stdout by default)."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream

    def send(self, phone: str, text: str, *, sender: str = DEFAULT_SENDER) -> None:
        stream = self._stream or sys.stdout
        print(f"SMS from {sender} to {phone}: {text}", file=stream, flush=True)
