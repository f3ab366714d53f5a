"""The recording gateway: appends each SMS as a JSON line to a file that tests and demos read.

The file holds the texts (and so the codes) in clear: it is a development tool, created mode 0600.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
from pathlib import Path

from eds_toolkit.clock import Clock, SystemClock
from eds_toolkit.sms.gateway import DEFAULT_SENDER, SmsDeliveryError

_CODE = re.compile(r"(?<!\d)(\d{6})(?!\d)")


class OutboxGateway:
    """Appends ``{"at", "sender", "phone", "text"}`` lines to ``path`` under an exclusive file lock."""

    def __init__(self, path: Path, *, clock: Clock | None = None) -> None:
        self.path = Path(path)
        self._clock = clock or SystemClock()

    def send(self, phone: str, text: str, *, sender: str = DEFAULT_SENDER) -> None:
        line = json.dumps(
            {"at": self._clock.now().isoformat(), "sender": sender, "phone": phone, "text": text},
            ensure_ascii=False,
        )
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            with os.fdopen(fd, "a", encoding="utf-8") as out:
                fcntl.flock(out, fcntl.LOCK_EX)
                try:
                    out.write(line + "\n")
                    out.flush()
                finally:
                    fcntl.flock(out, fcntl.LOCK_UN)
        except OSError as exc:
            raise SmsDeliveryError(f"the SMS outbox {self.path} cannot be written: {exc.strerror}") from None


def read_outbox(path: Path) -> list[dict]:
    """Every message recorded in the outbox, oldest first ([] when nothing was sent yet)."""
    path = Path(path)
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as src:
        fcntl.flock(src, fcntl.LOCK_SH)
        try:
            return [json.loads(line) for line in src if line.strip()]
        finally:
            fcntl.flock(src, fcntl.LOCK_UN)


def last_code_for(path: Path, phone: str) -> str | None:
    """The 6-digit code in the latest message sent to ``phone`` (any spelling of the number), or None."""
    wanted = _comparable(phone)
    for message in reversed(read_outbox(path)):
        if _comparable(message.get("phone", "")) == wanted:
            match = _CODE.search(message.get("text", ""))
            if match:
                return match.group(1)
    return None


def _comparable(phone: str) -> str:
    from eds_toolkit.citizens.phone import InvalidPhone, normalise_phone

    try:
        return normalise_phone(phone)
    except InvalidPhone:
        return phone.strip()
