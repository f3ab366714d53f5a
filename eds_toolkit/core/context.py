"""The service context: what every step of every service runs in (database, clock, ports, keys).

The outside services are ports typed by their Protocols (``Clock``, ``SmsGateway``, ``CitizensBase``,
the ``Registers`` of the registration rules);
``eds_toolkit.services.build_service_context`` fills them from ``Settings``; tests pass their own.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session, sessionmaker

from eds_toolkit.citizens.base import CitizensBase
from eds_toolkit.clock import Clock
from eds_toolkit.core.audit_chain import KEY_INFO, chain_key
from eds_toolkit.registers import Registers, table_registers
from eds_toolkit.sms.dispatcher import SmsDispatcher
from eds_toolkit.sms.gateway import SmsGateway

if TYPE_CHECKING:
    from ca.authority import CertificateAuthority


@dataclass
class ServiceContext:
    """The database, the clock, the outside services and the keys a step needs."""

    sessions: sessionmaker
    clock: Clock
    sms: SmsGateway
    citizens: CitizensBase
    ca: Callable[[], CertificateAuthority]  # the process's CA, its keys loaded once (about 45 ms)
    audit_key: bytes
    otp_key: bytes
    enrolment_ttl: int = 3600
    phone_change_hold: int = 72 * 3600  # seconds a new number waits unless the old number confirms
    base_url: str = "http://127.0.0.1:5000"  # the service's public address, for links in SMS
    replacements_per_enrolment: int = 2  # new pairs a citizen who lost the download may ask for
    keystore_pickup_seconds: int = 15 * 60  # server-made keystores kept (encrypted) for a second download
    deliveries: SmsDispatcher = field(default_factory=SmsDispatcher)  # SMS sent after the answer
    registers: Registers | None = None  # the registration rules' registers (None: the built-in tables)
    time_zone: str = "Asia/Almaty"  # the service's zone: an application's date is its date there

    def __post_init__(self) -> None:
        """Sessions made here carry the audit chain's key, so events recorded in them get chained."""
        info = {**self.sessions.kw.get("info", {}), KEY_INFO: chain_key(self.audit_key)}
        self.sessions.configure(info=info)
        if self.registers is None:
            self.registers = table_registers(self.sessions)

    def now(self) -> dt.datetime:
        return self.clock.now()

    def iin_hash(self, iin: str) -> str:
        """A keyed hash of the IIN for audit rows (IINs are guessable, a plain hash is not enough)."""
        return hmac.new(self.audit_key, iin.encode(), hashlib.sha256).hexdigest()

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session; closing it rolls back whatever its block did not commit (loaded rows stay readable)."""
        session = self.sessions()
        try:
            yield session
        finally:
            session.close()
