"""Where identification checks run: one interface, two back-ends.

- :class:`InlineChecks` (the embedded default, no Redis): the request runs the check itself, as before;
  an asynchronous request runs it on a small thread pool of this process.
- :class:`RedisChecks` (``EDS_QUEUE_URL=redis://...``): the check is an RQ job decided by an
  ``eds worker`` process; the request waits for it up to a bound, or answers at once with the job.

Either way a queue that cannot take or decide the job within the bound is :class:`QueueUnavailable`
(503 ``queue_unavailable`` with ``Retry-After``), never a hang.
"""

from __future__ import annotations

import concurrent.futures
import re
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from typing import Protocol

from eds_toolkit.core.context import ServiceContext
from eds_toolkit.core.refusals import ServiceUnavailable
from eds_toolkit.jobs.checks import CheckJob, CheckResult, run_check

QUEUE_NAME = "eds-identification"
RETRY_AFTER = 10  # seconds, told with a 503 queue_unavailable: a Redis restart or a worker start takes that
RETRIES = 2  # runs after a killed one (work-horse or whole worker killed mid-check)
JOB_TIMEOUT = 300  # seconds one run may take (180 video frames take well under a minute on one core)
RESULT_TTL = 600  # seconds a decided job (and the uploaded pictures it carries) stays readable
JOB_ID = re.compile(r"[0-9a-f]{32}\Z")


class QueueUnavailable(ServiceUnavailable):
    """The check could not be handed to a worker, or no worker decided it in time; nothing was decided
    unless the job had already started (its decision is then answered to the same request sent again)."""

    code = "queue_unavailable"
    retry_after = RETRY_AFTER


QUEUE_DOWN_MESSAGE = "The check cannot be done just now: please send it again in a few seconds."


@dataclass(frozen=True)
class JobState:
    """A job as its owner sees it: still pending, or its result (None with ``failed``: it could not run)."""

    job_id: str
    check: str
    result: CheckResult | None = None
    failed: bool = False

    @property
    def pending(self) -> bool:
        return self.result is None and not self.failed


class CheckQueue(Protocol):
    """Runs identification checks; every method raises :class:`QueueUnavailable` when it cannot."""

    def decide(self, job: CheckJob, wait: float) -> CheckResult:
        """Run ``job`` and return its result within ``wait`` seconds."""
        ...

    def submit(self, job: CheckJob) -> str:
        """Hand ``job`` over and return its id at once."""
        ...

    def state(self, job_id: str, enrolment_id: str) -> JobState | None:
        """The job ``job_id`` of ``enrolment_id``; None when there is none (or it is another's)."""
        ...


class InlineChecks:
    """No queue: the request decides its check itself; asynchronous checks run on a thread pool and their
    results are kept in this process (the embedded `eds serve` is one process)."""

    def __init__(self, ctx: ServiceContext, threads: int = 2, keep: int = 1000) -> None:
        self.ctx = ctx
        self._pool = concurrent.futures.ThreadPoolExecutor(threads, thread_name_prefix="eds-check")
        self._jobs: OrderedDict[str, tuple[CheckJob, concurrent.futures.Future]] = OrderedDict()
        self._keep = keep

    def decide(self, job: CheckJob, wait: float) -> CheckResult:
        return run_check(self.ctx, job)

    def submit(self, job: CheckJob) -> str:
        job_id = uuid.uuid4().hex
        self._jobs[job_id] = (job, self._pool.submit(run_check, self.ctx, job))
        while len(self._jobs) > self._keep:
            self._jobs.popitem(last=False)
        return job_id

    def state(self, job_id: str, enrolment_id: str) -> JobState | None:
        found = self._jobs.get(job_id)
        if found is None or found[0].enrolment_id != enrolment_id:
            return None
        job, future = found
        if not future.done():
            return JobState(job_id, job.check)
        error = future.exception()
        return JobState(job_id, job.check, None if error else future.result(), failed=error is not None)


