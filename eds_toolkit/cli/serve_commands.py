"""`eds serve` (the web service on one machine), `eds db upgrade` (schema migrations) and `eds db purge`."""

from __future__ import annotations

import os

import click

from eds_toolkit.cli import pass_context


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, type=int, help="Port to listen on.")
@click.option(
    "--threads", default=8, show_default=True, type=click.IntRange(1, 64), help="Requests served at once."
)
@pass_context
def serve(ctx, host: str, port: int, threads: int) -> None:
    """Run the citizen web service on the embedded defaults.

    SQLite in the instance directory, a TEST CA created on first start, the console SMS gateway
    (EDS_SMS_GATEWAY to change it), the demo citizens and the demo registers of the registration
    service, served by waitress in one process.
    For several processes behind a proxy use gunicorn with `eds_toolkit.wsgi:app`.
    """
    import waitress

    from eds_toolkit.settings import Settings, SettingsError
    from eds_toolkit.web import create_app
    from eds_toolkit.web.app import start_background_work
    from eds_toolkit.web.context import service
    from eds_toolkit.web.identify_uploads import largest_body

    env = dict(os.environ)
    env.setdefault("EDS_CREATE_TEST_CA", "1")
    env.setdefault("EDS_LOAD_DEMO_CITIZENS", "1")
    env.setdefault("EDS_LOAD_DEMO_REGISTERS", "1")
    env.setdefault("EDS_BASE_URL", f"http://{host}:{port}")
    if env["EDS_BASE_URL"].startswith("http://"):
        env.setdefault("EDS_SECURE_COOKIES", "0")  # plain HTTP on one machine: browsers drop Secure cookies
    try:
        settings = Settings.from_env(env, home=ctx.home)
        app = create_app(settings)  # SettingsError too when the configured Redis does not answer
    except SettingsError as error:
        click.echo(f"eds serve: {error}", err=True)
        raise SystemExit(2) from None
    start_background_work(app)
    click.echo(f"eds serve: http://{host}:{port}/ (instance {settings.home})", err=True)
    waitress.serve(
        app,
        host=host,
        port=port,
        threads=threads,
        ident="eds-toolkit",
        # waitress refuses (413) at the headers a body the app would refuse anyway, before reading it;
        # it refuses a Content-Length equal to its limit, the app only one above its own
        max_request_body_size=largest_body(service(app).settings) + 1,
    )


@click.group("db")
def db() -> None:
    """The database schema."""


@db.command("upgrade")
@pass_context
def upgrade(ctx) -> None:
    """Apply the migrations (service and CA tables) to $EDS_DATABASE_URL or the instance's SQLite file."""
    from eds_toolkit.db import make_engine
    from eds_toolkit.home import database_url
    from eds_toolkit.migrations import current
    from eds_toolkit.migrations import upgrade as run_upgrade

    engine = make_engine(database_url(ctx.home))
    run_upgrade(engine)
    click.echo(f"database at revision {current(engine)}")


@db.command("purge")
@click.option(
    "--older-than",
    "days",
    default=30,
    show_default=True,
    type=click.IntRange(min=0),
    metavar="DAYS",
    help="Keep everything newer than this many days.",
)
@pass_context
def purge(ctx, days: int) -> None:
    """Delete expired data: SMS code rows and transient data of failed/expired enrolments, finished
    liveness tasks, ended cabinet sessions. Audit events and issued certificates are kept."""
    import datetime as dt

    from sqlalchemy.exc import SQLAlchemyError

    from eds_toolkit.db import make_engine
    from eds_toolkit.home import database_url
    from eds_toolkit.retention import purge as run_purge

    engine = make_engine(database_url(ctx.home))
    try:
        counts = run_purge(engine, older_than=dt.timedelta(days=days))
    except SQLAlchemyError as error:
        click.echo(
            f"Error: the database could not be purged ({type(error).__name__}); nothing was deleted. "
            "If the tables are missing, run `eds db upgrade` first.",
            err=True,
        )
        raise SystemExit(1) from None
    click.echo(f"purged data older than {days} days:")
    for line in counts.lines():
        click.echo(f"  {line}")


COMMANDS: list[click.Command] = [serve, db]
