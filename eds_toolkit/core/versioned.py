"""One compare-and-set for every versioned row (enrolments, applications, ...).

A row with an integer ``version`` column is changed only if nobody changed it since it was read; a
racing request (a second tab, a second worker) finds the version moved on and gets ``ConcurrentChange``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from eds_toolkit.core.refusals import ConcurrentChange


def compare_and_set(session: Session, row: Any, *, conflict: str, **values: object) -> None:
    """Write ``values`` to ``row`` and bump its version iff its version is still the one read.

    The caller commits. On a conflict the session is rolled back and ``ConcurrentChange(conflict)`` raised.
    """
    model = type(row)
    result = session.execute(
        update(model)
        .where(model.id == row.id, model.version == row.version)
        .values(version=row.version + 1, **values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        session.rollback()
        raise ConcurrentChange(conflict)
    row.version += 1
    for name, value in values.items():
        setattr(row, name, value)


def bump_version(session: Session, model: Any, row_id: object, *where: Any, **values: object) -> int:
    """Change a row by id (and any extra ``where`` conditions) and move its version on, whatever it was.

    For writes that must invalidate what other requests read (a withdrawn pending phone number): their
    compare-and-set then fails. Returns the number of rows changed (0 when ``where`` no longer holds).
    """
    result = session.execute(
        update(model)
        .where(model.id == row_id, *where)
        .values(version=model.version + 1, **values)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount
