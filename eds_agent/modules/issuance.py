"""``kz.eds.toolkit.issuance``: the steps a portal drives to have keys made here (basics-style replies).

Requests: ``{"module": "kz.eds.toolkit.issuance", "method": M, "args": {...}}`` with named args:
``version {}``, ``chooseStore {path?}``, ``makeRequests {enrolmentId, iin, surname, givenName,
patronymic?}``, ``installCertificates {enrolmentId, authCertificate, signCertificate, chain,
password?}``, ``listKeys {}``. Any of them may add ``locale`` (``kk``, ``ru``, ``en``): the language
the agent's windows ask the citizen in (``eds_agent/language.py``).
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version
from typing import Any

from eds_agent.errors import BadRequest
from eds_agent.issuance import Issuance
from eds_agent.modules import AgentModule
from eds_agent.protocol import NCALAYER_PROTOCOL_VERSION

NAME = "kz.eds.toolkit.issuance"


def _agent_version() -> str:
    try:
        return package_version("eds-toolkit")
    except PackageNotFoundError:
        return "unknown"


def _named(args: Any) -> dict[str, Any]:
    if args is None:
        return {}
    if not isinstance(args, dict):
        raise BadRequest("args must be a JSON object of named arguments.")
    return args


def make_module(issuance: Issuance, module_names: list[str]) -> AgentModule:
    def version(args: Any, origin: str) -> dict[str, Any]:
        return {
            "agent": _agent_version(),
            "protocol": NCALAYER_PROTOCOL_VERSION,
            "modules": module_names,
        }

    def choose_store(args: Any, origin: str) -> dict[str, str]:
        path = _named(args).get("path")
        if path is not None and not isinstance(path, str):
            raise BadRequest("path must be a string.")
        return {"folder": str(issuance.choose_store(path, origin=origin))}

    def make_requests(args: Any, origin: str) -> dict[str, str]:
        named = _named(args)
        return issuance.make_requests(
            named.get("enrolmentId"),
            iin=named.get("iin"),
            surname=named.get("surname"),
            given_name=named.get("givenName"),
            patronymic=named.get("patronymic") or None,
            origin=origin,
        )

    def install_certificates(args: Any, origin: str) -> dict[str, Any]:
        named = _named(args)
        return issuance.install_certificates(
            named.get("enrolmentId"),
            auth_certificate=named.get("authCertificate"),
            sign_certificate=named.get("signCertificate"),
            chain=named.get("chain"),
            password=named.get("password"),
            origin=origin,
        )

    def list_keys(args: Any, origin: str) -> dict[str, Any]:
        return issuance.list_keys()

    return AgentModule(
        NAME,
        "basics",
        {
            "version": version,
            "chooseStore": choose_store,
            "makeRequests": make_requests,
            "installCertificates": install_certificates,
            "listKeys": list_keys,
        },
        read_only=frozenset({"version", "listKeys"}),
    )
