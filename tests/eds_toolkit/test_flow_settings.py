"""Settings from EDS_* variables, with clear errors for unusable values."""

from __future__ import annotations

import multiprocessing
import stat

import pytest

from eds_toolkit.citizens import HttpCitizensRegistry, TableCitizensBase
from eds_toolkit.services import build_service_context
from eds_toolkit.settings import Settings, SettingsError, stored_secret_key


def test_defaults_put_everything_in_the_instance_directory(tmp_path):
    settings = Settings.from_env({}, home=tmp_path)
    assert settings.database_url == f"sqlite:///{tmp_path / 'eds.sqlite3'}"
    assert settings.sms_gateway == "console"
    assert settings.ratelimit_storage_url == "memory://"
    key_file = tmp_path / "secret_key"
    assert settings.secret_key == key_file.read_text().strip()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert Settings.from_env({}, home=tmp_path).secret_key == settings.secret_key  # generated once


def _key_after_barrier(home, barrier, results):
    barrier.wait()
    results.put(stored_secret_key(home))


def test_workers_starting_together_all_read_the_same_complete_secret_key(tmp_path):
    """gunicorn workers boot at once: none may fail on the file or see it half-written."""
    context = multiprocessing.get_context("fork")
    for round_number in range(5):
        home = tmp_path / str(round_number)
        home.mkdir()
        barrier, results = context.Barrier(6), context.Queue()
        workers = [
            context.Process(target=_key_after_barrier, args=(home, barrier, results)) for _ in range(6)
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(30)
        assert [worker.exitcode for worker in workers] == [0] * 6
        keys = {results.get(timeout=5) for _ in workers}
        assert len(keys) == 1 and len(keys.pop()) >= 64
        assert [p.name for p in home.iterdir()] == ["secret_key"]  # no temporary file left behind
        assert stat.S_IMODE((home / "secret_key").stat().st_mode) == 0o600


def test_environment_overrides(tmp_path):
    settings = Settings.from_env(
        {
            "EDS_DATABASE_URL": "postgresql+psycopg://eds@db/eds",
            "EDS_SECRET_KEY": "from-the-environment-0123456789",
            "EDS_SMS_GATEWAY": "http",
            "EDS_SMS_URL": "https://sms.example/api",
            "EDS_RATELIMIT_STORAGE_URL": "redis://cache:6379/0",
            "EDS_ENROLMENT_TTL": "900",
            "EDS_CA_PASSPHRASE": "a long enough passphrase",
            "EDS_BASE_URL": "https://eds.example.kz/",
            "EDS_CITIZENS_REGISTRY_URL": "https://registry.example/api",
        },
        home=tmp_path,
    )
    assert settings.database_url.startswith("postgresql")
    assert settings.secret_key == "from-the-environment-0123456789"
    assert settings.enrolment_ttl == 900
    assert settings.ca_passphrase == b"a long enough passphrase"
    assert settings.base_url == "https://eds.example.kz"
    assert not (tmp_path / "secret_key").exists()


def test_external_registry_url_replaces_the_built_in_table(tmp_path):
    table = build_service_context(Settings.from_env({}, home=tmp_path))
    assert isinstance(table.citizens, TableCitizensBase)
    registry = build_service_context(
        Settings.from_env({"EDS_CITIZENS_REGISTRY_URL": "http://127.0.0.1:9/registry"}, home=tmp_path)
    )
    assert isinstance(registry.citizens, HttpCitizensRegistry)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"EDS_SMS_GATEWAY": "pigeon"}, "console, outbox or http"),
        ({"EDS_SMS_GATEWAY": "http"}, "EDS_SMS_URL"),
        ({"EDS_ENROLMENT_TTL": "an hour"}, "whole number"),
    ],
)
def test_unusable_values_are_refused_with_the_variable_named(tmp_path, env, message):
    with pytest.raises(SettingsError, match=message):
        Settings.from_env(env, home=tmp_path)
