"""The console's first page: what the signed-in operator may do."""

from __future__ import annotations

from flask import render_template

from eds_toolkit.web.operator.access import bp, requires


@bp.get("/")
@requires()
def home():
    return render_template("operator/home.html")
