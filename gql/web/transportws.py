"""graphql-transport-ws (the `graphql-ws` npm package's protocol), over Strawberry's handler.

Beside Strawberry's: a server `ping` every `view.ping_seconds` once acknowledged (so proxies
keep idle sockets); every message checked first (4400); a request error (syntax, too many
tokens, depth, an unknown operation name) is an `error` message with its code rather than a
4400 close, as the protocol's reference server does; the operations-per-socket limit and an
unstorable variable are coded errors too; and a fault of the server is one log line and an
INTERNAL_SERVER_ERROR, never a traceback with the document in it.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
    Operation,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import (
    ConnectionInitMessage,
    Message,
    SubscribeMessage,
)
from strawberry.types.execution import PreExecutionError

from gql.schema import Context
from gql.web.protocol import (
    INVALID,
    MAX_REASON,
    TRANSPORT_WS,
    InvalidMessageError,
    check_message,
)
from gql.web.sockets import INTERNAL, INTERNAL_ERROR, SocketAdapter, SocketEdge


class TransportWSHandler(SocketEdge, BaseGraphQLTransportWSHandler[Context, None]):
    websocket: SocketAdapter
    pinger: asyncio.Task[None] | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.watch_outbox()

    async def handle_message(self, message: Message) -> None:
        try:
            checked: Any = check_message(message, TRANSPORT_WS)
        except InvalidMessageError as exc:
            await self.handle_invalid_message(exc.reason)
            return
        try:
            await super().handle_message(checked)
        except Exception as exc:
            self.failed(exc, f"handling a {checked['type']} message")
            await self.websocket.close(INTERNAL, "Internal server error")

    async def handle_invalid_message(self, error_message: str) -> None:
        # Strawberry's own reasons (not text, not JSON) get the prefix of every other 4400.
        prefix = "" if error_message.startswith("Invalid message") else "Invalid message: "
        await self.websocket.close(INVALID, (prefix + error_message)[:MAX_REASON])

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        await super().handle_connection_init(message)
        if self.connection_acknowledged and self.pinger is None:
            self.websocket.acknowledged()
            self.pinger = asyncio.create_task(self._ping(getattr(self.view, "ping_seconds", 15.0)))

    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        if self.connection_acknowledged and message["id"] not in self.operations:
            refusal = self.refusal(dict(message["payload"]), len(self.operations))
            if refusal is not None:
                await self.send_error(message["id"], [refusal])
                return
        await super().handle_subscribe(message)

    async def run_operation(self, operation: Operation[Context, None]) -> None:
        try:
            found = self.share(operation.query, operation.operation_name, operation.variables)
            if found is not None:
                request = {
                    "query": operation.query,
                    "variables": operation.variables,
                    "operationName": operation.operation_name,
                }
                errors = await self.stream_shared(found, operation.id, request, "next")
                if errors is not None:
                    refused: Any = {"id": operation.id, "type": "error", "payload": errors}
                    await operation.send_operation_message(refused)
                    return
            else:
                source = await self.schema.stream(
                    operation.query,
                    variable_values=operation.variables,
                    context_value=self.context,
                    root_value=self.root_value,
                    operation_name=operation.operation_name,
                )
                async with contextlib.aclosing(source):
                    await self._send_result_stream(operation, source)
            await operation.send_operation_message({"id": operation.id, "type": "complete"})
        except Exception as exc:
            self.failed(exc, "running an operation")
            error: Any = {"id": operation.id, "type": "error", "payload": [INTERNAL_ERROR]}
            await operation.send_operation_message(error)

    async def _handle_pre_execution_error(
        self, operation: Operation[Context, None], result: PreExecutionError
    ) -> None:
        # Strawberry closes the socket (4400) on a syntax error or an unknown operation name;
        # the operation's own `error` message, coded like any other, is what clients handle.
        await operation.send_initial_errors(result.errors or [])

    async def handle_task_exception(self, error: Exception) -> None:
        self.failed(error, "in a socket task")

    async def shutdown(self) -> None:
        if self.pinger is not None:
            self.pinger.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.pinger
        await super().shutdown()

    async def _ping(self, seconds: float) -> None:
        while True:
            await asyncio.sleep(seconds)
            await self.send_message({"type": "ping"})  # dropped once the socket is closing
