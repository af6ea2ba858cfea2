"""A small GraphQL-over-WebSocket client on `websockets`, speaking either subprotocol.

graphql-transport-ws: connection_init/ack, subscribe, next, error, complete, ping/pong.
graphql-ws (legacy): connection_init/ack, start, data, error, complete, ka.
Every frame it receives must be a text frame, as graphql-ws clients require.

Waits for what should come default to `patient(5)` seconds (tests/timing.py); a timeout a
test passes is used as it is (for "nothing comes within 0.3 s", say).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import websockets
from websockets.asyncio.client import ClientConnection

from tests.timing import patient

TRANSPORT_WS = "graphql-transport-ws"
LEGACY_WS = "graphql-ws"
PROTOCOLS = [TRANSPORT_WS, LEGACY_WS]

Message = dict[str, Any]


class GraphQLSocket:
    def __init__(self, connection: ClientConnection, protocol: str) -> None:
        self.connection = connection
        self.protocol = protocol
        self.pings = 0

    async def init(self, payload: dict[str, Any] | None = None) -> Message:
        """Send connection_init; the answer (connection_ack, or what came instead)."""
        message: Message = {"type": "connection_init"}
        if payload is not None:
            message["payload"] = payload
        await self.send(message)
        return await self.receive()

    async def subscribe(
        self, op_id: str, query: str, variables: dict[str, Any] | None = None
    ) -> None:
        kind = "subscribe" if self.protocol == TRANSPORT_WS else "start"
        payload = {"query": query, "variables": variables or {}}
        await self.send({"type": kind, "id": op_id, "payload": payload})

    async def stop(self, op_id: str) -> None:
        kind = "complete" if self.protocol == TRANSPORT_WS else "stop"
        await self.send({"type": kind, "id": op_id})

    async def send(self, message: Message) -> None:
        await self.connection.send(json.dumps(message))

    async def receive(self, timeout: float | None = None) -> Message:
        """The next message that is not a keep-alive (pings are answered with pongs)."""
        timeout = patient(5.0) if timeout is None else timeout
        while True:
            raw = await asyncio.wait_for(self.connection.recv(), timeout)
            assert isinstance(raw, str), f"a binary frame: {raw!r}"
            message: Message = json.loads(raw)
            if message["type"] == "ping":
                self.pings += 1
                await self.send({"type": "pong"})
            elif message["type"] != "ka":
                return message

    async def event(self, op_id: str, timeout: float | None = None) -> dict[str, Any]:
        """The payload of the next result of `op_id` (next / data)."""
        message = await self.receive(timeout)
        assert message.get("id") == op_id, message
        assert message["type"] in ("next", "data"), message
        payload: dict[str, Any] = message["payload"]
        return payload

    async def change(self, op_id: str, timeout: float | None = None) -> dict[str, Any]:
        """The next readingChanges event of `op_id`, which must have no errors."""
        payload = await self.event(op_id, timeout)
        assert "errors" not in payload, payload
        change: dict[str, Any] = payload["data"]["readingChanges"]
        return change

    async def ending(self, op_id: str) -> tuple[list[str], str]:
        """(error codes, closing message type) of an operation that must end with errors."""
        message = await self.receive()
        assert message.get("id") == op_id, message
        if message["type"] == "error":  # graphql-transport-ws: a list; graphql-ws: one error
            errors = message["payload"]
            errors = errors if isinstance(errors, list) else [errors]
            return [e.get("extensions", {}).get("code", "") for e in errors], "error"
        assert message["type"] in ("next", "data"), message
        assert message["payload"]["data"] is None, message
        codes = [e["extensions"]["code"] for e in message["payload"]["errors"]]
        closing = await self.receive()
        assert closing == {"id": op_id, "type": "complete"}, closing
        return codes, "complete"

    async def closed_with(self, timeout: float | None = None) -> int | None:
        """The close code the server closed the socket with, skipping what came before."""
        timeout = patient(5.0) if timeout is None else timeout
        try:
            while True:
                await asyncio.wait_for(self.connection.recv(), timeout)
        except websockets.ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd is not None else None


@asynccontextmanager
async def connect(
    base_url: str,
    protocol: str,
    *,
    headers: dict[str, str] | None = None,
    origin: str | None = None,
) -> AsyncIterator[GraphQLSocket]:
    url = base_url.replace("http://", "ws://", 1) + "/graphql"
    async with websockets.connect(
        url,
        subprotocols=[protocol],  # type: ignore[list-item]
        additional_headers=headers,
        origin=origin,  # type: ignore[arg-type]
        open_timeout=patient(5),
    ) as connection:
        assert connection.subprotocol == protocol
        yield GraphQLSocket(connection, protocol)


@asynccontextmanager
async def session(
    base_url: str, protocol: str, payload: dict[str, Any] | None = None
) -> AsyncIterator[GraphQLSocket]:
    """A socket that has been acknowledged."""
    async with connect(base_url, protocol) as socket:
        ack = await socket.init(payload)
        assert ack["type"] == "connection_ack", ack
        yield socket
