"""Filling the built-in base: a CSV import (all rows valid or nothing changes) and the demo set."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from eds_toolkit.citizens.model import Citizen, CitizenRecord
from eds_toolkit.citizens.photo import read_reference_photo
from eds_toolkit.citizens.records import InvalidCitizen, make_record
from eds_toolkit.clock import Clock, SystemClock

CSV_COLUMNS = ("iin", "surname", "given_name", "patronymic", "birth_date", "phone")
PHOTO_COLUMN = "photo"  # optional: a photo file, relative to the CSV's folder
MAX_CSV_BYTES = 50 * 1024 * 1024
# The demo citizens' reference photos are the shared test faces beside the repository (not shipped in
# the package); EDS_DEMO_PHOTOS_DIR points elsewhere. Without them the demo citizens have no photo and
# remote issuance sends them to a service centre.
DEMO_PHOTOS_DIR = Path(__file__).resolve().parents[3] / "shared" / "testdata" / "faces"


@dataclass(frozen=True)
class RowError:
    """One bad line of a CSV file (line numbers count the header as line 1)."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass
class ImportReport:
    """What an import did (``added``, ``updated``) or, when refused, why (``errors``)."""

    path: str
    added: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


class CitizensImportRefused(ValueError):
    """The CSV has bad rows (or is not a usable CSV); nothing was imported. ``.report`` lists them."""

    def __init__(self, report: ImportReport) -> None:
        self.report = report
        shown = "; ".join(str(e) for e in report.errors[:20])
        more = f" (and {len(report.errors) - 20} more)" if len(report.errors) > 20 else ""
        super().__init__(f"{report.path}: nothing imported, {len(report.errors)} bad row(s): {shown}{more}")


def import_csv(session: Session, path: Path, *, clock: Clock | None = None) -> ImportReport:
    """Import citizens from a UTF-8 CSV with columns iin,surname,given_name,patronymic,birth_date,phone
    and optionally photo (a JPEG/PNG file showing one face, relative to the CSV's folder).

    Every row is checked first (a photo must show exactly one face: it is the reference remote
    identification matches against); any bad row raises CitizensImportRefused naming the lines and
    nothing changes. Otherwise new IINs are added, known IINs get the file's names and phone (and its
    photo where the row names one; else their photo is kept), and the session is committed.
    """
    path = Path(path)
    report = ImportReport(path=str(path))
    records = _read_rows(path, report)
    if report.errors:
        raise CitizensImportRefused(report)
    now = (clock or SystemClock()).now()
    try:
        known = _known_citizens(session, list(records))
        for record in records.values():
            existing = known.get(record.iin)
            if existing is None:
                session.add(_new_citizen(record, now))
                report.added += 1
            else:
                for name in ("surname", "given_name", "patronymic", "birth_date", "phone"):
                    setattr(existing, name, getattr(record, name))
                if record.photo:
                    existing.photo = record.photo
                existing.updated_at = now
                report.updated += 1
        session.commit()
    except Exception:
        session.rollback()
        raise
    return report


def _known_citizens(session: Session, iins: list[str]) -> dict[str, Citizen]:
    known: dict[str, Citizen] = {}
    for start in range(0, len(iins), 500):
        chunk = iins[start : start + 500]
        known.update((c.iin, c) for c in session.scalars(select(Citizen).where(Citizen.iin.in_(chunk))))
    return known


