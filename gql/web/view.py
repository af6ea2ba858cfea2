"""The GraphQL HTTP endpoint, following the GraphQL-over-HTTP spec.

- `application/graphql-response+json` is answered when the client accepts it; a request
  error (the document does not parse or validate) then gets 400 and no `data` entry.
  Clients that accept only `application/json` get 200, as legacy clients expect.
- POST bodies must be `application/json`: anything else gets 415. This also refuses the
  form and text/plain posts a browser sends cross-site without a preflight (CSRF).
- A mutation over GET gets 405, so links and prefetchers cannot write.
- Transport-level refusals are GraphQL-shaped JSON with `extensions.code`, like every other
  error, instead of plain text.

A query whose text has run before is answered by the query lane, past Strawberry's request path
(gql/web/lane.py says which requests it is offered, gql/schema/lane.py runs them), with the
same answer, status, headers, log line, metrics and span.

The same path serves GraphQL over WebSocket (subscriptions); its parts are in gql/web/sockets.py.
- The document may be named by hash (persisted queries) or restricted to a list (trusted
  documents): gql/access/documents.py decides which runs. `PersistedQueryNotFound` is answered with
  200, as Apollo's clients expect before they resend the full text.
"""

from __future__ import annotations

import contextlib
import time
from typing import Any

import orjson
from cross_web import AsyncHTTPRequestAdapter, HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketDisconnect
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLHTTPResponse, process_result
from strawberry.types import ExecutionResult
from strawberry.types.unset import UNSET, UnsetType

from gql.access import Authenticator, Documents
from gql.errors import (
    BackendUnavailableError,
    GqlError,
    PersistedQueryNotFoundError,
    UnauthenticatedError,
)
from gql.observe import current
from gql.schema import Context, QueryLane
from gql.web.http import error_body
from gql.web.jsonbody import decode, unstorable_number
from gql.web.lane import JSON, mime_type, offer_of
from gql.web.legacyws import LegacyWSHandler
from gql.web.slots import SocketLimit
from gql.web.sockets import ADAPTER, SLOT, TRY_AGAIN_LATER, SocketAdapter, log
from gql.web.transportws import TransportWSHandler

GRAPHQL_RESPONSE = "application/graphql-response+json"


def _media_type(request: Request) -> str:
    accept = request.headers.get("accept", "")
    return GRAPHQL_RESPONSE if GRAPHQL_RESPONSE in accept else JSON


