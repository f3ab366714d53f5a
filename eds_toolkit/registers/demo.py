"""The demo registers loaded on the embedded default (``eds serve``): one address for each thing the
registration rules decide, and the people in them (added to the built-in citizens base).

The children's ages hold from ``DEMO_AGES_HOLD[0]`` to ``DEMO_AGES_HOLD[1]`` (a fixed demo cannot stay
15 years old): tests and screenshots pin their clock inside that window.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from importlib import resources

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from eds_toolkit.citizens import Citizen, make_record
from eds_toolkit.citizens.importing import CSV_COLUMNS
from eds_toolkit.clock import Clock, SystemClock
from eds_toolkit.registers.importing import ImportMode, RegisterKind, import_register_text

DEMO_AGES_HOLD = (dt.date(2026, 9, 15), dt.date(2027, 9, 14))


@dataclass(frozen=True)
class DemoScenario:
    """An application the demo registers decide: who applies, for whom, where, and what the rules say."""

    name: str
    applicant_iin: str
    person_iin: str
    address_id: str
    outcome: str  # eds_toolkit.registration.rules.Outcome
    code: str


DEMO_SCENARIOS = (
    DemoScenario(
        "owner registers themselves", "850314312017", "850314312017", "AST-1001", "ok", "applicant_owns"
    ),
    DemoScenario(
        "not the owner: the owner confirms by SMS",
        "920721433024",
        "920721433024",
        "AST-1001",
        "needs_owner_consent",
        "owner_consent_required",
    ),
    DemoScenario(
        "parent registers a 15-year-old", "800412341004", "110915641073", "AST-1002", "ok", "applicant_owns"
    ),
    DemoScenario(
        "a 13-year-old is refused", "800412341004", "131010541142", "AST-1002", "refused", "under_14"
    ),
    DemoScenario(
        "guardian registers an adult found incapable",
        "620220341210",
        "900601441287",
        "AST-1003",
        "ok",
        "applicant_owns",
    ),
    DemoScenario(
        "legal representative registers an adult of limited capacity",
        "780707441701",
        "750303341634",
        "AST-1007",
        "ok",
        "applicant_owns",
    ),
    DemoScenario(
        "tenant registers a person listed in the state rental contract",
        "880808341359",
        "910117441426",
        "AST-1004",
        "ok",
        "state_rental_contract",
    ),
    DemoScenario(
        "applicant not on the state rental contract is returned",
        "920721433024",
        "920721433024",
        "AST-1004",
        "returned",
        "applicant_not_in_rental_contract",
    ),
    DemoScenario(
        "address part-owned by a minor: a service centre",
        "841201441499",
        "841201441499",
        "AST-1005",
        "offline",
        "owner_minor_or_incapable",
    ),
    DemoScenario(
        "address part-owned by a person found incapable: a service centre",
        "781102444036",
        "781102444036",
        "AST-1006",
        "offline",
        "owner_minor_or_incapable",
    ),
)

_FILES = {
    RegisterKind.PROPERTY: "demo_property.csv",
    RegisterKind.RENTAL: "demo_rental.csv",
    RegisterKind.FAMILY: "demo_family.csv",
    RegisterKind.CAPACITY: "demo_capacity.csv",
}


def _demo_text(name: str) -> str:
    return resources.files("eds_toolkit.registers").joinpath(name).read_text(encoding="utf-8")


def demo_csv(kind: RegisterKind | str) -> str:
    """The demo CSV text of register ``kind`` (the same format `eds registers import` reads)."""
    return _demo_text(_FILES[RegisterKind(kind)])


def load_demo_registers(session: Session, *, clock: Clock | None = None) -> int:
    """Add the demo people the citizens base lacks and the demo records the registers lack (idempotent,
    an operator's changes to them are kept); commit; return how many records were added.

    Safe when several workers start at once: losing the race to another worker's insert counts as done.
    """
    clock = clock or SystemClock()
    added = _add_demo_people(session, clock)
    try:
        for kind in RegisterKind:
            report = import_register_text(
                session, kind, demo_csv(kind), name=_FILES[kind], mode=ImportMode.ADD_MISSING, clock=clock
            )
            added += report.added
    except IntegrityError:
        session.rollback()  # another worker inserted them first
    return added


def _add_demo_people(session: Session, clock: Clock) -> int:
    records = [
        make_record(**{column: row.get(column) or "" for column in CSV_COLUMNS})
        for row in csv.DictReader(io.StringIO(_demo_text("demo_people.csv")))
    ]
    known = set(session.scalars(select(Citizen.iin).where(Citizen.iin.in_([r.iin for r in records]))))
    now = clock.now()
    missing = [record for record in records if record.iin not in known]
    session.add_all(
        Citizen(
            iin=record.iin,
            surname=record.surname,
            given_name=record.given_name,
            patronymic=record.patronymic,
            birth_date=record.birth_date,
            phone=record.phone,
            updated_at=now,
        )
        for record in missing
    )
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        return 0
    return len(missing)
