"""Sending SMS after the answer: a few worker threads, in order for each destination number.

A step commits its code, hands the send to the dispatcher and answers at once, so its answer takes as
long whether or not an SMS is sent and however slow the provider is. Jobs for one number run one after
another in the order they were submitted (a resend's code never arrives before the code it replaced);
jobs for different numbers run side by side on up to ``workers`` threads.
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from eds_toolkit.sms.gateway import mask_phone

log = logging.getLogger(__name__)

_dispatchers: weakref.WeakSet[SmsDispatcher] = weakref.WeakSet()


class SmsDispatcher:
    """Runs send jobs in the background; ``wait_for_deliveries`` blocks until all are done."""

    def __init__(self, workers: int = 4) -> None:
        self._workers = workers
        self._executor: ThreadPoolExecutor | None = None
        self._changed = threading.Condition()
        self._pending = 0
        self._queues: dict[str, deque[Callable[[], None]]] = {}
        _dispatchers.add(self)

    def submit(self, phone: str, job: Callable[[], None]) -> None:
        """Run ``job`` (which sends to ``phone``) after the jobs already submitted for that number."""
        with self._changed:
            self._pending += 1
            queue = self._queues.get(phone)
            if queue is not None:  # a job for this number is running: this one runs after it
                queue.append(job)
                return
            self._queues[phone] = deque()
            if self._executor is None:  # threads only once something is sent
                self._executor = ThreadPoolExecutor(self._workers, thread_name_prefix="sms")
            executor = self._executor
        executor.submit(self._run, phone, job)

    def _run(self, phone: str, job: Callable[[], None]) -> None:
        """Run ``job``, then the jobs queued behind it for ``phone``."""
        while True:
            try:
                job()
            except Exception:  # a job undoes its own failed send; anything else must not kill the worker
                log.exception("sending an SMS to %s failed unexpectedly", mask_phone(phone))
            with self._changed:
                self._pending -= 1
                self._changed.notify_all()
                queue = self._queues[phone]
                if not queue:
                    del self._queues[phone]
                    return
                job = queue.popleft()

    def wait_for_deliveries(self, timeout: float | None = 60.0) -> bool:
        """Block until every submitted job has run (True), or ``timeout`` seconds passed (False)."""
        with self._changed:
            return self._changed.wait_for(lambda: self._pending == 0, timeout)


def wait_for_all_deliveries(timeout: float = 60.0) -> bool:
    """Wait for every dispatcher in this process (tests and demos reading the outbox after a step)."""
    return all(dispatcher.wait_for_deliveries(timeout) for dispatcher in list(_dispatchers))
