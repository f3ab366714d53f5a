"""Filling the built-in registers from CSV: every row is checked first, and one bad row means nothing
changes (the errors name their lines). ``eds registers import <kind> FILE.csv`` calls this.

A file's records replace the register's records with the same key (an address's owners as a group, an
address's contract, a relation, a person's capacity) and add new ones; ``replace=True`` makes the file
the whole register (records it does not name are removed).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from sqlalchemy import delete, select, tuple_
from sqlalchemy.orm import Session

from eds_toolkit.citizens.importing import RowError
from eds_toolkit.clock import Clock, SystemClock
from eds_toolkit.registers.csv_rows import Row, read_csv_file, read_csv_text
from eds_toolkit.registers.model import (
    FamilyRelation,
    LegalCapacity,
    PropertyShare,
    RentalContract,
    RentalListedPerson,
)
from eds_toolkit.registers.records import (
    MAX_ADDRESS_LENGTH,
    CapacityRecord,
    InvalidRecord,
    PropertyRecord,
    RelationRecord,
    RentalContractRecord,
    checked_address_id,
    checked_iin,
    checked_share,
    checked_text,
    make_capacity,
    make_property,
    make_relation,
    make_rental_contract,
)


class RegisterKind(StrEnum):
    PROPERTY = "property"
    RENTAL = "rental"
    FAMILY = "family"
    CAPACITY = "capacity"


COLUMNS: dict[RegisterKind, tuple[str, ...]] = {
    RegisterKind.PROPERTY: ("address_id", "address", "owner_iin", "share"),
    RegisterKind.RENTAL: ("address_id", "address", "contract_number", "tenant_iin", "listed_iins"),
    RegisterKind.FAMILY: ("representative_iin", "relation", "person_iin", "basis"),
    RegisterKind.CAPACITY: ("iin", "status", "court_decision", "decided_on"),
}


class ImportMode(StrEnum):
    MERGE = "merge"  # the file's keys replace the register's same keys, new keys are added
    REPLACE = "replace"  # the file is the whole register
    ADD_MISSING = "add_missing"  # only keys the register lacks (the demo data, on every start)


@dataclass
class RegisterImportReport:
    """What an import did (keys ``added``, ``updated``, ``removed``) or, when refused, why (``errors``)."""

    path: str
    kind: RegisterKind
    added: int = 0
    updated: int = 0
    removed: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


class RegisterImportRefused(ValueError):
    """The CSV has bad rows (or is not a usable CSV); nothing was imported. ``.report`` lists them."""

    def __init__(self, report: RegisterImportReport) -> None:
        self.report = report
        shown = "; ".join(str(error) for error in report.errors[:20])
        more = f" (and {len(report.errors) - 20} more)" if len(report.errors) > 20 else ""
        super().__init__(
            f"{report.path}: nothing imported into the {report.kind} register, "
            f"{len(report.errors)} bad row(s): {shown}{more}"
        )


def import_register(
    session: Session,
    kind: RegisterKind | str,
    path: Path,
    *,
    replace: bool = False,
    clock: Clock | None = None,
) -> RegisterImportReport:
    """Import ``path`` (columns: ``COLUMNS[kind]``) into the ``kind`` register and commit; any bad row
    raises RegisterImportRefused naming the lines, and nothing changes."""
    kind = RegisterKind(kind)
    report = RegisterImportReport(str(path), kind)
    rows = read_csv_file(Path(path), COLUMNS[kind], report.errors)
    return _import_rows(
        session, kind, rows, report, ImportMode.REPLACE if replace else ImportMode.MERGE, clock
    )


def import_register_text(
    session: Session,
    kind: RegisterKind | str,
    text: str,
    *,
    name: str,
    mode: ImportMode,
    clock: Clock | None = None,
) -> RegisterImportReport:
    """Like :func:`import_register` for CSV ``text`` (``name`` labels it in errors)."""
    kind = RegisterKind(kind)
    report = RegisterImportReport(name, kind)
    rows = read_csv_text(text, COLUMNS[kind], report.errors)
    return _import_rows(session, kind, rows, report, mode, clock)


def _import_rows(
    session: Session,
    kind: RegisterKind,
    rows: list[Row],
    report: RegisterImportReport,
    mode: ImportMode,
    clock: Clock | None,
) -> RegisterImportReport:
    now = (clock or SystemClock()).now()
    records = _PARSERS[kind](rows, report.errors, now.date()) if not report.errors else {}
    if not records and not report.errors:
        report.errors.append(RowError(1, "the file has no records"))
    if report.errors:
        raise RegisterImportRefused(report)
    writer = _WRITERS[kind]
    try:
        if mode == ImportMode.REPLACE:
            known = writer.all_keys(session)
            report.removed = len(known - set(records))
            writer.clear(session)
        else:
            known = writer.existing(session, list(records))
        for key, record in records.items():
            if key not in known:
                report.added += 1
            elif mode == ImportMode.ADD_MISSING:
                continue
            else:
                if mode == ImportMode.MERGE:
                    writer.remove(session, key)
                report.updated += 1
            writer.add(session, record, now)
        session.commit()
    except Exception:
        session.rollback()
        raise
    return report


# ----- parsing: rows -> records by key, errors with their lines -----


def _parse_property(
    rows: list[Row], errors: list[RowError], today: dt.date
) -> dict[Hashable, PropertyRecord]:
    groups: dict[str, list[tuple[int, str, str, object]]] = {}
    spoiled: set[str] = set()  # addresses with a bad row: their shares cannot be added up
    for line, row in rows:
        try:
            address_id = checked_address_id(row["address_id"])
            address = checked_text(row["address"], "address", limit=MAX_ADDRESS_LENGTH)
            owner = checked_iin(row["owner_iin"], "owner_iin")
            share = checked_share(row["share"])
        except InvalidRecord as error:
            errors.append(RowError(line, str(error)))
            spoiled.add(row["address_id"].strip())
            continue
        group = groups.setdefault(address_id, [])
        if group and group[0][1] != address:
            errors.append(
                RowError(line, f"address {address_id} is written differently on line {group[0][0]}")
            )
            spoiled.add(address_id)
            continue
        named = [first for first, _text, iin, _share in group if iin == owner]
        if named:
            errors.append(
                RowError(line, f"owner {owner} of address {address_id} is already on line {named[0]}")
            )
            spoiled.add(address_id)
            continue
        group.append((line, address, owner, share))
    records: dict[Hashable, PropertyRecord] = {}
    for address_id, group in groups.items():
        if address_id in spoiled:
            continue
        try:
            records[address_id] = make_property(
                address_id, group[0][1], [(owner, share) for _line, _text, owner, share in group]
            )
        except InvalidRecord as error:
            lines = ", ".join(str(line) for line, *_rest in group)
            errors.append(RowError(group[0][0], f"{error} (line{'s' if len(group) > 1 else ''} {lines})"))
    return records


def _keyed(
    rows: list[Row],
    errors: list[RowError],
    make: Callable[[dict[str, str]], object],
    key: Callable[[object], Hashable],
    describe: Callable[[Hashable], str],
) -> dict[Hashable, object]:
    records: dict[Hashable, object] = {}
    first_line: dict[Hashable, int] = {}
    for line, row in rows:
        try:
            record = make(row)
        except InvalidRecord as error:
            errors.append(RowError(line, str(error)))
            continue
        record_key = key(record)
        if record_key in records:
            errors.append(
                RowError(line, f"{describe(record_key)} is already on line {first_line[record_key]}")
            )
            continue
        records[record_key] = record
        first_line[record_key] = line
    return records


def _parse_rental(rows: list[Row], errors: list[RowError], today: dt.date) -> dict[Hashable, object]:
    return _keyed(
        rows,
        errors,
        lambda row: make_rental_contract(
            row["address_id"], row["address"], row["contract_number"], row["tenant_iin"], row["listed_iins"]
        ),
        lambda record: record.address_id,
        lambda key: f"the contract of address {key}",
    )


def _parse_family(rows: list[Row], errors: list[RowError], today: dt.date) -> dict[Hashable, object]:
    return _keyed(
        rows,
        errors,
        lambda row: make_relation(
            row["representative_iin"], row["relation"], row["person_iin"], row["basis"]
        ),
        lambda record: (record.representative_iin, str(record.relation), record.person_iin),
        lambda key: f"{key[0]} as {key[1]} of {key[2]}",
    )


def _parse_capacity(rows: list[Row], errors: list[RowError], today: dt.date) -> dict[Hashable, object]:
    return _keyed(
        rows,
        errors,
        lambda row: make_capacity(
            row["iin"], row["status"], row["court_decision"], row["decided_on"], today=today
        ),
        lambda record: record.iin,
        lambda key: f"IIN {key}",
    )


_PARSERS = {
    RegisterKind.PROPERTY: _parse_property,
    RegisterKind.RENTAL: _parse_rental,
    RegisterKind.FAMILY: _parse_family,
    RegisterKind.CAPACITY: _parse_capacity,
}


# ----- writing: one writer per register -----


def _chunks(keys: list, size: int = 500):
    for start in range(0, len(keys), size):
        yield keys[start : start + size]


class _KeyedByColumn:
    """A register keyed by one column, ``key``: a key's rows go from each of ``tables`` in that order;
    the keys are read from the last."""

    key: str
    tables: tuple[type, ...]

    def existing(self, session: Session, keys: list) -> set:
        column = getattr(self.tables[-1], self.key)
        found: set = set()
        for chunk in _chunks(keys):
            found.update(session.scalars(select(column).where(column.in_(chunk))))
        return found

    def all_keys(self, session: Session) -> set:
        return set(session.scalars(select(getattr(self.tables[-1], self.key)).distinct()))

    def clear(self, session: Session) -> None:
        for table in self.tables:
            session.execute(delete(table))

    def remove(self, session: Session, key) -> None:
        for table in self.tables:
            session.execute(delete(table).where(getattr(table, self.key) == key))


class _PropertyWriter(_KeyedByColumn):
    key = "address_id"
    tables = (PropertyShare,)

    def add(self, session: Session, record: PropertyRecord, now: dt.datetime) -> None:
        session.add_all(
            PropertyShare(
                address_id=record.address_id,
                owner_iin=owner.iin,
                address=record.address,
                share_numerator=owner.share.numerator,
                share_denominator=owner.share.denominator,
                updated_at=now,
            )
            for owner in record.owners
        )


class _RentalWriter(_KeyedByColumn):
    key = "address_id"
    tables = (RentalListedPerson, RentalContract)

    def add(self, session: Session, record: RentalContractRecord, now: dt.datetime) -> None:
        session.add(
            RentalContract(
                address_id=record.address_id,
                contract_number=record.contract_number,
                address=record.address,
                tenant_iin=record.tenant_iin,
                updated_at=now,
            )
        )
        session.add_all(
            RentalListedPerson(address_id=record.address_id, iin=iin) for iin in record.listed_iins
        )


class _FamilyWriter:
    _key = tuple_(FamilyRelation.representative_iin, FamilyRelation.relation, FamilyRelation.person_iin)

    def existing(self, session: Session, keys: list) -> set:
        found: set = set()
        for chunk in _chunks(keys):
            rows = session.execute(
                select(
                    FamilyRelation.representative_iin, FamilyRelation.relation, FamilyRelation.person_iin
                ).where(self._key.in_(chunk))
            )
            found.update(tuple(row) for row in rows)
        return found

    def all_keys(self, session: Session) -> set:
        rows = session.execute(
            select(FamilyRelation.representative_iin, FamilyRelation.relation, FamilyRelation.person_iin)
        )
        return {tuple(row) for row in rows}

    def clear(self, session: Session) -> None:
        session.execute(delete(FamilyRelation))

    def remove(self, session: Session, key) -> None:
        representative, relation, person = key
        session.execute(
            delete(FamilyRelation).where(
                FamilyRelation.representative_iin == representative,
                FamilyRelation.relation == relation,
                FamilyRelation.person_iin == person,
            )
        )

    def add(self, session: Session, record: RelationRecord, now: dt.datetime) -> None:
        session.add(
            FamilyRelation(
                representative_iin=record.representative_iin,
                relation=str(record.relation),
                person_iin=record.person_iin,
                basis=record.basis,
                updated_at=now,
            )
        )


class _CapacityWriter(_KeyedByColumn):
    key = "iin"
    tables = (LegalCapacity,)

    def add(self, session: Session, record: CapacityRecord, now: dt.datetime) -> None:
        session.add(
            LegalCapacity(
                iin=record.iin,
                status=str(record.status),
                court_decision=record.court_decision,
                decided_on=record.decided_on,
                updated_at=now,
            )
        )


_WRITERS = {
    RegisterKind.PROPERTY: _PropertyWriter(),
    RegisterKind.RENTAL: _RentalWriter(),
    RegisterKind.FAMILY: _FamilyWriter(),
    RegisterKind.CAPACITY: _CapacityWriter(),
}
