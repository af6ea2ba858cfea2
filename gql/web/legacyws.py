"""The legacy graphql-ws (subscriptions-transport-ws) protocol, over Strawberry's handler.

Beside Strawberry's: a connection_init timeout (4408) and 4403 on a refused credential, as
graphql-transport-ws has (Strawberry closes that one with 1011); a second connection_init is
4429. A message that is not one of the protocol's, or not JSON, closes with 4400 (Strawberry
ignored it, or failed with a traceback), after an `error` for its operation when it names
one. Queries and mutations run as over graphql-transport-ws, and every error, a syntax error
included, is an `error` or `data` message with its code: the client never waits for nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from strawberry.exceptions import ConnectionRejectionError
from strawberry.http.exceptions import (
    NonJsonMessageReceived,
    NonTextMessageReceived,
    WebSocketDisconnected,
)
from strawberry.subscriptions.protocols.graphql_ws.handlers import BaseGraphQLWSHandler
from strawberry.subscriptions.protocols.graphql_ws.types import (
    ConnectionInitMessage,
    OperationMessage,
    StartMessage,
)
from strawberry.types.execution import ExecutionResult, PreExecutionError
from strawberry.types.unset import UnsetType

from gql.schema import Context
from gql.web.protocol import INVALID, LEGACY_WS, InvalidMessageError, check_message
from gql.web.sockets import (
    FORBIDDEN,
    INIT_TIMEOUT,
    INTERNAL,
    INTERNAL_ERROR,
    TOO_MANY_INITS,
    SocketAdapter,
    SocketEdge,
    coded,
)


class LegacyWSHandler(SocketEdge, BaseGraphQLWSHandler[Context, None]):
    websocket: SocketAdapter
    initialised = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.watch_outbox()

    async def handle(self) -> None:
        timer = asyncio.create_task(self._init_timeout())
        try:
            async for message in self.websocket.iter_json():
                await self.handle_message(message)  # type: ignore[arg-type]
        except NonTextMessageReceived:
            await self.websocket.close(
                INVALID, "Invalid message: WebSocket message type must be text"
            )
        except NonJsonMessageReceived:
            await self.websocket.close(
                INVALID, "Invalid message: WebSocket message must be valid JSON"
            )
        except WebSocketDisconnected:
            pass
        finally:
            for task in (timer, self.keep_alive_task):
                if task is not None:
                    task.cancel()
                    with contextlib.suppress(BaseException):
                        await task
            await self.cleanup()

    async def handle_message(self, message: OperationMessage) -> None:
        try:
            checked: Any = check_message(message, LEGACY_WS)
        except InvalidMessageError as exc:
            if exc.id is not None:  # the protocol has a place for the error: the operation's
                await self.send_error(exc.id, coded(exc.reason))
            await self.websocket.close(INVALID, exc.reason)
            return
        try:
            await super().handle_message(checked)
        except Exception as exc:
            self.failed(exc, f"handling a {checked['type']} message")
            await self.websocket.close(INTERNAL, "Internal server error")

    async def _init_timeout(self) -> None:
        await asyncio.sleep(self.view.connection_init_wait_timeout.total_seconds())
        if not self.initialised:
            await self.websocket.close(INIT_TIMEOUT, "Connection initialisation timeout")

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        if self.initialised:
            await self.websocket.close(TOO_MANY_INITS, "Too many initialisation requests")
            return
        self.initialised = True
        self.context.connection_params = message.get("payload")
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
        self.websocket.acknowledged()
        if self.keep_alive:
            self.keep_alive_task = asyncio.create_task(self.handle_keep_alive())

    async def handle_start(self, message: StartMessage) -> None:
        if self.connection_acknowledged and message["id"] not in self.tasks:
            refusal = self.refusal(dict(message["payload"]), len(self.tasks))
            if refusal is not None:
                await self.send_error(message["id"], refusal)
                return
        await super().handle_start(message)

    async def handle_async_results(
        self,
        operation_id: str,
        query: str,
        operation_name: str | None,
        variables: dict[str, object] | None,
    ) -> None:
        try:
            found = self.share(query, operation_name, variables)
            if found is not None:
                request = {"query": query, "variables": variables, "operationName": operation_name}
                errors = await self.stream_shared(found, operation_id, request, "data")
                if errors is not None:
                    # One error, as the protocol's `error` payload is one object.
                    await self.send_error(operation_id, errors[0] if errors else INTERNAL_ERROR)
                    return
                await self.send_message({"type": "complete", "id": operation_id})
                return
            source = await self.schema.stream(
                query,
                variable_values=variables,
                operation_name=operation_name,
                context_value=self.context,
                root_value=self.root_value,
            )
            self.subscriptions[operation_id] = source
            first = True
            async for result in source:
                if first and isinstance(result, PreExecutionError):
                    # One error, as the protocol's `error` payload is one object.
                    error = result.errors[0].formatted if result.errors else INTERNAL_ERROR
                    await self.send_error(operation_id, error)
                    return
                if isinstance(result, ExecutionResult):  # not @defer/@stream frames: none here
                    await self.send_data_message(result, operation_id)
                first = False
            await self.send_message({"type": "complete", "id": operation_id})
        except asyncio.CancelledError:  # stopped by the client, or the socket ended
            await self.send_message({"type": "complete", "id": operation_id})
        except Exception as exc:
            self.failed(exc, "running an operation")
            await self.send_error(operation_id, INTERNAL_ERROR)
        finally:
            self.subscriptions.pop(operation_id, None)
            self.tasks.pop(operation_id, None)
