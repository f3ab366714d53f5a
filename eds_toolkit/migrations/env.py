"""Alembic environment: run against the engine handed over in ``config.attributes`` (no alembic.ini)."""

from __future__ import annotations

from alembic import context

from eds_toolkit.db import make_engine
from eds_toolkit.migrations import target_metadata

config = context.config
engine = config.attributes.get("engine")
if engine is None:
    from eds_toolkit.home import database_url, default_home

    engine = make_engine(database_url(default_home()))

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=target_metadata(),
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
