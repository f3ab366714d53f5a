"""The WebSocket server: loopback only, TLS (or plain for tests), Origin checked at the handshake."""

from __future__ import annotations

import asyncio
import json
import logging
import ssl
from collections.abc import Callable
from http import HTTPStatus
from typing import Any, TypeVar

from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from eds_agent import protocol
from eds_agent.confirmation import Confirmer
from eds_agent.connection import Connection
from eds_agent.dispatcher import Dispatcher, parse_request, requested_language
from eds_agent.errors import PortalRefused
from eds_agent.language import set_request_language
from eds_agent.portals import Portals
from eds_agent.questions import PortalQuestion

log = logging.getLogger(__name__)

LOOPBACK = "127.0.0.1"
MAX_MESSAGE_BYTES = 64 * 1024 * 1024  # documents to sign arrive Base64-encoded in one message
WITHDRAW_AGAIN_SECONDS = 0.5
T = TypeVar("T")


class AgentServer:
    """Serves one :class:`Dispatcher` in worker threads, so the event loop keeps answering heartbeats.

    Requests that may ask the citizen run one at a time (the citizen answers one question at a
    time); read-only ones (``version``, ``listKeys``...) are answered at once, even meanwhile.
    A page from a site not in ``portals`` gets the greeting (so it knows the agent is there), and its
    first request asks the citizen to allow the site (``portals.py``) before it is answered.
    """

    def __init__(
        self,
        dispatcher: Dispatcher,
        *,
        port: int,
        portals: Portals,
        confirmer: Confirmer,
        ssl_context: ssl.SSLContext | None,
    ) -> None:
        self.dispatcher = dispatcher
        self.port = port
        self.portals = portals
        self.confirmer = confirmer
        self.ssl_context = ssl_context
        self._lock = asyncio.Lock()

    def _may_connect(self, origin: str | None) -> bool:
        if origin is None or self.portals.allowed(origin):
            return True
        return self.confirmer.asks_about_portals and self.portals.may_ask(origin)

    def _approve(self, origin: str, text: str) -> bool:
        """In a worker thread, one question at a time: has the citizen allowed ``origin`` (now)?
        Asked in the language the request ``text`` names."""
        if self.portals.allowed(origin):  # allowed meanwhile, from another tab
            return True
        if not self.portals.may_ask(origin):
            return False
        set_request_language(requested_language(parse_request(text)))
        if self.confirmer.allow_portal(PortalQuestion(origin)):
            self.portals.allow(origin)
            return True
        self.portals.refuse(origin)
        return False

    def _check_handshake(self, connection: ServerConnection, request: Request) -> Response | None:
        origin = request.headers.get("Origin")
        if not self._may_connect(origin):
            log.info("refused a page from %s: HTTP 403", origin)
            response = connection.respond(
                HTTPStatus.FORBIDDEN, json.dumps(protocol.origin_refused(origin)) + "\n"
            )
            response.headers["Content-Type"] = "application/json"
            return response
        if "upgrade" not in request.headers.get("Connection", "").lower():
            # A person opening https://127.0.0.1:PORT/ to accept the certificate sees this.
            return connection.respond(HTTPStatus.OK, "eds agent is running.\n")
        return None

    async def _session(self, connection: ServerConnection) -> None:
        origin = connection.request.headers.get("Origin") if connection.request else None
        approved = origin is None or self.portals.allowed(origin)
        choices = Connection()  # this page's folder: another tab's choice never changes it
        try:
            await connection.send(json.dumps(protocol.greeting()))
            async for message in connection:
                text = message.decode("utf-8", "replace") if isinstance(message, bytes) else message
                if text == protocol.HEARTBEAT:
                    await connection.send(protocol.HEARTBEAT)
                    continue
                if not approved and origin is not None:
                    approved = await self._asking(connection, self._approve, origin, text)
                    if not approved:
                        refused = PortalRefused(
                            f"{origin} is not allowed to use eds agent: the citizen refused it. Restart the "
                            "agent to be asked again."
                        )
                        await connection.send(json.dumps(self.dispatcher.refusal(text, refused)))
                        continue
                reply = await self._answer(connection, text, origin, choices)
                await connection.send(json.dumps(reply, ensure_ascii=False))
        except ConnectionClosed as closed:
            # A closed tab or a crashed browser: nothing to fix, one line (no traceback).
            if closed.rcvd is None:
                log.info("%s left without closing the connection", origin or "a local program")

    async def _answer(
        self, connection: ServerConnection, text: str, origin: str | None, choices: Connection
    ) -> dict[str, Any]:
        call = await asyncio.to_thread(self.dispatcher.route, text, origin, choices)
        if not call.asks_citizen:
            return await asyncio.to_thread(call.run)
        return await self._asking(connection, call.run)

    async def _asking(self, connection: ServerConnection, function: Callable[..., T], *args: Any) -> T:
        """Run ``function`` (which may ask the citizen) in a worker thread, one at a time. If the page
        goes away meanwhile, its question is withdrawn (the window closes as if cancelled), so a window
        never stays behind for a page that is gone, to be answered by mistake for another one."""
        async with self._lock:
            running = asyncio.ensure_future(asyncio.to_thread(function, *args))
            closed = asyncio.ensure_future(connection.wait_closed())
            try:
                await asyncio.wait({running, closed}, return_when=asyncio.FIRST_COMPLETED)
                while not running.done():  # again until it ends: a withdrawn step may lead to another
                    log.info("the page left: its question in eds agent is withdrawn")
                    await asyncio.to_thread(self.confirmer.withdraw)
                    await asyncio.wait({running}, timeout=WITHDRAW_AGAIN_SECONDS)
                return await running
            finally:
                closed.cancel()

    async def run(self, on_ready: Callable[[int], Any] | None = None) -> None:
        """Listen on 127.0.0.1 until cancelled; ``on_ready(port)`` once bound (port 0 picks a free one)."""
        async with serve(
            self._session,
            LOOPBACK,
            self.port,
            ssl=self.ssl_context,
            process_request=self._check_handshake,
            max_size=MAX_MESSAGE_BYTES,
        ) as server:
            bound_port = next(iter(server.sockets)).getsockname()[1]
            if on_ready:
                on_ready(bound_port)
            await server.serve_forever()
