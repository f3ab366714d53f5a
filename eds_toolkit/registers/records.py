"""What the registers say, as plain records, and the checks every record passes before it is believed
(a CSV row, an HTTP registry's answer): IINs with their check digit, address ids, shares, dates."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction

from national_profile.iin import InvalidIIN, parse_iin

ADDRESS_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,39}")
MAX_ADDRESS_LENGTH = 300
MAX_REFERENCE_LENGTH = 200
MAX_LISTED_PEOPLE = 50


class InvalidRecord(ValueError):
    """A register record is unusable; the message names the field and why."""


class RelationKind(StrEnum):
    """What the representative is to the person: a parent (adoptive parents too), a guardian or trustee
    appointed by the guardianship authority, another legal representative."""

    PARENT = "parent"
    GUARDIAN = "guardian"
    LEGAL_REPRESENTATIVE = "legal_representative"


class Capacity(StrEnum):
    """Legal capacity as a court decided it (no record: full capacity from 18)."""

    CAPABLE = "capable"
    INCAPABLE = "incapable"
    LIMITED = "limited"


@dataclass(frozen=True)
class Owner:
    iin: str
    share: Fraction


@dataclass(frozen=True)
class PropertyRecord:
    """An address of the property register and its owners; the shares add up to exactly 1."""

    address_id: str
    address: str
    owners: tuple[Owner, ...]

    def owned_by(self, iin: str) -> bool:
        return any(owner.iin == iin for owner in self.owners)


@dataclass(frozen=True)
class RentalContractRecord:
    """A state rental housing contract: the tenant and the people listed in it."""

    address_id: str
    address: str
    contract_number: str
    tenant_iin: str
    listed_iins: tuple[str, ...]

    def lists(self, iin: str) -> bool:
        """The tenant or one of the people listed in the contract."""
        return iin == self.tenant_iin or iin in self.listed_iins


@dataclass(frozen=True)
class RelationRecord:
    """``representative_iin`` is the ``relation`` of ``person_iin``; ``basis`` names the record or
    decision it rests on."""

    representative_iin: str
    relation: RelationKind
    person_iin: str
    basis: str | None


@dataclass(frozen=True)
class CapacityRecord:
    """A court's decision on a person's capacity (``capable``: capacity restored)."""

    iin: str
    status: Capacity
    court_decision: str | None
    decided_on: dt.date | None

    @property
    def restricted(self) -> bool:
        return self.status in (Capacity.INCAPABLE, Capacity.LIMITED)


def checked_iin(value: object, field: str) -> str:
    try:
        return parse_iin(value if isinstance(value, str) else "").value
    except InvalidIIN as error:
        raise InvalidRecord(f"{field}: {error}") from None


def checked_address_id(value: object, field: str = "address_id") -> str:
    text = value.strip() if isinstance(value, str) else ""
    if not ADDRESS_ID.fullmatch(text):
        raise InvalidRecord(
            f"{field}: an address id is 1 to 40 Latin letters, digits, '.', '_' or '-', starting with a "
            "letter or digit"
        )
    return text


def checked_text(value: object, field: str, *, limit: int, required: bool = True) -> str | None:
    text = " ".join(value.split()) if isinstance(value, str) else ""
    if not text:
        if required:
            raise InvalidRecord(f"{field}: must not be empty")
        return None
    if len(text) > limit:
        raise InvalidRecord(f"{field}: longer than {limit} characters")
    return text


def checked_share(value: object, field: str = "share") -> Fraction:
    """``1``, ``1/2``, ``2/3``: a fraction above 0 and at most 1 (no decimals: 1/3 is not 0.33)."""
    text = value.strip() if isinstance(value, str) else ""
    if not re.fullmatch(r"[1-9][0-9]{0,5}(/[1-9][0-9]{0,5})?", text):
        raise InvalidRecord(f"{field}: a share is a whole number or a fraction like 1/2, got {text!r}")
    share = Fraction(text)
    if share > 1:
        raise InvalidRecord(f"{field}: a share is at most 1, got {text}")
    return share


def share_text(share: Fraction) -> str:
    return str(share)


def checked_date(value: object, field: str, *, today: dt.date | None = None) -> dt.date:
    if isinstance(value, dt.date):
        day = value
    else:
        try:
            day = dt.date.fromisoformat(value.strip() if isinstance(value, str) else "")
        except ValueError:
            raise InvalidRecord(f"{field}: {value!r} is not a date like 2024-03-15") from None
    if day > (today or dt.datetime.now(dt.UTC).date()):
        raise InvalidRecord(f"{field}: {day.isoformat()} is in the future")
    return day


def make_property(address_id: object, address: object, owners: list[tuple[object, object]]) -> PropertyRecord:
    """A PropertyRecord from raw values; owners are (iin, share) pairs whose shares add up to 1."""
    place = checked_address_id(address_id)
    text = checked_text(address, "address", limit=MAX_ADDRESS_LENGTH)
    checked = []
    for iin, share in owners:
        owner = Owner(
            checked_iin(iin, "owner_iin"), share if isinstance(share, Fraction) else checked_share(share)
        )
        if any(known.iin == owner.iin for known in checked):
            raise InvalidRecord(f"owner_iin: {owner.iin} is named twice for address {place}")
        checked.append(owner)
    if not checked:
        raise InvalidRecord(f"address {place} has no owners")
    total = sum((owner.share for owner in checked), Fraction(0))
    if total != 1:
        raise InvalidRecord(f"the owners' shares of address {place} add up to {total}, not 1")
    return PropertyRecord(place, text, tuple(checked))


def make_rental_contract(
    address_id: object, address: object, contract_number: object, tenant_iin: object, listed_iins: object
) -> RentalContractRecord:
    """A RentalContractRecord; ``listed_iins`` is a list or a text of IINs separated by spaces or ';'."""
    tenant = checked_iin(tenant_iin, "tenant_iin")
    if isinstance(listed_iins, str):
        listed_iins = listed_iins.replace(";", " ").split()
    if not isinstance(listed_iins, list | tuple):
        raise InvalidRecord("listed_iins: a list of IINs")
    if len(listed_iins) > MAX_LISTED_PEOPLE:
        raise InvalidRecord(f"listed_iins: at most {MAX_LISTED_PEOPLE} people")
    listed: list[str] = []
    for value in listed_iins:
        iin = checked_iin(value, "listed_iins")
        if iin != tenant and iin not in listed:
            listed.append(iin)
    return RentalContractRecord(
        address_id=checked_address_id(address_id),
        address=checked_text(address, "address", limit=MAX_ADDRESS_LENGTH),
        contract_number=checked_text(contract_number, "contract_number", limit=64),
        tenant_iin=tenant,
        listed_iins=tuple(listed),
    )


def make_relation(
    representative_iin: object, relation: object, person_iin: object, basis: object
) -> RelationRecord:
    """A RelationRecord; a guardian or legal representative needs a ``basis`` (the decision appointing
    them)."""
    representative = checked_iin(representative_iin, "representative_iin")
    person = checked_iin(person_iin, "person_iin")
    if representative == person:
        raise InvalidRecord("person_iin: a person is not their own representative")
    try:
        kind = RelationKind(relation.strip() if isinstance(relation, str) else relation)
    except ValueError:
        allowed = ", ".join(kind.value for kind in RelationKind)
        raise InvalidRecord(f"relation: one of {allowed}, got {relation!r}") from None
    text = checked_text(basis, "basis", limit=MAX_REFERENCE_LENGTH, required=kind != RelationKind.PARENT)
    return RelationRecord(representative, kind, person, text)


def make_capacity(
    iin: object, status: object, court_decision: object, decided_on: object, *, today: dt.date | None = None
) -> CapacityRecord:
    """A CapacityRecord; ``incapable`` and ``limited`` need the court decision and its date."""
    person = checked_iin(iin, "iin")
    try:
        kind = Capacity(status.strip() if isinstance(status, str) else status)
    except ValueError:
        allowed = ", ".join(kind.value for kind in Capacity)
        raise InvalidRecord(f"status: one of {allowed}, got {status!r}") from None
    restricted = kind != Capacity.CAPABLE
    decision = checked_text(court_decision, "court_decision", limit=MAX_REFERENCE_LENGTH, required=restricted)
    day = None
    if restricted or (isinstance(decided_on, str) and decided_on.strip()) or isinstance(decided_on, dt.date):
        day = checked_date(decided_on, "decided_on", today=today)
    return CapacityRecord(person, kind, decision, day)
