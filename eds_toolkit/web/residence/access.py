"""The blueprint of the cabinet's services and its gate: only a citizen signed in to the cabinet."""

from __future__ import annotations

import functools
from collections.abc import Callable

from flask import Blueprint, g, redirect, url_for

from eds_toolkit.web.cabinet import signed_in_iin

bp = Blueprint("residence", __name__, url_prefix="/cabinet/services")


def citizen_only(view: Callable) -> Callable:
    """A view for the citizen signed in to the cabinet (``g.citizen_iin``); others go to sign in."""

    @functools.wraps(view)
    def gated(*args: object, **kwargs: object) -> object:
        iin = signed_in_iin()
        if not iin:
            return redirect(url_for("cabinet.login"))
        g.citizen_iin = iin
        return view(*args, **kwargs)

    return gated
