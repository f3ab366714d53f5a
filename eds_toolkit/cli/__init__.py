"""The ``eds`` command line: one click group per area, options named the same everywhere.

Exit status: 0 done, 1 refused, 2 bad input (click's own usage errors are 2 as well).
"""

from __future__ import annotations

import importlib
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


class LazyGroup(click.Group):
    """A group whose commands are imported from their modules when one is run or listed with its help.

    ``eds ca ...`` loads the CA's code only: not OpenCV and numpy (``identify``), not the signature
    verifier (``verify``). Each module lists its commands in ``COMMANDS``."""

    def __init__(self, *args, lazy_commands: dict[str, str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.lazy_commands = lazy_commands  # command name -> the module that defines it

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy_commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in self.lazy_commands:
            module = importlib.import_module(self.lazy_commands[cmd_name])
            for command in module.COMMANDS:
                self.add_command(command)
        return super().get_command(ctx, cmd_name)


_COMMAND_MODULES = {
    "agent": "eds_toolkit.cli.agent_commands",
    "audit": "eds_toolkit.cli.audit_commands",
    "ca": "eds_toolkit.cli.ca_commands",
    "citizens": "eds_toolkit.cli.citizens_commands",
    "db": "eds_toolkit.cli.serve_commands",
    "identify": "eds_toolkit.cli.identify_commands",
    "keystore": "eds_toolkit.cli.keystore_commands",
    "operator": "eds_toolkit.cli.operator_commands",
    "registers": "eds_toolkit.cli.registers_commands",
    "serve": "eds_toolkit.cli.serve_commands",
    "verify": "eds_toolkit.cli.verify_commands",
    "verify-cert": "eds_toolkit.cli.verify_commands",
    "worker": "eds_toolkit.cli.worker_commands",
}


@click.group(cls=LazyGroup, lazy_commands=_COMMAND_MODULES)
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
