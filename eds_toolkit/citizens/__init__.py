"""The mobile-citizens base (IIN -> person and registered phone): the built-in table or an HTTP registry."""

from __future__ import annotations

from sqlalchemy.orm import sessionmaker

from eds_toolkit.citizens.base import CitizensBase, CitizensRegistryError, TableCitizensBase, UnknownCitizen
from eds_toolkit.citizens.importing import (
    CSV_COLUMNS,
    CitizenExists,
    CitizensImportRefused,
    ImportReport,
    RowError,
    add_citizen,
    demo_records,
    import_csv,
    load_demo_citizens,
)
from eds_toolkit.citizens.model import Citizen, CitizenRecord
from eds_toolkit.citizens.phone import InvalidPhone, normalise_phone
from eds_toolkit.citizens.records import InvalidCitizen, make_record
from eds_toolkit.citizens.registry_http import HttpCitizensRegistry
from eds_toolkit.clock import Clock


def make_citizens_base(
    sessions: sessionmaker,
    *,
    url: str | None = None,
    token: str | None = None,
    timeout: float = 5,
    clock: Clock | None = None,
) -> CitizensBase:
    """The external registry at ``url`` when one is given, else the built-in ``citizens`` table."""
    if url:
        return HttpCitizensRegistry(url, timeout, token=token)
    return TableCitizensBase(sessions, clock=clock)


__all__ = [
    "CSV_COLUMNS",
    "Citizen",
    "CitizenExists",
    "CitizenRecord",
    "CitizensBase",
    "CitizensImportRefused",
    "CitizensRegistryError",
    "HttpCitizensRegistry",
    "ImportReport",
    "InvalidCitizen",
    "InvalidPhone",
    "RowError",
    "TableCitizensBase",
    "UnknownCitizen",
    "add_citizen",
    "demo_records",
    "import_csv",
    "load_demo_citizens",
    "make_citizens_base",
    "make_record",
    "normalise_phone",
]
