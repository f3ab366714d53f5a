"""`eds agent` (and the packaged `eds-agent`): the citizen's local signing agent, its install and uninstall.

It lives in the agent's package, not in the service, so the agent can be packaged alone
(``python3 -m eds_agent``, ``scripts/build-agent-deb``); the ``eds`` command adds it as ``eds agent``.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import os
import sys
import threading
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import click

if TYPE_CHECKING:
    from eds_agent.server import AgentServer
    from eds_agent.windows import WindowConfirmer

NCALAYER_PORT = 13579


def _read_password_file(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    return text.splitlines()[0] if text else ""


def check_origin(value: str) -> str:
    """A browser's Origin: ``http(s)://host[:port]``; anything else could never match one.

    Raises ValueError saying what is wrong.
    """
    example = "https://portal.example.kz or http://127.0.0.1:5000"
    try:
        parts = urlsplit(value.strip())
        port = parts.port
    except ValueError:
        raise ValueError(
            f"{value!r} is not a web address; give the portal's origin, e.g. {example}."
        ) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(
            f"{value!r} is not an origin: it needs http:// or https:// and a host, e.g. {example}."
        )
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username or parts.password:
        raise ValueError(
            f"{value!r} is not an origin: give only scheme://host[:port], "
            f"without a path, e.g. {parts.scheme}://{parts.netloc}."
        )
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return f"{parts.scheme}://{host}" + (f":{port}" if port is not None else "")


def _origins(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> tuple[str, ...]:
    checked = []
    for value in values:
        try:
            checked.append(check_origin(value))
        except ValueError as error:
            raise click.BadParameter(str(error), ctx=ctx, param=param) from None
    return tuple(checked)


def _tsa_url(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    from eds_agent.timestamping import check_tsa_url

    if not value:
        return None
    try:
        return check_tsa_url(value)
    except ValueError as error:
        raise click.BadParameter(str(error)) from None


def listen_failure(port: int, error: OSError) -> str:
    """Why the agent cannot listen, and what to do when another program holds the port."""
    message = f"eds agent cannot listen on 127.0.0.1:{port}: {error.strerror or error}."
    if error.errno == errno.EADDRINUSE:
        holder = (
            "probably NCALayer, the national signing application, which listens on 13579"
            if port == NCALAYER_PORT
            else "another eds agent, or NCALayer if it was set to this port"
        )
        message += (
            f" Another program already uses this port ({holder}). Close it, or start eds agent on"
            " another port with --port N; the portal must then look for the agent there"
            " (its EDS_AGENT_URL setting, e.g. wss://127.0.0.1:N)."
        )
    return message


LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def default_home() -> Path:
    """``$EDS_HOME``, else ``$XDG_DATA_HOME/eds-toolkit``, else ``~/.local/share/eds-toolkit``."""
    if os.environ.get("EDS_HOME"):
        return Path(os.environ["EDS_HOME"])
    data = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data) / "eds-toolkit"


def agent_version() -> str:
    """The VERSION file scripts/build-agent-deb stamps into a package, else the distribution's version."""
    stamp = Path(__file__).with_name("VERSION")
    if stamp.is_file():
        return stamp.read_text(encoding="utf-8").strip()
    try:
        return package_version("eds-toolkit")
    except PackageNotFoundError:
        return "unknown"


def launcher() -> list[str]:
    """How this agent is started again at login: the packaged launcher, else this Python."""
    packaged = os.environ.get("EDS_AGENT_LAUNCHER")
    return [packaged] if packaged else [sys.executable, "-m", "eds_agent"]


def _home(ctx: click.Context) -> Path:
    home: Path = ctx.meta["eds_agent.home"]
    home.mkdir(parents=True, exist_ok=True, mode=0o700)
    return home


def _install(home: Path, origins: tuple[str, ...], autostart: bool) -> str:
    from eds_agent.agent import AgentConfig
    from eds_agent.tls import ensure_tls_certificate
    from eds_agent.trust import describe, install

    agent_dir = AgentConfig(home=home).agent_dir
    ensure_tls_certificate(agent_dir)
    command = [*launcher(), "--home", str(home), *(arg for o in origins for arg in ("--origin", o))]
    return describe(install(agent_dir, command if autostart else None))


