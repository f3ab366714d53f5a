"""The ``eds`` command line: one click group per area, options named the same everywhere.

Exit status: 0 done, 1 refused, 2 bad input (click's own usage errors are 2 as well).
"""

from __future__ import annotations

from pathlib import Path

import click

from eds_toolkit.home import ensure_home


class Context:
    """What every command gets: the instance directory."""

    def __init__(self, home: Path | None) -> None:
        self._home = home

    @property
    def home(self) -> Path:
        return ensure_home(self._home)


pass_context = click.make_pass_decorator(Context)


def instance_settings(obj: Context):
    """The instance's settings (``--home``, ``EDS_*``: the database, the time zone...); a bad one is a usage
    error."""
    import os

    from eds_toolkit.settings import Settings, SettingsError

    try:
        return Settings.from_env(os.environ, home=obj.home)
    except SettingsError as error:
        raise click.UsageError(str(error)) from None


def instance_database(settings):
    """The database engine of ``settings``, its schema brought up to date."""
    from eds_toolkit.db import make_engine
    from eds_toolkit.migrations import upgrade

    engine = make_engine(settings.database_url)
    upgrade(engine)
    return engine


def instance_service(obj: Context):
    """The instance's ServiceContext and identification settings (``--home``, ``EDS_*``), schema current."""
    import os

    from eds_toolkit.flow.identification import IdentifyConfig
    from eds_toolkit.services import build_service_context
    from eds_toolkit.settings import SettingsError

    settings = instance_settings(obj)
    try:
        config = settings.identify or IdentifyConfig.from_env(os.environ)
    except SettingsError as error:
        raise click.UsageError(str(error)) from None
    return build_service_context(settings, instance_database(settings)), config


@click.group()
@click.option(
    "--home",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="EDS_HOME",
    help="Instance directory (database, CA files). Default: $EDS_HOME or ~/.local/share/eds-toolkit.",
)
@click.pass_context
def main(ctx: click.Context, home: Path | None) -> None:
    """eds-toolkit: remote issuance of electronic digital signatures."""
    ctx.obj = Context(home)


def _register() -> None:
    from eds_toolkit.cli import (
        agent_commands,
        audit_commands,
        ca_commands,
        citizens_commands,
        identify_commands,
        keystore_commands,
        operator_commands,
        registers_commands,
        serve_commands,
        verify_commands,
        worker_commands,
    )

    for module in (
        ca_commands,
        keystore_commands,
        citizens_commands,
        registers_commands,
        serve_commands,
        identify_commands,
        agent_commands,
        verify_commands,
        audit_commands,
        operator_commands,
        worker_commands,
    ):
        for command in module.COMMANDS:
            main.add_command(command)


_register()
