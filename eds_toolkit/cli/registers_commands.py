"""`eds registers` commands: the built-in registers of the registration service (import, show).

Exit status: 0 done, 1 not found, 2 bad input (nothing imported).
"""

from __future__ import annotations

import dataclasses
import json
from enum import Enum
from fractions import Fraction
from pathlib import Path

import click
from sqlalchemy.orm import Session

from eds_toolkit.cli import Context, pass_context
from eds_toolkit.cli.citizens_commands import _engine, _fail
from eds_toolkit.registers import (
    RegisterImportRefused,
    RegisterKind,
    import_register,
    table_registers,
)
from eds_toolkit.registers.records import InvalidRecord, checked_address_id, checked_iin

KINDS = click.Choice([kind.value for kind in RegisterKind])


@click.group("registers")
def registers() -> None:
    """The registers the registration rules read: property, rental (state rental contracts), family
    (parents, guardians, legal representatives), capacity (court decisions)."""


@registers.command("import")
@click.argument("kind", type=KINDS)
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--replace", is_flag=True, help="The file is the whole register: records it lacks are removed.")
@pass_context
def import_command(ctx: Context, kind: str, csv_file: Path, replace: bool) -> None:
    """Import FILE.csv into the KIND register. Columns:

    \b
    property: address_id,address,owner_iin,share  (a row per owner; shares like 1/2 add up to 1)
    rental:   address_id,address,contract_number,tenant_iin,listed_iins  (IINs split by spaces or ;)
    family:   representative_iin,relation,person_iin,basis  (parent, guardian, legal_representative)
    capacity: iin,status,court_decision,decided_on  (status: capable, incapable, limited)

    Every row is checked first; one bad row and nothing is imported (the errors name their lines). The
    file's records replace the register's records with the same key and add new ones.
    """
    with Session(_engine(ctx)) as session:
        try:
            report = import_register(session, kind, csv_file, replace=replace)
        except RegisterImportRefused as refused:
            count = len(refused.report.errors)
            click.echo(f"Error: {csv_file}: nothing imported, {count} bad row(s):", err=True)
            for error in refused.report.errors:
                click.echo(f"  {error}", err=True)
            raise click.exceptions.Exit(2) from None
    removed = f", {report.removed} removed" if replace else ""
    click.echo(f"{csv_file}: {kind} register: {report.added} added, {report.updated} updated{removed}")


@registers.command("show")
@click.argument("kind", type=KINDS)
@click.argument("key")
@pass_context
def show_command(ctx: Context, kind: str, key: str) -> None:
    """Show what the KIND register holds for KEY (an address id for property and rental, an IIN for
    family and capacity), as JSON."""
    try:
        key = checked_address_id(key) if kind in ("property", "rental") else checked_iin(key, "IIN")
    except InvalidRecord as error:
        _fail(str(error), 2)
    engine = _engine(ctx)
    tables = table_registers(lambda: Session(engine))
    found = {
        "property": lambda: tables.property.property_at(key),
        "rental": lambda: tables.rental.contract_at(key),
        "family": lambda: tables.family.representatives_of(key) or None,
        "capacity": lambda: tables.capacity.capacity_of(key),
    }[kind]()
    if found is None:
        _fail(f"the {kind} register has nothing for {key}", 1)
    click.echo(json.dumps(_plain(found), ensure_ascii=False, indent=2))


def _plain(value: object) -> object:
    if dataclasses.is_dataclass(value):
        return {field.name: _plain(getattr(value, field.name)) for field in dataclasses.fields(value)}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Fraction):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


COMMANDS: list[click.Command] = [registers]
