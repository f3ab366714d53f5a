"""One request text in, one NCALayer-shaped reply out; nothing here knows about sockets."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from eds_agent import protocol
from eds_agent.connection import Connection, serving
from eds_agent.errors import AgentError, UnknownMethod
from eds_agent.language import set_request_language
from eds_agent.modules import AgentModule
from eds_agent.questions import LOCAL_PROGRAM

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Call:
    """A routed request: ``run()`` answers it. ``asks_citizen`` is False for read-only methods and for
    requests answered with an error at once, which need not wait while the citizen answers another."""

    run: Callable[[], dict[str, Any]]
    asks_citizen: bool


class Dispatcher:
    """Routes ``{module, method, args}`` to a module method and wraps the answer or the error."""

    def __init__(self, modules: list[AgentModule]) -> None:
        self.modules = {module.name: module for module in modules}

    def handle(self, text: str, origin: str | None, connection: Connection | None = None) -> dict[str, Any]:
        """Route and answer in one go."""
        return self.route(text, origin, connection).run()

    def route(self, text: str, origin: str | None, connection: Connection | None = None) -> Call:
        """Parse ``text`` and find the method; the returned :class:`Call` runs it for ``connection``
        (the page's own choices, such as its folder; None: a caller without a connection). A request's
        ``uuid`` comes back in its reply, as NCALayer echoes it, so a page can match the two."""
        try:
            request = json.loads(text)
        except (ValueError, RecursionError) as error:
            return _answer(protocol.malformed_request(type(error).__name__))
        call = self._route(request, origin, connection)
        uuid = request.get("uuid") if isinstance(request, dict) else None
        if not _echoed(uuid):
            return call
        return Call(lambda: {**call.run(), "uuid": uuid}, call.asks_citizen)

    def _route(self, request: object, origin: str | None, connection: Connection | None) -> Call:
        if not isinstance(request, dict) or not isinstance(request.get("module"), str):
            return _answer(protocol.malformed_request("no module"))
        module = self.modules.get(request["module"])
        if module is None:
            return _answer(protocol.module_not_found(request["module"]))
        method_name = request.get("method")
        method = module.methods.get(method_name) if isinstance(method_name, str) else None
        if method is None:
            error = UnknownMethod(f"Method {method_name!r} is not available in module {module.name}.")
            return _answer(self._error(module, error))
        asker = origin or LOCAL_PROGRAM
        args = request.get("args")

        def run() -> dict[str, Any]:
            set_request_language(requested_language(request))
            # Only names are logged: args may hold documents and passwords.
            log.info("request %s.%s from %s", module.name, method_name, asker)
            try:
                with serving(connection):
                    result = method(args, asker)
            except AgentError as error:
                log.info("refused %s.%s: %s", module.name, method_name, error.code)
                return self._error(module, error)
            except Exception:  # a bug must not kill the connection; the citizen sees a plain message
                log.exception("failed %s.%s", module.name, method_name)
                return self._error(
                    module, AgentError("eds agent failed unexpectedly; its log has the details.")
                )
            if module.style == "basics":
                return protocol.basics_ok(result)
            return protocol.common_ok(result)

        return Call(run, asks_citizen=method_name not in module.read_only)

    def refusal(self, text: str, error: AgentError) -> dict[str, Any]:
        """``error`` in the envelope of the module ``text`` names (the refusal's own shape otherwise)."""
        request = parse_request(text)
        module = self.modules.get(request.get("module")) if isinstance(request, dict) else None
        if module is None:
            reply = {"success": False, "errorCode": error.code, "code": error.code, "message": str(error)}
        else:
            reply = self._error(module, error)
        uuid = request.get("uuid") if isinstance(request, dict) else None
        return {**reply, "uuid": uuid} if _echoed(uuid) else reply

    @staticmethod
    def _error(module: AgentModule, error: AgentError) -> dict[str, Any]:
        return protocol.basics_error(error) if module.style == "basics" else protocol.common_error(error)


def requested_language(request: object) -> object:
    """The language a request names for its questions (``args.locale`` or ``args.lang``), if any."""
    args = request.get("args") if isinstance(request, dict) else None
    return (args.get("locale") or args.get("lang")) if isinstance(args, dict) else None


def parse_request(text: str) -> object:
    """The request's JSON, or None when it is not JSON."""
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None


def _echoed(uuid: object) -> bool:
    """A request id worth echoing: a string or an integer (not a boolean, list or object)."""
    return isinstance(uuid, str | int) and not isinstance(uuid, bool)


def _answer(reply: dict[str, Any]) -> Call:
    return Call(lambda: reply, asks_citizen=False)
