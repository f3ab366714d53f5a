"""Requests answered by one web process (a gunicorn master and all its workers): counts by status and a
latency histogram, in prometheus_client's multiprocess mode.

Only with ``PROMETHEUS_MULTIPROC_DIR`` set (the shipped ``eds-web@.service`` sets it to an empty
directory of its own at each start): each worker writes its counts to files there and the scrape sums
the files of every worker, the ones that have exited included, so any worker answers the same total.
Without it nothing is recorded: counts kept in one worker's memory would each tell a different story.
Labels name the Flask endpoint (``api.start``), never the path, which carries enrolment ids.
"""

from __future__ import annotations

import os
import time

from flask import Flask, g, request
from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.multiprocess import MultiProcessCollector

MULTIPROC_DIR = "PROMETHEUS_MULTIPROC_DIR"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# seconds: a page or API step answers in tens of ms, key building and identification take seconds
BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


def multiprocess_dir() -> str | None:
    """The directory of the multiprocess files, or None when process metrics are off."""
    return os.environ.get(MULTIPROC_DIR) or None


class RequestMetrics:
    """The counters one worker writes to its file in the multiprocess directory."""

    def __init__(self) -> None:
        # registry=None: never in prometheus_client's global registry; the scrape reads the files
        self.requests = Counter(
            "eds_http_requests",
            "Requests answered by this web process's workers, by endpoint, method and status.",
            ["endpoint", "method", "status"],
            registry=None,
        )
        self.latency = Histogram(
            "eds_http_request_duration_seconds",
            "Time from a request's arrival in the app to its answer, by endpoint.",
            ["endpoint"],
            buckets=BUCKETS,
            registry=None,
        )

    def install(self, app: Flask) -> None:
        app.before_request(_start_clock)
        app.after_request(self._observe)

    def _observe(self, response):
        started = g.pop("metrics_started", None)
        endpoint = request.endpoint or "none"  # none: no route matched (404)
        method = request.method if request.method in METHODS else "other"
        self.requests.labels(endpoint, method, str(response.status_code)).inc()
        if started is not None:
            self.latency.labels(endpoint).observe(time.perf_counter() - started)
        return response


_metrics: RequestMetrics | None = None


def install_request_metrics(app: Flask) -> bool:
    """Count ``app``'s requests when multiprocess mode is on (True); else do nothing (False)."""
    global _metrics
    directory = multiprocess_dir()
    if directory is None:
        return False
    os.makedirs(directory, exist_ok=True)
    if _metrics is None:  # one set per process: a metric's name may be created once
        _metrics = RequestMetrics()
    _metrics.install(app)
    return True


def _start_clock() -> None:
    g.metrics_started = time.perf_counter()


def process_registry() -> CollectorRegistry:
    """A registry reading every worker's files (made per scrape, as prometheus_client advises)."""
    registry = CollectorRegistry()
    MultiProcessCollector(registry)
    return registry
