"""GraphQL over WebSocket at the edge: frames, pings, the init timeout, credentials, the cap.

Strawberry speaks both subprotocols; what it lacks for this server is here:

- text frames: the view's `encode_json` gives bytes (orjson), and Strawberry would send them
  as binary frames, which graphql-ws clients refuse ("Message is missing the 'type' property");
- graphql-transport-ws: a server `ping` every `ping_seconds`, so proxies keep idle sockets;
- legacy graphql-ws: a connection_init timeout (4408) and 4403 on a refused credential, as
  graphql-transport-ws has (Strawberry closes that one with 1011);
- a cap on open sockets per process: beyond it a socket is accepted and closed at once with
  1013 "Try Again Later" (the code clients such as graphql-ws retry on, with back-off).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping
from typing import Any

from starlette.websockets import WebSocketDisconnect
from strawberry.asgi import ASGIWebSocketAdapter
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import ConnectionInitMessage
from strawberry.subscriptions.protocols.graphql_ws.handlers import BaseGraphQLWSHandler
from strawberry.subscriptions.protocols.graphql_ws.types import (
    ConnectionInitMessage as LegacyInitMessage,
)
from strawberry.types.unset import UnsetType

from gql.schema import Context

TRY_AGAIN_LATER = 1013
FORBIDDEN = 4403
INIT_TIMEOUT = 4408


class SocketLimit:
    """Open sockets of this process; `acquire` says no beyond `maximum`."""

    def __init__(self, maximum: int) -> None:
        self.maximum = maximum
        self.open = 0

    def acquire(self) -> bool:
        if self.open >= self.maximum:
            return False
        self.open += 1
        return True

    def release(self) -> None:
        self.open -= 1


class TextFrames(ASGIWebSocketAdapter):
    async def send_json(self, message: Mapping[str, object]) -> None:
        try:
            await self.ws.send_text(self.view.encode_json_string(message))
        except WebSocketDisconnect as exc:
            raise WebSocketDisconnected from exc


class TransportWSHandler(BaseGraphQLTransportWSHandler[Context, None]):
    """graphql-transport-ws, with a server ping every `view.ping_seconds` once acknowledged."""

    pinger: asyncio.Task[None] | None = None

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        await super().handle_connection_init(message)
        if self.connection_acknowledged and self.pinger is None:
            self.pinger = asyncio.create_task(self._ping(getattr(self.view, "ping_seconds", 15.0)))

    async def shutdown(self) -> None:
        if self.pinger is not None:
            self.pinger.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.pinger
        await super().shutdown()

    async def _ping(self, seconds: float) -> None:
        while True:
            await asyncio.sleep(seconds)
            try:
                await self.send_message({"type": "ping"})
            except (WebSocketDisconnected, RuntimeError, OSError):
                return  # the socket is closing; the handler's own loop sees it


class LegacyWSHandler(BaseGraphQLWSHandler[Context, None]):
    """graphql-ws (subscriptions-transport-ws), with an init timeout and 4403 on refusal."""

    initialised = False

    async def handle(self) -> None:
        timer = asyncio.create_task(self._init_timeout())
        try:
            await super().handle()
        finally:
            timer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await timer

    async def _init_timeout(self) -> None:
        await asyncio.sleep(self.view.connection_init_wait_timeout.total_seconds())
        if not self.initialised:
            with contextlib.suppress(RuntimeError, OSError):
                await self.websocket.close(INIT_TIMEOUT, "Connection initialisation timeout")

    async def handle_connection_init(self, message: LegacyInitMessage) -> None:
        self.initialised = True
        payload = message.get("payload")
        if payload is not None and not isinstance(payload, dict):
            await self.send_message({"type": "connection_error"})
            await self.websocket.close(code=1000, reason="")
            return
        self.context.connection_params = payload
        try:
            ack: Any = await self.view.on_ws_connect(self.context)
        except ConnectionRejectionError as exc:
            await self.send_message({"type": "connection_error", "payload": exc.payload})
            await self.websocket.close(code=FORBIDDEN, reason="Forbidden")
            return
        if isinstance(ack, UnsetType) or ack is None:
            await self.send_message({"type": "connection_ack"})
        else:
            await self.send_message({"type": "connection_ack", "payload": ack})
        self.connection_acknowledged = True
        if self.keep_alive:
            self.keep_alive_task = asyncio.create_task(self.handle_keep_alive())
