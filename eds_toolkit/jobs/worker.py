"""The worker side of :class:`~eds_toolkit.jobs.queues.RedisChecks`: ``eds worker`` runs an RQ worker
whose process holds the service's context and the face models, loaded once; each job runs in a forked
work-horse that inherits them. The job function :func:`perform` runs the same step as a request would.

A killed work-horse: RQ fails the job and, with retries left, queues it again at once. A killed worker
(work-horse and all): RQ would only see it once the job's heartbeat expired (a minute and more), so a
worker starting on the same machine queues again the jobs that dead workers of this machine had started
(:func:`requeue_abandoned`); on other machines RQ's own clean-up does it after the heartbeat.
"""

from __future__ import annotations

import gc
import logging
import os
import socket
import uuid

from eds_toolkit.core.context import ServiceContext
from eds_toolkit.flow.identification import IdentifyConfig
from eds_toolkit.jobs.checks import CheckJob, CheckResult, run_check
from eds_toolkit.jobs.queues import QUEUE_NAME, RETRIES

log = logging.getLogger("eds_toolkit.jobs")

_context: ServiceContext | None = None


def install(ctx: ServiceContext) -> None:
    """The context every job of this process (and its work-horses) runs in."""
    global _context
    _context = ctx


def _service_context() -> ServiceContext:
    if _context is None:  # a worker started without `eds worker` (plain `rq worker`): from EDS_* once
        from eds_toolkit.services import build_service_context
        from eds_toolkit.settings import Settings

        install(build_service_context(Settings.from_env()))
    assert _context is not None
    return _context


def perform(job: CheckJob) -> CheckResult:
    """The RQ job: decide ``job``. A run after a killed one (RQ counts it down from its retries; the job's
    meta is no witness, the worker saves its own copy over it when it queues the job again) is
    ``resumed``: the decision its job already made, if any, is answered again; nothing counts twice."""
    from rq import get_current_job

    current = get_current_job()
    if current is None:  # called directly, not by a worker
        return run_check(_service_context(), job)
    resumed = current.retries_left is not None and current.retries_left < RETRIES
    current.meta.update(pid=os.getpid())  # a worker starting here can tell when this run is dead
    current.save_meta()
    if resumed:
        log.warning("Identification job %s runs again after a killed run.", current.id)
    return run_check(_service_context(), job, job_id=current.id, resumed=resumed)


def load_face_models(config: IdentifyConfig) -> None:
    """Load dlib's models, the face-match engine of ``config`` and the libraries the checks import late,
    in the worker before it forks, so that no work-horse pays for them (measured: 1.3 + 0.5 + 1.0
    CPU-seconds); then freeze them out of the garbage collector, so the horses do not copy their pages."""
    import face_recognition  # noqa: F401 - webcam_flow.locating imports it on first use

    import webcam_flow.liveness  # noqa: F401
    import webcam_flow.match  # noqa: F401
    from webcam_flow.faces import _models

    _models()
    _ = config.engine
    gc.collect()
    gc.freeze()


def worker_name() -> str:
    """``<host>.<pid>.<random>``: another worker on this host can tell when this one is dead."""
    return f"{socket.gethostname()}.{os.getpid()}.{uuid.uuid4().hex[:8]}"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _dead_here(name: str | None, horse_pid: object) -> bool:
    """True when ``name`` is a worker of this host whose process and work-horse are both gone."""
    parts = (name or "").rsplit(".", 2)  # a host name may hold dots itself
    if len(parts) != 3 or parts[0] != socket.gethostname() or not parts[1].isdigit():
        return False
    pid = parts[1]
    horse = int(horse_pid) if isinstance(horse_pid, int | str) and str(horse_pid).isdigit() else None
    return not _alive(int(pid)) and (horse is None or not _alive(horse))


def requeue_abandoned(connection) -> list[str]:
    """Queue again the started jobs whose worker on this host is dead (both its process and work-horse),
    as RQ's clean-up would after their heartbeat expired; returns their ids."""
    from rq import Queue
    from rq.job import Job, JobStatus
    from rq.registry import StartedJobRegistry

    queue = Queue(QUEUE_NAME, connection=connection)
    registry = StartedJobRegistry(queue=queue)
    requeued = []
    for job_id in registry.get_job_ids(cleanup=False):
        job = Job.fetch(job_id, connection=connection) if Job.exists(job_id, connection) else None
        if job is None or job.get_status() != JobStatus.STARTED:
            continue
        if not _dead_here(job.worker_name, job.meta.get("pid")):
            continue
        with connection.pipeline() as pipeline:
            registry.remove_executions(job, pipeline=pipeline)
            if job.retries_left:
                job.retry(queue, pipeline)
            else:
                job.set_status(JobStatus.FAILED, pipeline=pipeline)
            pipeline.execute()
        log.warning("Identification job %s of a killed worker queued again.", job.id)
        requeued.append(job.id)
    return requeued


def run_worker(ctx: ServiceContext, url: str, config: IdentifyConfig, *, burst: bool = False) -> None:
    """Work on the identification queue at ``url`` until stopped (``burst``: until it is empty); ``config``:
    the identification settings whose face-match engine is loaded ahead (jobs carry the web's own)."""
    from redis import Redis
    from rq import Queue, Worker

    install(ctx)
    load_face_models(config)
    connection = Redis.from_url(url)
    requeue_abandoned(connection)
    worker = Worker(
        [Queue(QUEUE_NAME, connection=connection)],
        connection=connection,
        name=worker_name(),
        worker_ttl=30,  # a dead worker's registration goes within half a minute
        job_monitoring_interval=5,
        maintenance_interval=60,  # RQ's clean-up of abandoned jobs of workers on other hosts
    )
    worker.work(burst=burst, with_scheduler=False, logging_level="INFO")
