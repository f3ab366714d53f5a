"""The mobile-citizens base interface and the built-in table behind it."""

from __future__ import annotations

from typing import Protocol

from sqlalchemy.orm import sessionmaker

from eds_toolkit.citizens.model import Citizen, CitizenRecord
from eds_toolkit.citizens.phone import normalise_phone
from eds_toolkit.clock import Clock, SystemClock


class UnknownCitizen(LookupError):
    """No person with this IIN is in the base."""


class CitizensRegistryError(Exception):
    """The external citizens registry failed or answered something unusable (try again later)."""


class CitizensBase(Protocol):
    """IIN -> person (with the registered phone); phone registration after a confirmed code."""

    def lookup(self, iin: str) -> CitizenRecord | None: ...

    def register_phone(self, iin: str, phone: str) -> None: ...


class TableCitizensBase:
    """The built-in ``citizens`` table. Each call runs in its own session and commits."""

    def __init__(self, session_factory: sessionmaker, *, clock: Clock | None = None) -> None:
        self._sessions = session_factory
        self._clock = clock or SystemClock()

    def lookup(self, iin: str) -> CitizenRecord | None:
        with self._sessions() as session:
            citizen = session.get(Citizen, iin)
            return citizen.to_record() if citizen else None

    def register_phone(self, iin: str, phone: str) -> None:
        """Record ``phone`` (normalised) for ``iin``; raise UnknownCitizen or InvalidPhone."""
        number = normalise_phone(phone)
        with self._sessions() as session, session.begin():
            citizen = session.get(Citizen, iin)
            if citizen is None:
                raise UnknownCitizen(f"no citizen with IIN {iin} is in the base")
            citizen.phone = number
            citizen.updated_at = self._clock.now()
