"""The built-in registers' tables: property shares, state rental contracts (and the people they list),
family relations and guardianship, legal capacity."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from eds_toolkit.clock import UtcDateTime
from eds_toolkit.db import Base


class PropertyShare(Base):
    """One owner's share of an address (``numerator/denominator``); an address's shares add up to 1."""

    __tablename__ = "register_property_shares"

    address_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    owner_iin: Mapped[str] = mapped_column(String(12), primary_key=True)
    address: Mapped[str] = mapped_column(String(300))
    share_numerator: Mapped[int] = mapped_column(Integer)
    share_denominator: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class RentalContract(Base):
    """The state rental housing contract of an address (one per address)."""

    __tablename__ = "register_rental_contracts"

    address_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    contract_number: Mapped[str] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(300))
    tenant_iin: Mapped[str] = mapped_column(String(12))
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class RentalListedPerson(Base):
    """A person listed in the rental contract of ``address_id`` (besides its tenant)."""

    __tablename__ = "register_rental_people"

    address_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    iin: Mapped[str] = mapped_column(String(12), primary_key=True)


class FamilyRelation(Base):
    """``representative_iin`` is the ``relation`` (parent, guardian, legal representative) of
    ``person_iin``."""

    __tablename__ = "register_family_relations"
    __table_args__ = (Index("ix_register_family_relations_person", "person_iin"),)

    representative_iin: Mapped[str] = mapped_column(String(12), primary_key=True)
    relation: Mapped[str] = mapped_column(String(24), primary_key=True)
    person_iin: Mapped[str] = mapped_column(String(12), primary_key=True)
    basis: Mapped[str | None] = mapped_column(String(200), nullable=True)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class LegalCapacity(Base):
    """A court's decision on a person's capacity: capable (restored), incapable, limited."""

    __tablename__ = "register_legal_capacity"

    iin: Mapped[str] = mapped_column(String(12), primary_key=True)
    status: Mapped[str] = mapped_column(String(12))
    court_decision: Mapped[str | None] = mapped_column(String(200), nullable=True)
    decided_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
