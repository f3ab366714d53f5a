"""CRL and OCSP status (``operators.pki_status``): the issuing CA's and the root's CRLs, the responder's
certificate and a live OCSP self-check; a CA administrator publishes a new CRL now (audited)."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for

from eds_toolkit.operators import pki_status as status
from eds_toolkit.operators.roles import Permission
from eds_toolkit.translations import N_
from eds_toolkit.web.context import client_address, flow_context
from eds_toolkit.web.operator.access import bp, current, requires, section

CRL_NAMES = {
    "base": N_("Issuing CA: complete (base) CRL"),
    "delta": N_("Issuing CA: delta CRL"),
    "root": N_("Root CA: CRL of CA certificates"),
}


@bp.get("/pki")
@section(Permission.PKI_STATUS, N_("CRL and OCSP status"))
def pki_status():
    ctx = flow_context()
    return render_template(
        "operator/pki_status.html",
        status=status.pki_status(ctx.ca(), ctx.now()),
        crl_names=CRL_NAMES,
        published=request.args.get("published", type=int),
    )


@bp.post("/pki/publish")
@requires(Permission.PUBLISH_CRL)
def publish_crl():
    ctx = flow_context()
    published = status.publish_now(ctx, current(), client_address=client_address())
    number = status.crl_number(published.base) if published.base is not None else None
    return redirect(url_for("operator.pki_status", published=number), code=303)