class RedisChecks:
    """RQ jobs on Redis, decided by ``eds worker`` processes (eds_toolkit.jobs.worker). A job killed with
    its work-horse or its whole worker runs again (``RETRIES``); the step answers that run with the
    decision already made, if any. Redis down, or back: each call tries it again (no restart needed)."""

    def __init__(self, url: str, poll: float = 0.05) -> None:
        from redis import Redis
        from rq import Queue

        self.connection = Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)
        self.queue = Queue(QUEUE_NAME, connection=self.connection)
        self.poll = poll

    def decide(self, job: CheckJob, wait: float) -> CheckResult:
        job_id = self.submit(job)
        deadline = time.monotonic() + wait
        while True:
            state = self._guarded(self._state, job_id)
            if state is not None and not state.pending:
                self._guarded(self._forget, job_id)  # the pictures leave Redis once the answer is read
                if state.failed or state.result is None:
                    raise QueueUnavailable(QUEUE_DOWN_MESSAGE, retry_after=RETRY_AFTER)
                return state.result
            if time.monotonic() >= deadline:
                self._guarded(self._give_up, job_id)
                raise QueueUnavailable(QUEUE_DOWN_MESSAGE, retry_after=RETRY_AFTER)
            time.sleep(self.poll)

    def submit(self, job: CheckJob) -> str:
        return self._guarded(self._enqueue, job)

    def state(self, job_id: str, enrolment_id: str) -> JobState | None:
        if not JOB_ID.match(job_id):
            return None
        return self._guarded(self._state, job_id, enrolment_id)

    def depths(self) -> dict[str, int]:
        """How many jobs are ``queued``, ``started`` (a worker runs them) and ``failed`` (kept RESULT_TTL),
        read without changing anything (no registry clean-up)."""
        return self._guarded(self._depths)

    def _depths(self) -> dict[str, int]:
        return {
            "queued": self.queue.count,
            "started": self.queue.started_job_registry.get_job_count(cleanup=False),
            "failed": self.queue.failed_job_registry.get_job_count(cleanup=False),
        }

    def _enqueue(self, job: CheckJob) -> str:
        from rq import Retry

        # no "is there a worker?" check first: a Redis restarted empty forgets its workers' registrations
        # while they work on; a job nobody takes is withdrawn when the bound passes (_give_up)
        queued = self.queue.enqueue(
            "eds_toolkit.jobs.worker.perform",
            job,
            job_id=uuid.uuid4().hex,
            retry=Retry(max=RETRIES),
            job_timeout=JOB_TIMEOUT,
            result_ttl=RESULT_TTL,
            failure_ttl=RESULT_TTL,
            ttl=RESULT_TTL,
            meta={"enrolment": job.enrolment_id, "check": job.check},
            description=f"identification {job.check}",  # never the arguments (pictures) in rq's listings
        )
        return queued.id

    def _fetch(self, job_id: str):
        from rq.exceptions import NoSuchJobError
        from rq.job import Job

        try:
            return Job.fetch(job_id, connection=self.connection)
        except NoSuchJobError:
            return None

    def _state(self, job_id: str, enrolment_id: str | None = None) -> JobState | None:
        """The job's status and meta only (its pictures stay in Redis while it is pending); the result
        once it is finished. ``enrolment_id``: None when it is not another enrolment's."""
        from rq.job import Job, JobStatus
        from rq.serializers import DefaultSerializer

        status, meta = self.connection.hmget(Job.key_for(job_id), ["status", "meta"])
        if status is None:
            return None
        about = DefaultSerializer.loads(meta) if meta else {}
        if enrolment_id is not None and about.get("enrolment") != enrolment_id:
            return None
        check = about.get("check", "")
        status = status.decode()
        if status == JobStatus.FINISHED:
            found = self._fetch(job_id)
            return JobState(job_id, check, found.return_value()) if found is not None else None
        if status in (JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED):
            return JobState(job_id, check, failed=True)
        return JobState(job_id, check)

    def _forget(self, job_id: str) -> None:
        found = self._fetch(job_id)
        if found is not None:
            found.delete()

    def _give_up(self, job_id: str) -> None:
        """The bound passed: a job no worker ever took is withdrawn (nothing will be decided); a started
        one, or one queued again after a killed run (which may have spent the video's nonce), is left to
        finish: its decision is recorded (a video sent again is answered with it)."""
        from rq.job import JobStatus

        found = self._fetch(job_id)
        never_ran = found is not None and found.retries_left == RETRIES
        if never_ran and found.get_status() in (JobStatus.QUEUED, JobStatus.SCHEDULED):
            found.cancel()
            found.delete()

    @staticmethod
    def _guarded(call, *args):
        from redis.exceptions import RedisError

        try:
            return call(*args)
        except RedisError as error:
            raise QueueUnavailable(QUEUE_DOWN_MESSAGE, retry_after=RETRY_AFTER) from error


def make_check_queue(url: str | None, ctx: ServiceContext) -> CheckQueue:
    """``RedisChecks`` on ``url`` (``EDS_QUEUE_URL``), else ``InlineChecks`` in this process."""
    return RedisChecks(url) if url else InlineChecks(ctx)
