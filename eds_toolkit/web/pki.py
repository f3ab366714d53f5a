"""The CA's public files the certificates point to: /pki/root.cer, /pki/issuing.cer (DER)."""

from __future__ import annotations

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from flask import Blueprint, Response, abort, current_app

from eds_toolkit.bootstrap import ca_directory

pki = Blueprint("pki", __name__, url_prefix="/pki")


def _certificate_der(name: str) -> bytes:
    path = ca_directory(current_app.extensions["eds_settings"].home) / f"{name}.cer.pem"
    if not path.exists():
        abort(404)
    return x509.load_pem_x509_certificate(path.read_bytes()).public_bytes(serialization.Encoding.DER)


@pki.get("/root.cer")
def root_certificate() -> Response:
    return Response(
        _certificate_der("root"),
        mimetype="application/pkix-cert",
        headers={"Cache-Control": "public, max-age=3600"},
    )


@pki.get("/issuing.cer")
def issuing_certificate() -> Response:
    return Response(
        _certificate_der("issuing"),
        mimetype="application/pkix-cert",
        headers={"Cache-Control": "public, max-age=3600"},
    )
