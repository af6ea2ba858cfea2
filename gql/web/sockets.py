"""GraphQL over WebSocket at the edge: one socket's reading, writing, limits and ending.

Strawberry speaks both subprotocols (the handlers are in transportws.py and legacyws.py); what
it lacks for this server is here and there:

- text frames: the view's `encode_json` gives bytes (orjson), and Strawberry would send them
  as binary frames, which graphql-ws clients refuse ("Message is missing the 'type' property");
- every client message is checked before it is read (gql/web/protocol.py): 4400 otherwise;
- every error an operation meets is sent with `extensions.code`, as over HTTP;
- writes go through a bounded outbox (gql/web/outbox.py): a client that stops reading is
  dropped, its subscriptions ended with SLOW_CONSUMER;
- a subscription is executed once for all the sockets that share its document, variables and
  scopes (gql/web/fanout.py), and each result encoded once;
- a cap on open sockets per process, and a smaller one on sockets not yet past
  connection_init (gql/web/slots.py): beyond them a socket is closed at once with 1013
  "Try Again Later" (the code clients such as graphql-ws retry on, with back-off);
- one log line per socket when it ends (gql/web/view.py), and no tracebacks for what clients do.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncGenerator, Hashable, Mapping
from typing import Any

import orjson
from starlette.types import Message
from strawberry.asgi import ASGIWebSocketAdapter
from strawberry.http.exceptions import NonJsonMessageReceived, NonTextMessageReceived

from gql.errors import SlowConsumerError
from gql.schema import Context
from gql.web.fanout import Shared, share_key
from gql.web.jsonbody import decode, unstorable_number
from gql.web.outbox import Outbox
from gql.web.slots import Slot
from gql.web.wsprotocol import ABORT

TRY_AGAIN_LATER = 1013
INTERNAL = 1011
FORBIDDEN = 4403
INIT_TIMEOUT = 4408
TOO_MANY_INITS = 4429
# Keys of the ASGI scope: the socket's slot (set by the view), and its adapter (for the log).
SLOT = "gql.slot"
ADAPTER = "gql.socket"
INTERNAL_ERROR = {
    "message": "Internal server error.",
    "extensions": {"code": "INTERNAL_SERVER_ERROR"},
}

log = logging.getLogger("gql.websocket")


def coded(message: str, code: str = "BAD_USER_INPUT") -> dict[str, Any]:
    return {"message": message, "extensions": {"code": code}}


class SocketAdapter(ASGIWebSocketAdapter):
    """One socket as Strawberry's handlers see it: JSON in, text frames out through an outbox."""

    def __init__(self, view: Any, request: Any, response: Any) -> None:
        super().__init__(view, request, response)
        scope = response.scope
        self.outbox = Outbox(
            response,
            max_bytes=view.send_buffer_bytes,
            stall_seconds=view.send_timeout,
            abort=scope.get("extensions", {}).get(ABORT),
        )
        self.slot: Slot | None = scope.get(SLOT)
        if self.slot is not None:
            self.slot.evict = self._evict
        scope[ADAPTER] = self
        self.peer_code: int | None = None
        self.evicted = False
        self.slow_subscriptions = 0
        self._stopping: asyncio.Task[Any] | None = None
        self._evicting: asyncio.Task[None] | None = None
        if self.slot is not None and self.slot.released:  # evicted before it was accepted
            self._evict()

    async def iter_json(
        self, *, ignore_parsing_errors: bool = False
    ) -> AsyncGenerator[object, None]:
        while True:
            message = await self._receive()
            if message["type"] == "websocket.disconnect":
                self.peer_code = message.get("code")
                return
            text = message.get("text")
            if text is None:
                raise NonTextMessageReceived
            try:
                decoded = decode(text)
            except (ValueError, RecursionError) as exc:
                raise NonJsonMessageReceived from exc
            yield decoded

    async def _receive(self) -> Message:
        """The next ASGI message, or a disconnect once the outbox has given the socket up (a
        stalled peer may never send another frame)."""
        if self._stopping is None:
            self._stopping = asyncio.create_task(self.outbox.gone.wait())
        receiving: asyncio.Task[Any] = asyncio.create_task(self.ws.receive())
        await asyncio.wait((receiving, self._stopping), return_when=asyncio.FIRST_COMPLETED)
        if receiving.done():
            message: Message = receiving.result()
            return message
        receiving.cancel()
        return {"type": "websocket.disconnect", "code": self.outbox.close_code or 1006}

    async def send_json(self, message: Mapping[str, object]) -> None:
        await self.outbox.send(self.view.encode_json_string(message))

    async def close(self, code: int, reason: str) -> None:
        await self.outbox.close(code, reason)

    def acknowledged(self) -> None:
        if self.slot is not None:
            self.slot.acknowledged()

    def _evict(self) -> None:
        self.evicted = True
        reason = "too many sockets waiting for connection_init; retry later"
        self._evicting = asyncio.ensure_future(self.close(TRY_AGAIN_LATER, reason))

    def finish(self) -> None:
        """The handler is done: stop writing, free the slot."""
        self.outbox.shutdown()
        if self._stopping is not None:
            self._stopping.cancel()
        if self.slot is not None:
            self.slot.release()

    def describe(self) -> str:
        """How the socket ended, for its one log line: codes and counts, never a document."""
        box = self.outbox
        if box.stalled:
            return (
                f"aborted: the client stopped reading for {box.stall_seconds:g} s "
                f"({self.slow_subscriptions} subscriptions ended with SLOW_CONSUMER)"
            )
        if self.evicted:
            return "closed 1013: evicted while waiting for connection_init"
        if box.close_code is not None:
            return f"closed {box.close_code} by the server: {box.close_reason}"
        return f"closed {self.peer_code} by the client"


