"""The certificates page's link to ``eds agent``: the agent's browser client served from its one
source file, and what the page hands the agent (the person for the CSRs, the issued certificates)."""

from __future__ import annotations

from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from urllib.parse import urlsplit

from flask import Response, jsonify, make_response, render_template, request, send_file, send_from_directory

from eds_toolkit.core.context import ServiceContext
from eds_toolkit.core.refusals import AlreadyIssued, Refusal
from eds_toolkit.flow import EnrolmentView, IssuedPair
from eds_toolkit.flow.machine import State
from eds_toolkit.flow.models import Enrolment
from eds_toolkit.web.api_support import pair_json
from eds_toolkit.web.context import flow_context, settings
from eds_toolkit.web.i18n import error_message
from eds_toolkit.web.refusals import problem
from eds_toolkit.web.security import content_security_policy

AGENT_CLIENT_JS = Path(str(files("eds_agent") / "js" / "eds-agent-client.js"))
"""The one copy of the browser helper (``eds_agent/js``); the web app serves it as is."""


AGENT_DEFAULT_PORT = 13579
"""`eds agent`'s port when started without ``--port`` (NCALayer's)."""

AGENT_INSTALL_COMMAND = "pipx install eds-toolkit"
"""The page's hint for administrators and systems without the agent's package: pipx installs a
Python command-line program with its own environment and puts ``eds`` on the PATH."""

AGENT_GUIDE = "docs/agent.md"
"""The agent's guide in the eds-toolkit sources, named on the page."""


def agent_start_command(agent_url: str, portal_origin: str) -> str:
    """The exact ``eds agent`` command that makes an agent this page finds at ``agent_url``.

    ``--port`` when the URL's port is not the default, ``--no-tls`` for a ``ws://`` URL, and this
    portal's origin (``scheme://host[:port]``) as the one ``--origin``.
    """
    parts = urlsplit(agent_url)
    words = ["eds", "agent"]
    port = parts.port or AGENT_DEFAULT_PORT
    if port != AGENT_DEFAULT_PORT:
        words += ["--port", str(port)]
    if parts.scheme == "ws":
        words.append("--no-tls")
    words += ["--origin", portal_origin.rstrip("/")]
    return " ".join(words)


def agent_trust_command(portal_origin: str) -> str:
    """``eds agent install`` for this portal: browsers trust the agent, which starts at login for it."""
    return f"eds agent install --origin {portal_origin.rstrip('/')}"


AGENT_PACKAGE = "eds-agent.deb"
"""The built package (scripts/build-agent-deb) an operator puts in ``<home>/downloads/``."""


def agent_download() -> Response:
    """The agent's .deb from ``<home>/downloads/`` (``EDS_AGENT_DOWNLOAD_URL``'s default); 404 if absent."""
    return send_from_directory(
        settings().home / "downloads",
        AGENT_PACKAGE,
        as_attachment=True,
        mimetype="application/vnd.debian.binary-package",
    )


def agent_client_js() -> Response:
    """The agent's browser client (``EdsAgent``) as JavaScript from this origin (CSP script-src 'self')."""
    return send_file(AGENT_CLIENT_JS, mimetype="text/javascript")


@dataclass(frozen=True)
class AgentPerson:
    """What ``makeRequests`` needs: the enrolment's IIN and names from the citizens base."""

    enrolment_id: str
    iin: str
    surname: str
    given_name: str
    patronymic: str


def person_for_agent(ctx: ServiceContext, enrolment_id: str) -> AgentPerson | None:
    """The person of an enrolment waiting for its certificates (``pin_set``); None in any other state.

    The CA builds the subject from the base anyway; the agent uses the IIN to check the
    certificates it gets back are this person's.
    """
    if not enrolment_id:
        return None
    with ctx.session() as session:
        enrolment = session.get(Enrolment, enrolment_id)
        if enrolment is None or enrolment.state != State.PIN_SET:
            return None
        iin = enrolment.iin
    record = ctx.citizens.lookup(iin)
    if record is None:
        return None
    return AgentPerson(enrolment_id, record.iin, record.surname, record.given_name, record.patronymic or "")


def issued_json(ctx: ServiceContext, certificates: list[dict]) -> dict[str, str] | None:
    """An issued enrolment's pair (from ``describe(...).certificates``) in :func:`pair_json`'s shape.

    Lets the page finish in the agent after a lost answer or a reload, without a second issuance.
    """
    by_profile = {row["profile"]: row for row in certificates}
    if "auth" not in by_profile or "sign" not in by_profile:
        return None
    return {
        "auth_certificate": by_profile["auth"]["pem"],
        "sign_certificate": by_profile["sign"]["pem"],
        "chain": ctx.ca().chain_pem().decode(),
        "auth_serial": by_profile["auth"]["serial"],
        "sign_serial": by_profile["sign"]["serial"],
    }


def wants_json() -> bool:
    """True when the caller (the page's fetch) asked for JSON rather than an HTML page."""
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def render_certificates_page(view: EnrolmentView | None, status: int = 200, **values: object) -> Response:
    """certificates.html with what its script needs to drive ``eds agent``, under a CSP that lets it connect.

    ``connect-src`` gains the agent's URL on this page only; every other page keeps the plain policy.
    """
    ctx, agent_url = flow_context(), settings().agent_url
    origin = settings().portal_origin  # configured, never the request's Host (a forged one would leak in)
    issued = None
    if view is not None and view.state == State.ISSUED:
        issued = issued_json(ctx, view.certificates)
    body = render_template(
        "certificates.html",
        enrolment=view,
        agent_url=agent_url,
        agent_command=agent_start_command(agent_url, origin),
        agent_install_command=AGENT_INSTALL_COMMAND,
        agent_trust_command=agent_trust_command(origin),
        agent_download_url=settings().agent_download_url,
        agent_guide=AGENT_GUIDE,
        agent_person=person_for_agent(ctx, view.id) if view is not None else None,
        agent_issued=issued,
        rate_limited_message=error_message(
            "rate_limited", "Too many requests: please wait a little and try again."
        ),
        **values,
    )
    response = make_response(body, status)
    response.headers["Content-Security-Policy"] = content_security_policy([agent_url])
    return response


def csr_issuance_json(pair: IssuedPair) -> Response:
    """201 with the issued pair, as ``POST /api/v1/enrolments/<id>/certificates`` answers."""
    response = jsonify(pair_json(pair))
    response.status_code = 201
    return response


def csr_refusal_json(error: Refusal, view: EnrolmentView | None) -> Response:
    """The refusal as problem details; "already issued" carries this enrolment's pair (``issued``).

    So a page whose first answer was lost installs the certificates it already has instead of
    asking again: one pair per enrolment, never a second.
    """
    extra: dict[str, object] = dict(error.extra)
    if isinstance(error, AlreadyIssued) and view is not None and view.state == State.ISSUED:
        extra["issued"] = issued_json(flow_context(), view.certificates)
    return problem(error.status, error.title, error_message(error.code, error.message), error.code, **extra)