@click.group("agent", invoke_without_command=True)
@click.option(
    "--home",
    type=click.Path(file_okay=False, path_type=Path),
    help="The agent's folder (its CA, TLS certificate, waiting keys). Default: eds's --home, "
    "$EDS_HOME or ~/.local/share/eds-toolkit.",
)
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
    envvar="EDS_AGENT_ORIGINS",
    callback=_origins,
    help="A portal origin allowed to connect, scheme://host[:port], e.g. https://portal.example.kz "
    "(repeatable; default: $EDS_AGENT_ORIGINS, space-separated).",
)
@click.option("--no-tls", is_flag=True, help="Plain ws:// instead of wss:// (tests only).")
@click.option("--yes", is_flag=True, help="Answer yes to every confirmation (tests and scripts).")
@click.option(
    "--terminal",
    is_flag=True,
    help="Ask in this terminal, in the windows' languages, instead of in windows (even with a display).",
)
@click.option(
    "--store",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder of the keystores. Default: ~/eds-keys.",
)
@click.option(
    "--answer-timeout",
    type=click.FloatRange(min=1),
    default=120,
    show_default=True,
    metavar="SECONDS",
    help="A question (window or terminal) not answered in time counts as cancelled.",
)
@click.option(
    "--password-file",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="File whose first line is the keystores' password (with --yes).",
)
@click.option(
    "--tsa-url",
    envvar="EDS_AGENT_TSA_URL",
    callback=_tsa_url,
    metavar="URL",
    help="The RFC 3161 time-stamp server for pages that ask for time-stamped signatures (tsaProfile), "
    "e.g. https://portal.example.kz/pki/tsp (default: $EDS_AGENT_TSA_URL; none: such requests are refused).",
)
@click.option(
    "--install-if-needed",
    is_flag=True,
    help="First start from the desktop (the packaged eds-agent does this): run `install` unless done.",
)
@click.version_option(agent_version())
@click.pass_context
def agent(
    ctx: click.Context,
    home: Path | None,
    port: int,
    origins: tuple[str, ...],
    no_tls: bool,
    yes: bool,
    terminal: bool,
    store: Path | None,
    answer_timeout: float,
    password_file: Path | None,
    tsa_url: str | None,
    install_if_needed: bool,
) -> None:
    """Run the local signing agent that portals reach at wss://127.0.0.1:PORT.

    `eds agent install` once makes the browsers trust it and starts it at login.
    """
    ctx.meta["eds_agent.home"] = home or getattr(ctx.obj, "home", None) or default_home()
    if ctx.invoked_subcommand is not None:
        return
    from eds_agent.agent import AgentConfig, build_server
    from eds_agent.confirmation import Confirmer, ScriptedConfirmer, TerminalConfirmer
    from eds_agent.trust import TrustError, is_installed

    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format=LOG_FORMAT)
    # websockets' per-connection INFO lines would interleave with the citizen's questions;
    # the agent logs what matters itself (refused origins, dropped connections).
    logging.getLogger("websockets").setLevel(logging.WARNING)
    if password_file and not yes:
        raise click.UsageError("--password-file is for scripts: use it together with --yes.")
    config = AgentConfig(
        home=_home(ctx), port=port, origins=origins, tls=not no_tls, store=store, tsa_url=tsa_url
    )
    if install_if_needed and not no_tls and not is_installed(config.agent_dir):
        try:
            click.echo(_install(config.home, (), autostart=True), err=True)
        except TrustError as error:
            click.echo(f"warning: browsers will warn about the agent's certificate: {error}", err=True)
    windows: WindowConfirmer | None = None
    if yes:
        password = _read_password_file(password_file) if password_file else None
        confirmer: Confirmer = ScriptedConfirmer(yes=True, password=password)
    else:
        windows = None if terminal else _open_windows(answer_timeout)
        confirmer = windows or TerminalConfirmer(timeout=answer_timeout)
        if windows is None and not sys.stdin.isatty():
            click.echo(
                "warning: not run in a terminal; every confirmation will be declined "
                "(use --yes --password-file FILE for scripts).",
                err=True,
            )
    server, cert_path, created = build_server(config, confirmer)
    scheme = "ws" if no_tls else "wss"

    def ready(bound_port: int) -> None:
        if cert_path is not None and created and not is_installed(config.agent_dir):
            click.echo(
                "Browsers do not trust the agent's certificate yet: run `eds agent install` once "
                "(it needs certutil, Debian: libnss3-tools).",
                err=True,
            )
        known = [*origins, *server.portals.saved()]
        allowed = ", ".join(known) if known else "none yet"
        others = "others are asked about" if confirmer.asks_about_portals else "no other site"
        address = f"{scheme}://127.0.0.1:{bound_port}/"
        click.echo(f"eds agent listening on {address} ; allowed origins: {allowed} ({others})")
        if cert_path is not None:
            click.echo(f"TLS certificate: {cert_path}")
        sys.stdout.flush()

    try:
        if windows is None:
            asyncio.run(server.run(ready))
        else:
            _serve_with_windows(server, ready, windows)
    except KeyboardInterrupt:
        click.echo("eds agent stopped.", err=True)
    except OSError as error:
        click.echo(listen_failure(port, error), err=True)
        sys.exit(1)


