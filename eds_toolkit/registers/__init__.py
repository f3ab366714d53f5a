"""The registers the registration service's rules read: property (address -> owners and shares), state
rental contracts (address -> tenant and listed people), family relations and guardianship, legal
capacity. Each is a built-in table (importable from CSV, demo data on the embedded default) or an
HTTP registry, behind one interface per register (``base``)."""

from __future__ import annotations

from sqlalchemy.orm import sessionmaker

from eds_toolkit.registers.base import (
    CapacityRegister,
    FamilyRegister,
    PropertyRegister,
    Registers,
    RegisterUnavailable,
    RentalRegister,
    table_registers,
)
from eds_toolkit.registers.demo import DEMO_AGES_HOLD, DEMO_SCENARIOS, DemoScenario, load_demo_registers
from eds_toolkit.registers.importing import (
    COLUMNS,
    ImportMode,
    RegisterImportRefused,
    RegisterImportReport,
    RegisterKind,
    import_register,
)
from eds_toolkit.registers.records import (
    Capacity,
    CapacityRecord,
    InvalidRecord,
    Owner,
    PropertyRecord,
    RelationKind,
    RelationRecord,
    RentalContractRecord,
)
from eds_toolkit.registers.registry_http import (
    HttpCapacityRegistry,
    HttpFamilyRegistry,
    HttpPropertyRegistry,
    HttpRentalRegistry,
)


def make_registers(
    sessions: sessionmaker,
    *,
    property_url: str | None = None,
    rental_url: str | None = None,
    family_url: str | None = None,
    capacity_url: str | None = None,
    timeout: float = 5,
) -> Registers:
    """Each register from its HTTP registry where a URL is given, else from the built-in table."""
    tables = table_registers(sessions)
    return Registers(
        property=HttpPropertyRegistry(property_url, timeout) if property_url else tables.property,
        rental=HttpRentalRegistry(rental_url, timeout) if rental_url else tables.rental,
        family=HttpFamilyRegistry(family_url, timeout) if family_url else tables.family,
        capacity=HttpCapacityRegistry(capacity_url, timeout) if capacity_url else tables.capacity,
    )


__all__ = [
    "COLUMNS",
    "DEMO_AGES_HOLD",
    "DEMO_SCENARIOS",
    "Capacity",
    "CapacityRecord",
    "CapacityRegister",
    "DemoScenario",
    "FamilyRegister",
    "HttpCapacityRegistry",
    "HttpFamilyRegistry",
    "HttpPropertyRegistry",
    "HttpRentalRegistry",
    "ImportMode",
    "InvalidRecord",
    "Owner",
    "PropertyRecord",
    "PropertyRegister",
    "RegisterImportRefused",
    "RegisterImportReport",
    "RegisterKind",
    "RegisterUnavailable",
    "Registers",
    "RelationKind",
    "RelationRecord",
    "RentalContractRecord",
    "RentalRegister",
    "import_register",
    "load_demo_registers",
    "make_registers",
    "table_registers",
]