class GraphQLView(GraphQL[Context, None]):
    websocket_adapter_class = SocketAdapter
    graphql_transport_ws_handler_class = TransportWSHandler
    graphql_ws_handler_class = LegacyWSHandler
    # Set per app from the settings (gql/web/app.py).
    authenticator = Authenticator()
    ping_seconds = 15.0
    sockets = SocketLimit(1000)
    send_buffer_bytes = 256 * 1024
    send_timeout = 10.0
    # Which document runs (persisted queries, trusted documents); None: the query as sent.
    documents: Documents | None = None
    # Cache-Control of a successful query named by hash over GET; None: no header.
    persisted_cache_control: str | None = None
    # Queries whose text has run before, past Strawberry's request path; None: always its way.
    query_lane: QueryLane | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            await self._serve_socket(scope, receive, send)
            return
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope=scope, receive=receive)
        try:
            response = await self._lane(request) or await self.run(request)
        except HTTPException as exc:
            response = self._refusal(request, exc.status_code, exc.reason)
        except GqlError as exc:  # from documents.resolve: the operation never ran
            _record_codes([exc.code])
            status = 200 if isinstance(exc, PersistedQueryNotFoundError) else 400
            body = error_body(exc.message, exc.code)
            response = Response(body, status_code=status, media_type=_media_type(request))
        await response(scope, receive, send)

    async def _lane(self, request: Request) -> Response | None:
        """The answer of a query the lane runs (gql/schema/lane.py); None: Strawberry's way.

        What it is offered: gql/web/lane.py. The document is resolved as Strawberry's way
        resolves it (persisted queries, trusted documents); a request that would be refused
        there goes that way and is refused there.
        """
        lane = self.query_lane
        if lane is None or self._get_stream_transport_from_headers(request.headers) is not None:
            return None
        offer = await offer_of(request, self.decode_json)
        if offer is None:
            return None
        text = offer.query
        if self.documents is not None:
            try:
                text = self.documents.resolve(offer.query, offer.extensions)
            except GqlError:
                return None
        if text is None:
            return None
        prepared = lane.prepare(text, offer.operation_name, request.scope.get("auth"))
        if prepared is None:
            return None
        sub_response = await self.get_sub_response(request)
        context = await self.get_context(request, response=sub_response)
        result = await lane.run(prepared, context, offer.variables, offer.extensions, sub_response)
        return self.create_response(await self.process_result(request, result), sub_response)

    async def _serve_socket(self, scope: Scope, receive: Receive, send: Send) -> None:
        slot = self.sockets.admit()
        if slot is None:
            socket = WebSocket(scope, receive=receive, send=send)
            # The client may be gone already: nothing to tell, nothing to log.
            with contextlib.suppress(WebSocketDisconnect, OSError, RuntimeError):
                await socket.accept(subprotocol=await self.pick_websocket_subprotocol(socket))
                await socket.close(TRY_AGAIN_LATER, "too many open sockets; retry later")
            return
        scope[SLOT] = slot
        started = time.monotonic()
        try:
            await super().__call__(scope, receive, send)
        finally:
            slot.release()
            adapter: SocketAdapter | None = scope.get(ADAPTER)
            if adapter is not None:  # None: refused before it was accepted (origin)
                adapter.finish()
                log.info(
                    "websocket %s %s after %.1f s, %d messages sent",
                    _client(scope),
                    adapter.describe(),
                    time.monotonic() - started,
                    adapter.outbox.sent,
                )

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        """The one check of a socket's credential, on its connection_init (refused: 4403).

        The principal goes where the HTTP edge puts it (the ASGI scope's `auth`), so that the
        scope check of every operation on the socket reads it the same way.
        """
        request = context.request
        headers = request.headers if request is not None else {}
        try:
            principal = await self.authenticator.authenticate_connection_params(
                context.connection_params, headers
            )
        except (UnauthenticatedError, BackendUnavailableError) as exc:
            # BackendUnavailableError: the identity provider's keys could not be fetched.
            raise ConnectionRejectionError(
                {"message": exc.message, "extensions": {"code": exc.code}}
            ) from None
        if request is not None:
            request.scope["auth"] = principal
        accepted: UnsetType = UNSET  # connection_ack without a payload
        return accepted

    def _refusal(self, request: Request, status: int, reason: str) -> Response:
        headers = {}
        if "mutations are not allowed" in reason:
            status, reason = 405, "mutations must be sent with POST"
            headers["allow"] = "POST"
        _record_codes(["BAD_USER_INPUT"])
        return Response(
            error_body(reason, "BAD_USER_INPUT"),
            status_code=status,
            media_type=_media_type(request),
            headers=headers,
        )

    async def get_sub_response(self, request: Request | Any) -> Response:
        sub_response = await super().get_sub_response(request)
        # Remembered here because create_response is not given the request.
        sub_response.media_type = _media_type(request)
        params = request.query_params
        if self.persisted_cache_control and "extensions" in params and "query" not in params:
            # Kept by create_response only when the answer has no error.
            sub_response.headers["cache-control"] = self.persisted_cache_control
        return sub_response

    def should_render_graphql_ide(self, request: Any) -> bool:
        # A GET with a hash and no query is a persisted query, whatever it accepts.
        params = request.query_params
        return "extensions" not in params and super().should_render_graphql_ide(request)

    async def parse_http_body(self, request: AsyncHTTPRequestAdapter) -> Any:
        if request.method == "POST":
            content_type = mime_type(request.content_type or "")
            if content_type != JSON:
                raise HTTPException(
                    415, f"POST bodies must be {JSON}, got {content_type or 'no content type'}"
                )
        data = await super().parse_http_body(request)
        if self.documents is not None:
            for item in data if isinstance(data, list) else [data]:
                item.query = self.documents.resolve(item.query, item.extensions)
        return data

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        response = process_result(result)
        errors: list[dict[str, Any]] = list(response.get("errors") or [])  # type: ignore[arg-type]
        for error in errors:
            # Parse errors never reach the schema's extensions: they get their code here.
            error.setdefault("extensions", {}).setdefault("code", "BAD_USER_INPUT")
        if errors:
            _record_codes([str(e["extensions"]["code"]) for e in errors])
        if result.data is None and errors and all("path" not in e for e in errors):
            # A request error: the operation never ran, so the spec says there is no data.
            response.pop("data", None)
        return response

    def create_response(
        self,
        response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse],
        sub_response: Response,
    ) -> Response:
        media_type = sub_response.media_type or JSON
        status = sub_response.status_code or 200
        request_error = isinstance(response_data, dict) and "data" not in response_data
        if media_type == GRAPHQL_RESPONSE and request_error and status == 200:
            status = 400
        if "cache-control" in sub_response.headers and (
            status != 200 or _has_errors(response_data)
        ):
            del sub_response.headers["cache-control"]
        response = Response(self.encode_json(response_data), status, media_type=media_type)
        response.headers.raw.extend(sub_response.headers.raw)
        return response

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)

    def decode_json(self, data: str | bytes) -> object:
        # Numbers are checked as text: once parsed into a double, a 39-digit value or 1e400
        # can no longer be told apart from a storable one.
        text = data.decode() if isinstance(data, bytes) else data
        body = decode(text)
        if isinstance(body, dict):
            problem = unstorable_number(body.get("variables"))
            if problem is not None:
                raise HTTPException(400, problem)
        return body


def _client(scope: Scope) -> str:
    client = scope.get("client")
    return f"{client[0]}:{client[1]}" if client else "-"


def _has_errors(response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse]) -> bool:
    items = response_data if isinstance(response_data, list) else [response_data]
    return any(item.get("errors") for item in items)


def _record_codes(codes: list[str]) -> None:
    """For the request's metrics and log line (gql.observe.telemetry)."""
    record = current.get()
    if record is not None:
        record.codes.extend(codes)
