"""The cabinet's catalogue of services (Citizens -> Citizenship, migration and immigration -> Registration
at the place of residence) and the service's own page with its "Online request"."""

from __future__ import annotations

from flask import render_template

from eds_toolkit.web.residence.access import bp, citizen_only


@bp.get("/")
@citizen_only
def catalogue():
    return render_template("residence/catalogue.html")


@bp.get("/residence-registration")
@citizen_only
def service_page():
    return render_template("residence/service.html")
