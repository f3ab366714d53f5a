"""`eds citizens` commands: the built-in mobile-citizens base (import, add, show, list).

Exit status: 0 done, 1 refused (unknown IIN, IIN already in the base), 2 bad input.
"""

from __future__ import annotations

import json
from pathlib import Path

import click
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from eds_toolkit.citizens import (
    Citizen,
    CitizenExists,
    CitizensImportRefused,
    InvalidCitizen,
    add_citizen,
    import_csv,
    make_record,
)
from eds_toolkit.citizens.photo import UnusablePhoto, read_reference_photo
from eds_toolkit.cli import Context, pass_context
from national_profile.iin import InvalidIIN, parse_iin


def _engine(ctx: Context) -> Engine:
    """The instance database, migrated to the newest schema (the same one `eds serve` uses)."""
    from eds_toolkit.db import make_engine
    from eds_toolkit.home import database_url
    from eds_toolkit.migrations import upgrade

    engine = make_engine(database_url(ctx.home))
    upgrade(engine)
    return engine


def _fail(message: str, status: int) -> None:
    click.echo(f"Error: {message}", err=True)
    raise click.exceptions.Exit(status)


def _read_photo(path: Path) -> bytes:
    """The photo's bytes if it can be a reference photo (a picture of at most 5 MB, one face); else exit 2."""
    try:
        return read_reference_photo(path)
    except UnusablePhoto as error:
        _fail(f"{path}: {error}", 2)


def _as_dict(citizen: Citizen) -> dict:
    return {
        "iin": citizen.iin,
        "surname": citizen.surname,
        "given_name": citizen.given_name,
        "patronymic": citizen.patronymic,
        "birth_date": citizen.birth_date.isoformat(),
        "phone": citizen.phone,
        "photo_bytes": len(citizen.photo) if citizen.photo else 0,
        "updated_at": citizen.updated_at.isoformat(),
    }


def _line(citizen: Citizen) -> str:
    names = " ".join(n for n in (citizen.surname, citizen.given_name, citizen.patronymic) if n)
    return f"{citizen.iin}  {citizen.birth_date.isoformat()}  {citizen.phone or '(no phone)':<13}  {names}"


FORMAT_OPTION = click.option(
    "--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True
)


@click.group("citizens")
def citizens() -> None:
    """The mobile-citizens base: IIN, names, birth date, registered phone, photo."""


@citizens.command("import")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@pass_context
def import_command(ctx: Context, csv_file: Path) -> None:
    """Import FILE.csv (columns iin,surname,given_name,patronymic,birth_date,phone[,photo]).

    photo names a JPEG/PNG file (relative to the CSV's folder) showing the person's face alone: the
    state photo remote identification matches against. Every row is checked first; one bad row and
    nothing is imported. Known IINs are updated (their photo only where the row names one).
    """
    with Session(_engine(ctx)) as session:
        try:
            report = import_csv(session, csv_file)
        except CitizensImportRefused as refused:
            count = len(refused.report.errors)
            click.echo(f"Error: {csv_file}: nothing imported, {count} bad row(s):", err=True)
            for error in refused.report.errors:
                click.echo(f"  {error}", err=True)
            raise click.exceptions.Exit(2) from None
    click.echo(f"{csv_file}: {report.added} added, {report.updated} updated")


@citizens.command("add")
@click.option("--iin", required=True, help="12-digit IIN (check digit verified).")
@click.option("--surname", required=True)
@click.option("--given-name", required=True)
@click.option("--patronymic")
@click.option("--birth-date", required=True, help="YYYY-MM-DD; must match the IIN.")
@click.option("--phone", help="Kazakh mobile number, e.g. +7 701 234 56 78.")
@click.option(
    "--photo",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The state photo (JPEG or PNG, the face alone): without one, remote issuance is refused.",
)
@pass_context
def add_command(
    ctx: Context,
    iin: str,
    surname: str,
    given_name: str,
    patronymic: str | None,
    birth_date: str,
    phone: str | None,
    photo: Path | None,
) -> None:
    """Add one person to the base."""
    try:
        record = make_record(
            iin=iin,
            surname=surname,
            given_name=given_name,
            patronymic=patronymic,
            birth_date=birth_date,
            phone=phone,
            photo=_read_photo(photo) if photo else None,
        )
    except InvalidCitizen as exc:
        _fail(str(exc), 2)
    with Session(_engine(ctx)) as session:
        try:
            add_citizen(session, record)
        except CitizenExists as exc:
            _fail(str(exc), 1)
    click.echo(f"added {record.iin} {record.surname} {record.given_name}")


@citizens.command("show")
@click.argument("iin")
@FORMAT_OPTION
@pass_context
def show_command(ctx: Context, iin: str, output_format: str) -> None:
    """Show the person with IIN."""
    try:
        parse_iin(iin)
    except InvalidIIN as exc:
        _fail(str(exc), 2)
    with Session(_engine(ctx)) as session:
        citizen = session.get(Citizen, iin.strip())
        if citizen is None:
            _fail(f"no citizen with IIN {iin.strip()} is in the base", 1)
        data = _as_dict(citizen)
    if output_format == "json":
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        for key, value in data.items():
            click.echo(f"{key + ':':<12} {'' if value is None else value}")


@citizens.command("list")
@FORMAT_OPTION
@pass_context
def list_command(ctx: Context, output_format: str) -> None:
    """List everyone in the base, by IIN."""
    with Session(_engine(ctx)) as session:
        people = session.scalars(select(Citizen).order_by(Citizen.iin)).all()
        if output_format == "json":
            click.echo(json.dumps([_as_dict(c) for c in people], ensure_ascii=False, indent=2))
        else:
            for citizen in people:
                click.echo(_line(citizen))
            click.echo(f"{len(people)} citizen(s)")


COMMANDS: list[click.Command] = [citizens]