@agent.command("install")
@click.option(
    "--origin",
    "origins",
    multiple=True,
    metavar="URL",
    callback=_origins,
    help="Portal origins the agent started at login allows (repeatable).",
)
@click.option("--no-autostart", is_flag=True, help="Only the trust step; do not start the agent at login.")
@click.pass_context
def install_command(ctx: click.Context, origins: tuple[str, ...], no_autostart: bool) -> None:
    """Make this user's browsers trust the agent (its local CA, for localhost only) and start it at login."""
    from eds_agent.trust import TrustError

    try:
        click.echo(_install(_home(ctx), origins, autostart=not no_autostart))
    except TrustError as error:
        click.echo(str(error), err=True)
        sys.exit(1)


@agent.command("uninstall")
@click.pass_context
def uninstall_command(ctx: click.Context) -> None:
    """Remove what `install` added: the agent's CA from the browsers (by nickname), the autostart entry."""
    from eds_agent.agent import AgentConfig
    from eds_agent.trust import TrustError, describe, uninstall

    try:
        click.echo(describe(uninstall(AgentConfig(home=_home(ctx)).agent_dir), removed=True))
    except TrustError as error:
        click.echo(str(error), err=True)
        sys.exit(1)


@agent.command("portals")
@click.option("--forget", metavar="URL", help="Take this site off the list: it will be asked about again.")
@click.pass_context
def portals_command(ctx: click.Context, forget: str | None) -> None:
    """The sites you allowed to use the agent (asked once per site; --origin sites are not listed)."""
    from eds_agent.agent import AgentConfig
    from eds_agent.portals import Portals

    portals = Portals((), AgentConfig(home=_home(ctx)).portals_file)
    if forget is not None:
        if not portals.forget(forget):
            click.echo(f"{forget} is not on the list of allowed sites.", err=True)
            sys.exit(1)
        click.echo(f"Forgot {forget}: the agent will ask about it again.")
        return
    saved = portals.saved()
    click.echo("\n".join(saved) if saved else "No site has been allowed yet.")


def _open_windows(answer_timeout: float) -> WindowConfirmer | None:
    """The desktop's windows when there is a display and Tk works there; None otherwise (said why)."""
    try:
        from eds_agent.windows import WindowConfirmer, display_available
    except ImportError as error:  # Python without Tk (Debian: python3-tk)
        click.echo(f"note: no windows ({error}); questions are asked in the terminal.", err=True)
        return None
    if not display_available():
        return None
    windows = WindowConfirmer(timeout=answer_timeout)
    try:
        windows.start()
    except Exception as error:  # tkinter.TclError: the display cannot be opened
        click.echo(f"note: no windows ({error}); questions are asked in the terminal.", err=True)
        return None
    return windows


def _serve_with_windows(server: AgentServer, ready: Callable[[int], Any], windows: WindowConfirmer) -> None:
    """Tk on this (main) thread, the server on another; either ending ends both."""
    failures: list[BaseException] = []

    def serve() -> None:
        try:
            asyncio.run(server.run(ready))
        except BaseException as error:  # re-raised on the main thread below
            failures.append(error)

    serving = threading.Thread(target=serve, name="eds-agent-server", daemon=True)
    serving.start()
    windows.run(keep_running=serving.is_alive)
    if failures:
        raise failures[0]
