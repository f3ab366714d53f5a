"""The CA's public endpoints the certificates point to: /pki/root.cer, /pki/issuing.cer (DER),
/pki/crl (DER CRL, built from the store) and /pki/ocsp (RFC 6960, POST or GET)."""

from __future__ import annotations

import base64
import binascii

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from flask import Blueprint, Response, abort, request

from eds_toolkit.bootstrap import ca_directory
from eds_toolkit.web.context import flow_context, settings
from eds_toolkit.web.extensions import csrf

bp = Blueprint("pki", __name__, url_prefix="/pki")
csrf.exempt(bp)  # OCSP requests are public and change nothing

MAX_OCSP_REQUEST = 4096


def _certificate_der(name: str) -> bytes:
    path = ca_directory(settings().home) / f"{name}.cer.pem"
    if not path.exists():
        abort(404)
    return x509.load_pem_x509_certificate(path.read_bytes()).public_bytes(serialization.Encoding.DER)


def _public(data: bytes, mimetype: str, max_age: int = 3600) -> Response:
    return Response(data, mimetype=mimetype, headers={"Cache-Control": f"public, max-age={max_age}"})


@bp.get("/root.cer")
def root_certificate() -> Response:
    return _public(_certificate_der("root"), "application/pkix-cert")


@bp.get("/issuing.cer")
def issuing_certificate() -> Response:
    return _public(_certificate_der("issuing"), "application/pkix-cert")


@bp.get("/crl")
def crl() -> Response:
    from ca.crl import build_crl

    authority = flow_context().ca()
    return _public(build_crl(authority).public_bytes(serialization.Encoding.DER), "application/pkix-crl", 300)


def _ocsp_answer(request_der: bytes) -> Response:
    from ca.ocsp import respond

    authority = flow_context().ca()
    return Response(
        respond(request_der, authority),
        mimetype="application/ocsp-response",
        headers={"Cache-Control": "no-cache"},
    )


@bp.post("/ocsp")
def ocsp_post() -> Response:
    data = request.get_data(cache=False)
    if len(data) > MAX_OCSP_REQUEST:
        abort(413)
    return _ocsp_answer(data)


@bp.get("/ocsp/<path:encoded>")
def ocsp_get(encoded: str) -> Response:
    try:
        data = base64.b64decode(encoded, validate=False)
    except (binascii.Error, ValueError):
        abort(400)
    return _ocsp_answer(data)