def _read_rows(path: Path, report: ImportReport) -> dict[str, CitizenRecord]:
    try:
        if path.stat().st_size > MAX_CSV_BYTES:
            report.errors.append(RowError(0, f"the file is larger than {MAX_CSV_BYTES // 2**20} MB"))
            return {}
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        report.errors.append(RowError(0, "the file does not exist"))
        return {}
    except UnicodeDecodeError as exc:
        report.errors.append(RowError(0, f"the file is not UTF-8 text (byte {exc.start})"))
        return {}
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in CSV_COLUMNS if c not in header]
    if missing:
        report.errors.append(
            RowError(
                1, f"the header must name the columns {','.join(CSV_COLUMNS)}; missing: {', '.join(missing)}"
            )
        )
        return {}
    reader.fieldnames = header
    records: dict[str, CitizenRecord] = {}
    first_line: dict[str, int] = {}
    for row in reader:
        line = reader.line_num
        if None in row:
            report.errors.append(RowError(line, f"more fields than the {len(header)} columns of the header"))
            continue
        if all(not (v or "").strip() for v in row.values()):
            continue  # a blank line
        try:
            record = make_record(**{c: row.get(c) or "" for c in CSV_COLUMNS})
            photo = (row.get(PHOTO_COLUMN) or "").strip()
            if photo:
                record = replace(record, photo=read_reference_photo(path.parent / photo))
        except InvalidCitizen as exc:
            report.errors.append(RowError(line, str(exc)))
            continue
        if record.iin in records:
            report.errors.append(
                RowError(line, f"IIN {record.iin} is already on line {first_line[record.iin]}")
            )
            continue
        records[record.iin] = record
        first_line[record.iin] = line
    if not records and not report.errors:
        report.errors.append(RowError(1, "the file has no citizens"))
    return records


def _new_citizen(record: CitizenRecord, now) -> Citizen:
    return Citizen(
        iin=record.iin,
        surname=record.surname,
        given_name=record.given_name,
        patronymic=record.patronymic,
        birth_date=record.birth_date,
        phone=record.phone,
        photo=record.photo,
        updated_at=now,
    )


class CitizenExists(ValueError):
    """The IIN is already in the base."""


def add_citizen(session: Session, record: CitizenRecord, *, clock: Clock | None = None) -> None:
    """Add one validated person (see ``make_record``) and commit; CitizenExists if the IIN is known."""
    if session.get(Citizen, record.iin) is not None:
        raise CitizenExists(f"IIN {record.iin} is already in the base (use `eds citizens import` to update)")
    session.add(_new_citizen(record, (clock or SystemClock()).now()))
    try:
        session.commit()
    except IntegrityError:
        session.rollback()  # added by someone else in the meantime
        raise CitizenExists(f"IIN {record.iin} is already in the base") from None


def demo_records(photos_dir: Path | None = DEMO_PHOTOS_DIR) -> list[CitizenRecord]:
    """The demo citizens shipped with the package (``demo_citizens.csv``), validated, with their reference
    photos read from ``photos_dir`` where it has them (the shared test faces; not checked for a face
    here, the flow checks at use)."""
    text = resources.files("eds_toolkit.citizens").joinpath("demo_citizens.csv").read_text(encoding="utf-8")
    records = []
    for row in csv.DictReader(io.StringIO(text)):
        record = make_record(**{c: row.get(c) or "" for c in CSV_COLUMNS})
        photo = Path(photos_dir) / row["demo_photo"] if photos_dir and row.get("demo_photo") else None
        if photo is not None and photo.is_file():
            record = replace(record, photo=photo.read_bytes())
        records.append(record)
    return records


def load_demo_citizens(
    session: Session, *, clock: Clock | None = None, photos_dir: Path | None = DEMO_PHOTOS_DIR
) -> int:
    """Add the demo citizens that are not in the base yet (idempotent) and give those without a photo
    theirs; commit; return how many were added.

    Safe when several workers start at once: losing the race to another worker's insert counts as done.
    """
    now = (clock or SystemClock()).now()
    records = demo_records(photos_dir)
    known = _known_citizens(session, [r.iin for r in records])
    missing = [r for r in records if r.iin not in known]
    for record in records:
        existing = known.get(record.iin)
        if existing is not None and record.photo and not existing.photo:
            existing.photo = record.photo
    session.add_all(_new_citizen(record, now) for record in missing)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()  # another worker inserted them first
        return 0
    return len(missing)
