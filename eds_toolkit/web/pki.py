"""The CA's public endpoints the certificates point to: /pki/root.cer, /pki/issuing.cer (DER),
/pki/crl (DER CRL, built from the store), /pki/ocsp (RFC 6960, POST or GET) and /pki/tsp (RFC 3161
time-stamping, POST)."""

from __future__ import annotations

import base64
import binascii
import threading

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from flask import Blueprint, Response, abort, current_app, request

from eds_toolkit.bootstrap import ca_directory, ca_passphrase
from eds_toolkit.web.context import flow_context, settings
from eds_toolkit.web.extensions import csrf

bp = Blueprint("pki", __name__, url_prefix="/pki")
csrf.exempt(bp)  # OCSP requests are public and change nothing

MAX_OCSP_REQUEST = 4096
TSA_EXTENSION = "eds_tsa"
_tsa_lock = threading.Lock()


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


def _tsa():
    """The app's time-stamping authority, its key decrypted once (created with the CA's first use)."""
    from ca.tsa import open_tsa

    loaded = current_app.extensions.get(TSA_EXTENSION)
    if loaded is None:
        with _tsa_lock:
            loaded = current_app.extensions.get(TSA_EXTENSION)
            if loaded is None:
                context = flow_context()
                authority = context.ca()
                loaded = open_tsa(
                    authority,
                    ca_directory(settings().home),
                    ca_passphrase(settings()),
                    clock=context.clock.now,
                )
                current_app.extensions[TSA_EXTENSION] = loaded
    return loaded


@bp.post("/tsp")
def timestamp() -> Response:
    """RFC 3161 over HTTP (section 3.4): a DER TimeStampReq in, a DER TimeStampResp out; a request the
    TSA cannot answer gets a ``rejection`` reply, not an HTTP error."""
    from ca.tsa import MAX_REQUEST_BYTES

    if request.mimetype != "application/timestamp-query":
        return Response(
            "POST a DER TimeStampReq with Content-Type application/timestamp-query.\n",
            status=415,
            mimetype="text/plain",
        )
    if (request.content_length or 0) > MAX_REQUEST_BYTES:
        abort(413)
    data = request.get_data(cache=False)
    if len(data) > MAX_REQUEST_BYTES:
        abort(413)
    return Response(
        _tsa().respond(data), mimetype="application/timestamp-reply", headers={"Cache-Control": "no-store"}
    )
