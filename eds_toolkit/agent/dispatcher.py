"""One request text in, one NCALayer-shaped reply out; nothing here knows about sockets."""

from __future__ import annotations

import json
import logging
from typing import Any

from eds_toolkit.agent import protocol
from eds_toolkit.agent.errors import AgentError, UnknownMethod
from eds_toolkit.agent.modules import AgentModule

log = logging.getLogger(__name__)


class Dispatcher:
    """Routes ``{module, method, args}`` to a module method and wraps the answer or the error."""

    def __init__(self, modules: list[AgentModule]) -> None:
        self.modules = {module.name: module for module in modules}

    def handle(self, text: str, origin: str | None) -> dict[str, Any]:
        try:
            request = json.loads(text)
        except (ValueError, RecursionError) as error:
            return protocol.malformed_request(type(error).__name__)
        if not isinstance(request, dict) or not isinstance(request.get("module"), str):
            return protocol.malformed_request("no module")
        module = self.modules.get(request["module"])
        if module is None:
            return protocol.module_not_found(request["module"])
        method_name = request.get("method")
        asker = origin or "A program on this computer"
        # Only names are logged: args may hold documents and passwords.
        log.info("request %s.%s from %s", module.name, method_name, asker)
        try:
            method = module.methods.get(method_name) if isinstance(method_name, str) else None
            if method is None:
                raise UnknownMethod(f"Method {method_name!r} is not available in module {module.name}.")
            result = method(request.get("args"), asker)
        except AgentError as error:
            log.info("refused %s.%s: %s", module.name, method_name, error.code)
            return self._error(module, error)
        except Exception:  # a bug must not kill the connection; the citizen sees a plain message
            log.exception("failed %s.%s", module.name, method_name)
            return self._error(module, AgentError("eds agent failed unexpectedly; its log has the details."))
        if module.style == "basics":
            return protocol.basics_ok(result)
        return protocol.common_ok(result)

    @staticmethod
    def _error(module: AgentModule, error: AgentError) -> dict[str, Any]:
        return protocol.basics_error(error) if module.style == "basics" else protocol.common_error(error)
