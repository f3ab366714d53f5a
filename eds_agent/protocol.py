"""NCALayer's wire envelopes, byte-for-byte in the shapes published NCALayer clients parse.

Two families coexist (see ncalayer-js-client's ``setHandlers``):

* ``kz.gov.pki.knca.basics`` (named ``args``): ``{"status": true, "body": {"result": ...}}``;
  a cancelled dialog is ``{"status": true, "body": {}}``; an error is
  ``{"status": false, "code": "...", "message": "...", "details": "..."}``.
* ``kz.gov.pki.knca.commonUtils`` (positional ``args``): ``{"code": "200", "responseObject": ...}``;
  an error is ``{"code": "500", "message": "..."}``, a cancelled dialog ``"action.canceled"``.

An unknown module gets Felix-NCALayer's ``{"success": false, "errorCode": "MODULE_NOT_FOUND"}``
plus ``code``/``message`` so that commonUtils-style clients show a readable reason.
"""

from __future__ import annotations

from typing import Any

from eds_agent.errors import AgentError, CancelledByUser

#: What the greeting reports: NCALayer's protocol version that portals check for.
NCALAYER_PROTOCOL_VERSION = "1.4"
HEARTBEAT = "--heartbeat--"


def greeting() -> dict[str, Any]:
    """Sent as soon as a connection opens."""
    return {"result": {"version": NCALAYER_PROTOCOL_VERSION}}


def basics_ok(result: Any) -> dict[str, Any]:
    return {"status": True, "body": {"result": result}}


def basics_error(error: AgentError) -> dict[str, Any]:
    if isinstance(error, CancelledByUser):
        return {"status": True, "body": {}}
    return {"status": False, "code": error.code, "message": str(error), "details": type(error).__name__}


def common_ok(response_object: Any = None) -> dict[str, Any]:
    reply: dict[str, Any] = {"code": "200"}
    if response_object is not None:
        reply["responseObject"] = response_object
    return reply


def common_error(error: AgentError) -> dict[str, Any]:
    if isinstance(error, CancelledByUser):
        return {"code": "500", "message": "action.canceled"}
    return {"code": "500", "message": str(error)}


def _failure(code: str, message: str) -> dict[str, Any]:
    """Felix-NCALayer's failure, with ``code``/``message`` for commonUtils-style clients too."""
    return {"success": False, "errorCode": code, "code": code, "message": message}


def module_not_found(module: str) -> dict[str, Any]:
    return _failure("MODULE_NOT_FOUND", f"Module {module!r} is not available in eds agent.")


def malformed_request(reason: str) -> dict[str, Any]:
    return _failure(
        "COMMON_JSON_WRAPPING_EXCEPTION", f"The request is not a JSON object with module and method: {reason}"
    )


def origin_refused(origin: str) -> dict[str, Any]:
    """Body of the HTTP 403 answer to a WebSocket handshake from a site the agent may not serve."""
    return _failure(
        "ORIGIN_NOT_ALLOWED",
        f"eds agent does not serve pages from {origin}: it was refused in this run, it is not "
        f"https, or the agent cannot ask (start it with --origin {origin} to allow it).",
    )
