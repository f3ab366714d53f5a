"""The operators' Prometheus endpoints, never public: without ``EDS_METRICS_TOKEN`` they do not exist
(404, as any unknown address); with it a scrape must send ``Authorization: Bearer <token>`` (else 401).

- ``/metrics``: the service's business, read from the database on each scrape (``metrics.service``): the
  same from every process, so scrape it through the balancer (or any one process).
- ``/metrics/process``: the requests of the web process that answers (all its workers), with
  ``PROMETHEUS_MULTIPROC_DIR`` only (404 otherwise); scrape each web process directly.
"""

from __future__ import annotations

import hmac

from flask import Blueprint, Flask, Response, abort, current_app, request
from prometheus_client import CollectorRegistry
from prometheus_client.exposition import choose_encoder

from eds_toolkit.bootstrap import ca_directory
from eds_toolkit.metrics.process import install_request_metrics, multiprocess_dir, process_registry
from eds_toolkit.metrics.service import ServiceCollector
from eds_toolkit.web.context import service, settings

bp = Blueprint("metrics", __name__)
REGISTRY = "eds_metrics"


def init_metrics(app: Flask) -> None:
    """The app's service collector (its audit tally lives as long as the app) and, in multiprocess mode,
    its request counts."""
    svc = service(app)
    registry = CollectorRegistry(auto_describe=False)
    registry.register(ServiceCollector(svc.flow, svc.engine, ca_directory(svc.settings.home), svc.checks))
    app.extensions[REGISTRY] = registry
    install_request_metrics(app)


def _require_token() -> None:
    token = settings().metrics_token
    if not token:
        abort(404)
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), token.encode()):
        abort(
            Response(
                "A bearer token is required (EDS_METRICS_TOKEN).\n",
                status=401,
                mimetype="text/plain",
                headers={"WWW-Authenticate": 'Bearer realm="eds-metrics"'},
            )
        )


def _exposition(registry: CollectorRegistry) -> Response:
    encoder, content_type = choose_encoder(request.headers.get("Accept", ""))
    return Response(encoder(registry), headers={"Content-Type": content_type, "Cache-Control": "no-store"})


@bp.get("/metrics")
def service_metrics() -> Response:
    _require_token()
    return _exposition(current_app.extensions[REGISTRY])


@bp.get("/metrics/process")
def process_metrics() -> Response:
    _require_token()
    if multiprocess_dir() is None:
        abort(404)
    return _exposition(process_registry())
