"""Alembic migrations for the whole database: the service's tables and the CA's (``ca.store.CABase``)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, MetaData

HERE = Path(__file__).parent


def target_metadata() -> list[MetaData]:
    """Every table the migrations must produce (importing the models registers them).

    Any ``eds_toolkit.flow`` module whose name ends in ``models`` is imported too, so a new
    table there is covered by the schema test without editing this list.
    """
    import importlib
    import pkgutil

    import eds_toolkit.citizens.model  # noqa: F401
    import eds_toolkit.core.audit_models  # noqa: F401
    import eds_toolkit.flow
    import eds_toolkit.operators.bulk_models  # noqa: F401
    import eds_toolkit.operators.models  # noqa: F401
    import eds_toolkit.otp  # noqa: F401
    import eds_toolkit.registers.model  # noqa: F401
    import eds_toolkit.registration.models  # noqa: F401

    for module in pkgutil.iter_modules(eds_toolkit.flow.__path__):
        if module.name.endswith("models"):
            importlib.import_module(f"eds_toolkit.flow.{module.name}")
    from ca.store import CABase
    from eds_toolkit.db import Base

    return [Base.metadata, CABase.metadata]


def alembic_config(engine: Engine | None = None) -> Config:
    """An Alembic config pointing at this package; with ``engine``, env.py migrates that database."""
    config = Config()
    config.set_main_option("script_location", str(HERE))
    if engine is not None:
        config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database to ``revision`` (default: the newest)."""
    command.upgrade(alembic_config(engine), revision)


def current(engine: Engine) -> str | None:
    """The revision the database is at (None: never migrated)."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
