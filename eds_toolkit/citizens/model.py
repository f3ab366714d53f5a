"""The mobile-citizens table and the plain record the rest of the service sees."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Date, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from eds_toolkit.clock import UtcDateTime
from eds_toolkit.db import Base


class Citizen(Base):
    """A person in the built-in mobile-citizens base; ``phone`` is None when no number is registered."""

    __tablename__ = "citizens"

    iin: Mapped[str] = mapped_column(String(12), primary_key=True)
    surname: Mapped[str] = mapped_column(String(100))
    given_name: Mapped[str] = mapped_column(String(100))
    patronymic: Mapped[str | None] = mapped_column(String(100), nullable=True)
    birth_date: Mapped[dt.date] = mapped_column(Date)
    phone: Mapped[str | None] = mapped_column(String(16), nullable=True)
    photo: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True, deferred=True)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)

    def to_record(self) -> CitizenRecord:
        return CitizenRecord(
            iin=self.iin,
            surname=self.surname,
            given_name=self.given_name,
            patronymic=self.patronymic,
            birth_date=self.birth_date,
            phone=self.phone,
            photo=self.photo,
        )


@dataclass(frozen=True)
class CitizenRecord:
    """What the base knows about a person (names as written in the base, phone ``+77...`` or None)."""

    iin: str
    surname: str
    given_name: str
    patronymic: str | None
    birth_date: dt.date
    phone: str | None
    photo: bytes | None = None
