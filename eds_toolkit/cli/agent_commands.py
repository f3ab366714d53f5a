"""`eds agent`: the citizen's local signing agent (NCALayer's protocol on 127.0.0.1)."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import click

from eds_toolkit.cli import Context, pass_context


def _read_password_file(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    return text.splitlines()[0] if text else ""


@click.command("agent")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=13579,
    show_default=True,
    help="Port on 127.0.0.1 (0 picks a free one and prints it).",
)
@click.option(
    "--origin",
    "origins",
    multiple=True,
    metavar="URL",
    help="A portal origin allowed to connect, e.g. https://portal.example.kz (repeatable).",
)
@click.option("--no-tls", is_flag=True, help="Plain ws:// instead of wss:// (tests only).")
@click.option("--yes", is_flag=True, help="Answer yes to every confirmation (tests and scripts).")
@click.option(
    "--store",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder of the keystores. Default: ~/eds-keys.",
)
@click.option(
    "--password-file",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="File whose first line is the keystores' password (with --yes).",
)
@pass_context
def agent(
    ctx: Context,
    port: int,
    origins: tuple[str, ...],
    no_tls: bool,
    yes: bool,
    store: Path | None,
    password_file: Path | None,
) -> None:
    """Run the local signing agent that portals reach at wss://127.0.0.1:PORT."""
    from eds_toolkit.agent.agent import AgentConfig, build_server
    from eds_toolkit.agent.confirmation import ScriptedConfirmer, TerminalConfirmer
    from eds_toolkit.agent.tls import trust_instructions
    from eds_toolkit.logs import configure_logging

    configure_logging()
    if password_file and not yes:
        raise click.UsageError("--password-file is for scripts: use it together with --yes.")
    if yes:
        password = _read_password_file(password_file) if password_file else None
        confirmer = ScriptedConfirmer(yes=True, password=password)
    else:
        confirmer = TerminalConfirmer()
        if not sys.stdin.isatty():
            click.echo(
                "warning: not run in a terminal; every confirmation will be declined "
                "(use --yes --password-file FILE for scripts).",
                err=True,
            )
    config = AgentConfig(home=ctx.home, port=port, origins=origins, tls=not no_tls, store=store)
    server, cert_path, created = build_server(config, confirmer)
    scheme = "ws" if no_tls else "wss"

    def ready(bound_port: int) -> None:
        if cert_path is not None and created:
            click.echo(trust_instructions(cert_path, bound_port), err=True)
        allowed = ", ".join(origins) if origins else "none (only local programs without an Origin)"
        click.echo(f"eds agent listening on {scheme}://127.0.0.1:{bound_port}/ ; allowed origins: {allowed}")
        if cert_path is not None:
            click.echo(f"TLS certificate: {cert_path}")
        sys.stdout.flush()

    try:
        asyncio.run(server.run(ready))
    except KeyboardInterrupt:
        click.echo("eds agent stopped.", err=True)
    except OSError as error:
        click.echo(f"eds agent cannot listen on 127.0.0.1:{port}: {error.strerror or error}", err=True)
        sys.exit(1)


COMMANDS: list[click.Command] = [agent]
