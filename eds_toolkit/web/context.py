"""The one way a view reaches the service's objects: ``app.extensions["eds"]``, a :class:`Service`.

Views call :func:`settings`, :func:`flow_context` and :func:`identify_config`; tests reach the same
object with ``service(app)``.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, Response, current_app, request
from sqlalchemy import Engine

from eds_toolkit.core.context import ServiceContext
from eds_toolkit.flow.identification import IdentifyConfig
from eds_toolkit.jobs import CheckQueue
from eds_toolkit.settings import Settings

EXTENSION = "eds"


@dataclass
class Service:
    """One app's settings (identification included), the ServiceContext its steps run in, its database,
    and where its identification checks run (in-process, or jobs on Redis)."""

    settings: Settings
    flow: ServiceContext
    engine: Engine
    checks: CheckQueue


def service(app: Flask | None = None) -> Service:
    """The :class:`Service` of ``app`` (default: the app answering the current request)."""
    return (app or current_app).extensions[EXTENSION]


def settings() -> Settings:
    return service().settings


def flow_context() -> ServiceContext:
    return service().flow


def identify_config() -> IdentifyConfig:
    """The app's identification settings (``settings().identify``, resolved by ``create_app``)."""
    return service().settings.identify


def check_queue() -> CheckQueue:
    return service().checks


def client_address() -> str | None:
    return request.remote_addr


def pem_download(found) -> Response:
    """A ``PemFile`` (eds_toolkit.flow.certificate_files) as a download."""
    return Response(
        found.pem,
        mimetype="application/x-pem-file",
        headers={"Content-Disposition": f'attachment; filename="{found.filename}"'},
    )
