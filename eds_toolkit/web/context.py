"""Reaching the app's ServiceContext from a view, and the client address for audit events."""

from __future__ import annotations

from flask import Response, current_app, request

from eds_toolkit.core.context import ServiceContext


def flow_context() -> ServiceContext:
    return current_app.extensions["eds_flow"]


def client_address() -> str | None:
    return request.remote_addr


def pem_download(found) -> Response:
    """A ``PemFile`` (eds_toolkit.flow.certificate_files) as a download."""
    return Response(
        found.pem,
        mimetype="application/x-pem-file",
        headers={"Content-Disposition": f'attachment; filename="{found.filename}"'},
    )
