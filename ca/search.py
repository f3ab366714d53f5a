"""The operators' reads of the certificate store: search by IIN, serial prefix and status, one page at a
time, the certificates expiring soon, and the records behind a list of serials or IINs (bulk revocation).

Named queries, like those of ``ca.store``, run in the caller's session; ``CertificateRecord`` is queried
only in ``ca``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from ca.errors import CAError
from ca.store import STATUSES, CertificateRecord

MIN_SERIAL_PREFIX = 8  # hex digits: 2**32 prefixes, so a prefix names one certificate in practice
_IN_CHUNK = 500  # values per IN (...), under every database's parameter limit


@dataclass(frozen=True)
class Page:
    """One page of records and how many match in all."""

    records: list[CertificateRecord]
    total: int


def _with_status(statement: Select, status: str | None, now: dt.datetime) -> Select:
    """``status`` as ``eds ca list`` reads it: expired = stored valid but past not_after at ``now``."""
    record = CertificateRecord
    if status is None:
        return statement
    if status == "revoked":
        return statement.where(record.status == "revoked")
    if status == "valid":
        return statement.where(record.status == "valid", record.not_after > now)
    if status == "expired":
        return statement.where(record.status == "valid", record.not_after <= now)
    raise CAError(f"Status is one of {', '.join(STATUSES)}, not {status!r}.")


def search(
    session: Session,
    *,
    now: dt.datetime,
    iin: str | None = None,
    serial_prefix: str | None = None,
    status: str | None = None,
    offset: int = 0,
    limit: int = 25,
) -> Page:
    """Records matching every criterion given, newest first. ``serial_prefix``: lower-case hex, at least
    ``MIN_SERIAL_PREFIX`` digits (the stored form's beginning; 40 digits is the whole serial)."""
    record = CertificateRecord
    statement = select(record)
    if iin is not None:
        statement = statement.where(record.iin == iin)
    if serial_prefix is not None:
        if len(serial_prefix) < MIN_SERIAL_PREFIX or any(c not in "0123456789abcdef" for c in serial_prefix):
            raise CAError(f"A serial prefix is at least {MIN_SERIAL_PREFIX} lower-case hex digits.")
        # a range on the unique index, not LIKE (which neither SQLite nor PostgreSQL's usual collations
        # answer from an index): every hex digit sorts before "g"
        statement = statement.where(record.serial >= serial_prefix, record.serial < serial_prefix + "g")
    statement = _with_status(statement, status, now)
    total = session.scalar(select(func.count()).select_from(statement.subquery()))
    rows = session.scalars(statement.order_by(record.id.desc()).offset(offset).limit(limit))
    return Page(list(rows), total or 0)


def _expiring(now: dt.datetime, until: dt.datetime) -> Select:
    record = CertificateRecord
    return select(record).where(record.status == "valid", record.not_after > now, record.not_after <= until)


def expiring(
    session: Session, now: dt.datetime, until: dt.datetime, *, offset: int = 0, limit: int = 50
) -> Page:
    """Valid certificates whose notAfter falls in (``now``, ``until``], soonest first, one page."""
    statement = _expiring(now, until)
    total = session.scalar(select(func.count()).select_from(statement.subquery()))
    order = (CertificateRecord.not_after, CertificateRecord.id)
    return Page(list(session.scalars(statement.order_by(*order).offset(offset).limit(limit))), total or 0)


def expiry_dates(session: Session, now: dt.datetime, until: dt.datetime) -> Iterator[dt.datetime]:
    """The notAfter of each certificate :func:`expiring` finds, streamed (for counts by week)."""
    record = CertificateRecord
    statement = (
        select(record.not_after)
        .where(record.status == "valid", record.not_after > now, record.not_after <= until)
        .execution_options(yield_per=2000)
    )
    return iter(session.scalars(statement))


def all_expiring(session: Session, now: dt.datetime, until: dt.datetime) -> Iterator[CertificateRecord]:
    """Every record :func:`expiring` finds, soonest first, streamed (for a CSV download)."""
    statement = _expiring(now, until).order_by(CertificateRecord.not_after, CertificateRecord.id)
    return iter(session.scalars(statement.execution_options(yield_per=500)))


def records_by_serial(session: Session, serials: Iterable[str]) -> dict[str, CertificateRecord]:
    """``{serial: record}`` of the stored ones among ``serials`` (stored form: 40 lower-case hex digits)."""
    found: dict[str, CertificateRecord] = {}
    wanted = sorted(set(serials))
    for start in range(0, len(wanted), _IN_CHUNK):
        chunk = wanted[start : start + _IN_CHUNK]
        found.update(
            (row.serial, row)
            for row in session.scalars(select(CertificateRecord).where(CertificateRecord.serial.in_(chunk)))
        )
    return found


def records_of_iins(session: Session, iins: Iterable[str]) -> dict[str, list[CertificateRecord]]:
    """``{iin: its records, oldest first}`` for the IINs among ``iins`` that have any certificate."""
    found: dict[str, list[CertificateRecord]] = {}
    wanted = sorted(set(iins))
    record = CertificateRecord
    for start in range(0, len(wanted), _IN_CHUNK):
        statement = (
            select(record).where(record.iin.in_(wanted[start : start + _IN_CHUNK])).order_by(record.id)
        )
        for row in session.scalars(statement):
            found.setdefault(row.iin, []).append(row)
    return found
