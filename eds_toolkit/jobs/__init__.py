"""Identification checks as jobs: ``checks`` (what a job carries and decides, with the same step
functions), ``queues`` (one interface; in-process by default, RQ on Redis with ``EDS_QUEUE_URL``) and
``worker`` (``eds worker``: the RQ worker and the job function). See docs/deploy.md."""

from eds_toolkit.jobs.checks import CheckJob, CheckResult, run_check
from eds_toolkit.jobs.queues import (
    CheckQueue,
    InlineChecks,
    JobState,
    QueueUnavailable,
    RedisChecks,
    make_check_queue,
)

__all__ = [
    "CheckJob",
    "CheckQueue",
    "CheckResult",
    "InlineChecks",
    "JobState",
    "QueueUnavailable",
    "RedisChecks",
    "make_check_queue",
    "run_check",
]
