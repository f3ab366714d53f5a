"""The console's blueprint and its gate: who is signed in, and whether they may see this page."""

from __future__ import annotations

import functools
from collections.abc import Callable

from flask import Blueprint, abort, g, redirect, request, session, url_for

from eds_toolkit.operators.roles import Permission, Role
from eds_toolkit.operators.signin import SignedIn, signed_in
from eds_toolkit.signed_challenge import SessionEnded
from eds_toolkit.translations import N_
from eds_toolkit.web.context import flow_context

bp = Blueprint("operator", __name__, url_prefix="/operator")

SESSION_KEY = "operator_session"
ENDED_KEY = "operator_session_ended"  # why the last session ended, for the sign-in page (once)

SECTIONS: list[tuple[Permission, str, str]] = []
"""The console's pages in its menu: (permission, endpoint, English label); ``section`` adds them."""

ROLE_NAMES = {
    Role.REGISTRATION_OFFICER: N_("Registration officer"),
    Role.CA_ADMIN: N_("CA administrator"),
    Role.AUDITOR: N_("Auditor"),
}


def current() -> SignedIn | None:
    """The signed-in operator of this request (looked up once per request), else None."""
    if "operator" not in g:
        state = signed_in(flow_context(), session.get(SESSION_KEY))
        if isinstance(state, SessionEnded):  # its AUTH certificate was revoked or expired
            session.pop(SESSION_KEY, None)
            session[ENDED_KEY] = state.reason
            state = None
        g.operator = state
    return g.operator


def requires(permission: Permission | None = None) -> Callable:
    """A view for signed-in operators (who hold ``permission``, when given): others are sent to sign
    in, or get 403 when signed in without the permission."""

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            who = current()
            if who is None:
                return redirect(url_for("operator.login", next=request.full_path.rstrip("?")))
            if permission is not None and not who.operator.may(permission):
                abort(403)
            return view(*args, **kwargs)

        return wrapper

    return decorate


def section(permission: Permission, label: str) -> Callable:
    """A menu page: listed for operators holding ``permission``, and gated by it (``requires``)."""

    def decorate(view: Callable) -> Callable:
        SECTIONS.append((permission, f"{bp.name}.{view.__name__}", label))
        return requires(permission)(view)

    return decorate


@bp.app_context_processor
def _operator() -> dict:
    """The signed-in operator and what they may do, for the console's layout."""
    if request.blueprint != bp.name:
        return {}
    who = current()
    return {
        "operator": who,
        "permissions": who.operator.permissions if who else frozenset(),
        "console_sections": SECTIONS,
        "role_names": ROLE_NAMES,
    }
