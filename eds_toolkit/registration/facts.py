"""What the rules decide on: the application's date, the applicant and the person being registered
(age from the IIN, capacity), what the applicant is to that person, and the address (owners with their
ages and capacity, or a state rental contract). Read from the registers once, then the rules are pure."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from fractions import Fraction
from zoneinfo import ZoneInfo

from eds_toolkit.registers import (
    CapacityRecord,
    PropertyRecord,
    Registers,
    RelationKind,
    RentalContractRecord,
)
from national_profile.iin import age_on, parse_iin


class UnknownAddress(LookupError):
    """The address id is in neither the property register nor the state rental housing register."""


@dataclass(frozen=True)
class PersonFacts:
    iin: str
    birth_date: dt.date
    age: int  # full years on the application date, from the IIN's birth date
    capacity: CapacityRecord | None  # None: no court decision on record

    @property
    def restricted(self) -> bool:
        """A court found the person incapable or of limited capacity."""
        return self.capacity is not None and self.capacity.restricted


@dataclass(frozen=True)
class OwnerFacts:
    person: PersonFacts
    share: Fraction


@dataclass(frozen=True)
class AddressFacts:
    address_id: str | None  # None: an address as declared by the applicant (no register behind it)
    address: str
    owners: tuple[OwnerFacts, ...]
    rental: RentalContractRecord | None
    named_owner_iin: str | None  # the owner the applicant named to confirm (several owners)

    def owned_by(self, iin: str) -> bool:
        return any(owner.person.iin == iin for owner in self.owners)


@dataclass(frozen=True)
class ApplicationFacts:
    on: dt.date
    applicant: PersonFacts
    person: PersonFacts
    relations: frozenset[RelationKind]  # what the applicant is to the person, per the family register
    address: AddressFacts

    @property
    def by_self(self) -> bool:
        return self.applicant.iin == self.person.iin


def application_date(moment: dt.datetime, time_zone: str) -> dt.date:
    """The date of an application made at ``moment``, in the service's time zone (Kazakhstan's)."""
    return moment.astimezone(ZoneInfo(time_zone)).date()


def find_address(
    registers: Registers, address_id: str
) -> tuple[PropertyRecord | None, RentalContractRecord | None]:
    """The address's property record and state rental contract; UnknownAddress when it has neither."""
    owned = registers.property.property_at(address_id)
    rented = registers.rental.contract_at(address_id)
    if owned is None and rented is None:
        raise UnknownAddress(address_id)
    return owned, rented


def gather_facts(
    registers: Registers,
    *,
    on: dt.date,
    applicant_iin: str,
    person_iin: str,
    address_id: str | None,
    address: str,
    owner_iin: str | None,
) -> ApplicationFacts:
    """Read what the rules need. With ``address_id`` the owners and any rental contract come from the
    registers (``owner_iin`` names which owner confirms); without it the address is as declared and
    ``owner_iin`` is its declared owner (None: the applicant)."""
    capacities: dict[str, CapacityRecord | None] = {}

    def person(iin: str) -> PersonFacts:
        if iin not in capacities:
            capacities[iin] = registers.capacity.capacity_of(iin)
        birth_date = parse_iin(iin, today=dt.date.max).birth_date  # checked when filed
        return PersonFacts(iin, birth_date, age_on(birth_date, on), capacities[iin])

    if address_id is not None:
        owned, rented = find_address(registers, address_id)
        place = AddressFacts(
            address_id=address_id,
            address=(owned or rented).address,
            owners=tuple(OwnerFacts(person(o.iin), o.share) for o in (owned.owners if owned else ())),
            rental=rented,
            named_owner_iin=owner_iin,
        )
    else:
        declared = owner_iin or applicant_iin
        place = AddressFacts(None, address, (OwnerFacts(person(declared), Fraction(1)),), None, declared)
    relations: frozenset[RelationKind] = frozenset()
    if applicant_iin != person_iin:
        relations = frozenset(
            record.relation
            for record in registers.family.representatives_of(person_iin)
            if record.representative_iin == applicant_iin
        )
    return ApplicationFacts(on, person(applicant_iin), person(person_iin), relations, place)
