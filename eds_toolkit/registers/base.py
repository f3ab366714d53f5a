"""One interface per register, and the built-in tables behind them.

Each register is read by key only (an address id, an IIN): nothing here lists or searches people.
An external registry (``registry_http``) implements the same interface.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from eds_toolkit.registers.model import (
    FamilyRelation,
    LegalCapacity,
    PropertyShare,
    RentalContract,
    RentalListedPerson,
)
from eds_toolkit.registers.records import (
    Capacity,
    CapacityRecord,
    Owner,
    PropertyRecord,
    RelationKind,
    RelationRecord,
    RentalContractRecord,
)


class RegisterUnavailable(Exception):
    """A register could not be read (an external registry failed or answered something unusable)."""


class PropertyRegister(Protocol):
    """Address id -> the address and its owners with their shares (None: not in the register)."""

    def property_at(self, address_id: str) -> PropertyRecord | None: ...


class RentalRegister(Protocol):
    """Address id -> its state rental housing contract (None: not state rental housing)."""

    def contract_at(self, address_id: str) -> RentalContractRecord | None: ...


class FamilyRegister(Protocol):
    """Person's IIN -> their parents, guardians and legal representatives."""

    def representatives_of(self, person_iin: str) -> list[RelationRecord]: ...


class CapacityRegister(Protocol):
    """IIN -> the court's decision on the person's capacity (None: no decision, full capacity from 18)."""

    def capacity_of(self, iin: str) -> CapacityRecord | None: ...


@dataclass(frozen=True)
class Registers:
    """The four registers the registration service's rules read."""

    property: PropertyRegister
    rental: RentalRegister
    family: FamilyRegister
    capacity: CapacityRegister


def property_from_rows(rows: list[PropertyShare]) -> PropertyRecord | None:
    if not rows:
        return None
    owners = tuple(
        Owner(row.owner_iin, Fraction(row.share_numerator, row.share_denominator))
        for row in sorted(rows, key=lambda row: row.owner_iin)
    )
    return PropertyRecord(rows[0].address_id, rows[0].address, owners)


def contract_from_rows(contract: RentalContract | None, listed: list[str]) -> RentalContractRecord | None:
    if contract is None:
        return None
    return RentalContractRecord(
        address_id=contract.address_id,
        address=contract.address,
        contract_number=contract.contract_number,
        tenant_iin=contract.tenant_iin,
        listed_iins=tuple(sorted(listed)),
    )


def read_property(session: Session, address_id: str) -> PropertyRecord | None:
    rows = session.scalars(select(PropertyShare).where(PropertyShare.address_id == address_id)).all()
    return property_from_rows(list(rows))


def read_contract(session: Session, address_id: str) -> RentalContractRecord | None:
    listed = session.scalars(
        select(RentalListedPerson.iin).where(RentalListedPerson.address_id == address_id)
    ).all()
    return contract_from_rows(session.get(RentalContract, address_id), list(listed))


class _Table:
    def __init__(self, session_factory: sessionmaker) -> None:
        self._sessions = session_factory


class TablePropertyRegister(_Table):
    def property_at(self, address_id: str) -> PropertyRecord | None:
        with self._sessions() as session:
            return read_property(session, address_id)


class TableRentalRegister(_Table):
    def contract_at(self, address_id: str) -> RentalContractRecord | None:
        with self._sessions() as session:
            return read_contract(session, address_id)


class TableFamilyRegister(_Table):
    def representatives_of(self, person_iin: str) -> list[RelationRecord]:
        with self._sessions() as session:
            rows = session.scalars(
                select(FamilyRelation)
                .where(FamilyRelation.person_iin == person_iin)
                .order_by(FamilyRelation.representative_iin, FamilyRelation.relation)
            ).all()
            return [
                RelationRecord(row.representative_iin, RelationKind(row.relation), row.person_iin, row.basis)
                for row in rows
            ]


class TableCapacityRegister(_Table):
    def capacity_of(self, iin: str) -> CapacityRecord | None:
        with self._sessions() as session:
            row = session.get(LegalCapacity, iin)
            if row is None:
                return None
            return CapacityRecord(row.iin, Capacity(row.status), row.court_decision, row.decided_on)


def table_registers(session_factory: sessionmaker) -> Registers:
    """The built-in tables."""
    return Registers(
        property=TablePropertyRegister(session_factory),
        rental=TableRentalRegister(session_factory),
        family=TableFamilyRegister(session_factory),
        capacity=TableCapacityRegister(session_factory),
    )
