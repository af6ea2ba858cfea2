"""The edge of every GraphQL request: its id, its metrics, its log line and its span.

An ASGI middleware, outermost, rather than a view method or a schema extension alone: it
is the one place every request to /graphql passes, including those refused before
GraphQL runs (413 body too large, 401 without a credential, 415), so each is counted,
timed and logged once. What only the parsed document knows (operation type and name)
comes from the schema (gql.schema.observed), and the error codes from the view; both write
into the request's record, found through `gql.observe.requestlog.current`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gql.observe.metrics import Metrics
from gql.observe.requestlog import RequestRecord, current, emit, request_id_from
from gql.observe.tracing import Tracing
from gql.store import CallRecord, Observer


class TelemetryMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        metrics: Metrics | None,
        tracing: Tracing,
        request_log: bool,
        paths: Iterable[str],
    ) -> None:
        self.app = app
        self.metrics = metrics
        self.tracing = tracing
        self.request_log = request_log
        self.paths = tuple(paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not _is_graphql_request(scope, self.paths):
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        record = RequestRecord(
            request_id_from(headers.get("x-request-id")), scope["method"], scope["path"]
        )
        if self.tracing.enabled:
            record.trace = self.tracing.start_request(scope["method"], scope["path"], headers)
        refusal: list[bytes] = []

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                record.status = message["status"]
                raw = [*message.get("headers", ()), (b"x-request-id", record.request_id.encode())]
                message = {**message, "headers": raw}
                if record.status >= 400 and not record.codes:
                    refusal.append(b"")  # refused before GraphQL ran: read the code from the body
            elif refusal and message["type"] == "http.response.body":
                refusal.append(message.get("body", b""))
            await send(message)

        token = current.set(record)
        try:
            await self.app(scope, receive, send_with_id)
        except BaseException:
            record.status = record.status or 500
            record.codes = record.codes or ["INTERNAL_SERVER_ERROR"]
            raise
        finally:
            current.reset(token)
            record.seconds = time.perf_counter() - started
            if refusal and not record.codes:
                record.codes = _codes_in(b"".join(refusal))
            self._finish(record)

    def _finish(self, record: RequestRecord) -> None:
        if self.metrics is not None:
            self.metrics.record_request(
                record.operation_type, record.outcome, record.seconds, record.codes
            )
            if record.status == 413:
                self.metrics.record_body_refusal()
        if self.request_log:
            emit(record)
        if record.trace is not None:
            record.trace.end(record.status, record.outcome, record.codes)


def _is_graphql_request(scope: Scope, paths: tuple[str, ...]) -> bool:
    """A POST, or a GET that carries a query or extensions (persisted queries) to `paths`.

    Not the GraphiQL page, its assets, or CORS preflights: they would swamp the figures.
    """
    if scope["type"] != "http" or scope["path"] not in paths:
        return False
    if scope["method"] == "POST":
        return True
    query_string: bytes = scope.get("query_string", b"")
    return scope["method"] == "GET" and (
        b"query=" in query_string or b"extensions=" in query_string
    )


def _codes_in(body: bytes) -> list[str]:
    """The extensions.code of each error in a refusal's body (gql.web.http.error_body)."""
    try:
        errors = json.loads(body).get("errors", [])
        return [str(e["extensions"]["code"]) for e in errors if "code" in e.get("extensions", {})]
    except (ValueError, AttributeError, TypeError, KeyError):
        return []


def store_observer(metrics: Metrics | None) -> Observer:
    """What the store tells about each DynamoDB call goes to the metrics, and to the record
    and trace of the request that made it (none for /readyz and start-up)."""

    def observe(call: CallRecord) -> None:
        if metrics is not None:
            metrics.record_dynamodb(call)
        record = current.get()
        if record is not None:
            record.add_call(call.seconds, call.consumed)
            if record.trace is not None:
                record.trace.dynamodb(call)

    return observe
