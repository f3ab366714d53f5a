"""`eds worker`: decides identification checks from the job queue (EDS_QUEUE_URL), docs/deploy.md."""

from __future__ import annotations

import click

from eds_toolkit.cli import pass_context


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop once the queue is empty (for scripts and tests).")
@pass_context
def worker(ctx, burst: bool) -> None:
    """Decide identification checks (selfie, video, ID photo) queued by the web service.

    Reads the same EDS_* settings as the service (EDS_QUEUE_URL, EDS_DATABASE_URL, EDS_SECRET_KEY...);
    the face models are loaded once, each job runs in a forked work-horse. Run one per core that
    identification may use; a job whose worker is killed runs again (docs/deploy.md).
    """
    from eds_toolkit.flow.identification import IdentifyConfig
    from eds_toolkit.jobs.worker import run_worker
    from eds_toolkit.services import build_service_context
    from eds_toolkit.settings import Settings, SettingsError

    try:
        settings = Settings.from_env(home=ctx.home)
    except SettingsError as error:
        click.echo(f"eds worker: {error}", err=True)
        raise SystemExit(2) from None
    if not settings.queue_url:
        click.echo("eds worker: set EDS_QUEUE_URL (the Redis the web service queues checks on).", err=True)
        raise SystemExit(2)
    from redis.exceptions import RedisError

    try:
        identify = settings.identify or IdentifyConfig()
        run_worker(build_service_context(settings), settings.queue_url, identify, burst=burst)
    except RedisError as error:
        click.echo(f"eds worker: the queue's Redis does not answer ({type(error).__name__}).", err=True)
        raise SystemExit(1) from None


COMMANDS: list[click.Command] = [worker]