class SocketEdge:
    """What both subprotocols' handlers add to Strawberry's: refusals and SLOW_CONSUMER."""

    websocket: SocketAdapter
    context: Context
    max_subscriptions_per_connection: int | None
    view: Any
    schema: Any
    root_value: Any

    def watch_outbox(self) -> None:
        self.websocket.outbox.on_stall = self.end_subscriptions

    def end_subscriptions(self) -> None:
        """The client stopped reading: every subscription of the socket ends with SLOW_CONSUMER."""
        seconds = self.websocket.outbox.stall_seconds
        error = SlowConsumerError(
            f"the client read nothing for {seconds:g} s and its socket was dropped; reconnect, "
            "re-read with queries and subscribe again"
        )
        subscribers = list(self.context.subscribers)
        for subscriber in subscribers:
            subscriber.fail(error)
        self.websocket.slow_subscriptions = len(subscribers)

    async def send_error(self, op_id: str, payload: object) -> None:
        """An `error` message for an operation that never started."""
        await self.websocket.send_json({"type": "error", "id": op_id, "payload": payload})

    def refusal(self, payload: dict[str, Any], running: int) -> dict[str, Any] | None:
        """The coded error an operation gets instead of running, or None to run it."""
        limit = self.max_subscriptions_per_connection
        if limit is not None and running >= limit:
            # The message Strawberry gives, which clients may match; the limit beside the code.
            refused = coded("Subscription limit reached")
            refused["extensions"]["limit"] = limit
            return refused
        problem = unstorable_number(payload.get("variables"))
        return coded(problem) if problem is not None else None

    def share(self, query: str, operation_name: str | None, variables: object) -> Hashable | None:
        """The group a subscription joins (gql/web/fanout.py), or None to run it alone."""
        shared: Shared | None = getattr(self.view, "shared", None)
        scope = getattr(self.context.request, "scope", None) or {}
        principal = scope.get("auth")
        if shared is None or principal is None:
            return None
        return share_key(query, operation_name, variables, principal.scopes)

    async def stream_shared(
        self,
        key: Hashable,
        op_id: str,
        payload: dict[str, Any],
        message: str,
    ) -> list[dict[str, Any]] | None:
        """Send each result of the operation's group as a `message` (next, data) of `op_id`;
        the errors the group met before it ran, if any, are returned instead, to be sent as
        the subprotocol sends them."""
        services = self.context.services
        head = f'{{"type":"{message}","id":{orjson.dumps(op_id).decode()},"payload":'

        def start() -> Any:
            context = Context(services, request=self.context.request, socket=True, shared=True)
            return self.schema.stream(
                payload["query"],
                variable_values=payload.get("variables"),
                context_value=context,
                root_value=self.root_value,
                operation_name=payload.get("operationName"),
            )

        started, codes = time.perf_counter(), []
        try:
            async with self.view.shared.join(key, start) as member:
                outbox = self.websocket.outbox
                member.direct = lambda frame: outbox.offer(head + frame.text + "}")
                self.context.subscribers.add(member)
                try:
                    async for frame in member:
                        if frame.initial_errors is not None:
                            errors: list[dict[str, Any]] = frame.initial_errors
                            return errors
                        codes += frame.codes
                        await self.websocket.outbox.send(head + frame.text + "}")
                finally:
                    self.context.subscribers.discard(member)
        finally:
            # Counted once per subscription, when it ends, as the resolver counts its own.
            if services.metrics is not None and started:
                outcome = "error" if codes else "ok"
                services.metrics.record_request(
                    "subscription", outcome, time.perf_counter() - started, codes
                )
        return None

    def failed(self, exc: BaseException, doing: str) -> None:
        """A fault of this server, not of the client: one line, without the document (which
        a traceback's locals and messages may hold); the traceback at debug level only."""
        log.error("websocket: %s while %s", type(exc).__name__, doing)
        log.debug("websocket: %s while %s", type(exc).__name__, doing, exc_info=exc)
