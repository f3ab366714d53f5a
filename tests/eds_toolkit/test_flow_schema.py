"""The OpenAPI document is valid and complete; the Alembic migrations build exactly the models' schema."""

from __future__ import annotations

import re

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from click.testing import CliRunner
from openapi_spec_validator import validate
from sqlalchemy import MetaData, inspect

from eds_toolkit.cli import main
from eds_toolkit.db import make_engine
from eds_toolkit.migrations import current, target_metadata, upgrade


def test_openapi_document_is_valid_openapi_3_1(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    assert document["openapi"] == "3.1.0"
    validate(document)


def test_every_api_route_is_described(app, client):
    # path parameters compared by place, not name ({id}/checks/{job} is <enrolment_id>/checks/<job_id>)
    documented = {
        re.sub(r"\{\w+\}", "{id}", path): methods
        for path, methods in client.get("/api/v1/openapi.json").get_json()["paths"].items()
    }
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.rule.endswith("openapi.json"):
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", "{id}", rule.rule.removeprefix("/api/v1"))
        assert path in documented, path
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert method.lower() in documented[path], (path, method)


def merged(metadatas: list[MetaData]) -> MetaData:
    combined = MetaData()
    for metadata in metadatas:
        for table in metadata.tables.values():
            table.to_metadata(combined)
    return combined


def schema_differences(engine) -> list:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, merged(target_metadata()))


def test_migrations_produce_exactly_the_models_schema_on_sqlite(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'schema.sqlite3'}")
    upgrade(engine)
    assert current(engine) is not None
    assert schema_differences(engine) == []
    tables = set(inspect(engine).get_table_names())
    assert {
        "enrolments",
        "audit_events",
        "digital_id_accounts",
        "citizens",
        "one_time_codes",
        "ca_certificates",
    } <= tables


def test_a_model_change_without_a_migration_is_caught(tmp_path):
    from sqlalchemy import Column, Integer, Table

    engine = make_engine(f"sqlite:///{tmp_path / 'schema.sqlite3'}")
    upgrade(engine)
    metadatas = target_metadata()
    extra = MetaData()
    Table("not_migrated", extra, Column("id", Integer, primary_key=True))
    with engine.connect() as connection:
        context = MigrationContext.configure(connection)
        diff = compare_metadata(context, merged([*metadatas, extra]))
    assert [d[0] for d in diff] == ["add_table"]


def test_eds_db_upgrade_command(tmp_path, monkeypatch):
    monkeypatch.delenv("EDS_DATABASE_URL", raising=False)
    result = CliRunner().invoke(main, ["--home", str(tmp_path), "db", "upgrade"])
    assert result.exit_code == 0, result.output
    from alembic.script import ScriptDirectory

    from eds_toolkit.migrations import alembic_config

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert f"revision {head}" in result.output
    engine = make_engine(f"sqlite:///{tmp_path / 'eds.sqlite3'}")
    assert schema_differences(engine) == []
