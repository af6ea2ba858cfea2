"""HTTP-level guards that run before GraphQL sees a request: body size and API keys."""

from __future__ import annotations

import hmac
import json
from collections.abc import Iterable

from starlette.types import ASGIApp, Message, Receive, Scope, Send


def error_body(message: str, code: str) -> bytes:
    """A GraphQL-shaped error document, so clients parse every refusal the same way."""
    return json.dumps({"errors": [{"message": message, "extensions": {"code": code}}]}).encode()


async def send_error(send: Send, status: int, message: str, code: str, **headers: str) -> None:
    body = error_body(message, code)
    raw_headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        *((k.replace("_", "-").encode(), v.encode()) for k, v in headers.items()),
    ]
    await send({"type": "http.response.start", "status": status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": body})


class BodyTooLargeError(Exception):
    pass


class BodyLimitMiddleware:
    """413 for a body over `max_bytes`: from Content-Length before reading, else while reading."""

    def __init__(self, app: ASGIApp, *, max_bytes: int, paths: Iterable[str]) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.paths = tuple(paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.paths):
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await self._refuse(send)
            return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLargeError
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLargeError:
            if not started:
                await self._refuse(send)

    async def _refuse(self, send: Send) -> None:
        await send_error(
            send, 413, f"request body is larger than {self.max_bytes} bytes", "BAD_USER_INPUT"
        )


class ApiKeyMiddleware:
    """When keys are configured, `x-api-key` must match one of them (compared in constant time)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        keys: Iterable[str],
        paths: Iterable[str],
        open_paths: Iterable[str] = (),
    ) -> None:
        self.app = app
        self.keys = [key.encode() for key in keys]
        self.paths = tuple(paths)
        self.open_paths = tuple(open_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            not self.keys
            or scope["type"] != "http"
            or scope.get("method") == "OPTIONS"
            or not scope["path"].startswith(self.paths)
            or scope["path"].startswith(self.open_paths)
            or _asks_for_the_ide_page(scope)
        ):
            await self.app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(b"x-api-key", b"")
        # Compare against every key, so the time taken does not tell which one nearly matched.
        matches = [hmac.compare_digest(given, key) for key in self.keys]
        if not any(matches):
            await send_error(
                send,
                401,
                "a valid x-api-key header is required",
                "UNAUTHENTICATED",
                www_authenticate="ApiKey",
            )
            return
        await self.app(scope, receive, send)


def _asks_for_the_ide_page(scope: Scope) -> bool:
    # GraphiQL's page holds no data, and a browser cannot send x-api-key to load it; the
    # queries it then sends carry the key from GraphiQL's headers editor.
    if scope.get("method") != "GET" or b"query=" in scope.get("query_string", b""):
        return False
    accept = dict(scope["headers"]).get(b"accept", b"")
    return b"text/html" in accept
