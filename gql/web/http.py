"""HTTP-level guards that run before GraphQL sees a request: body size and credentials."""

from __future__ import annotations

import json
import ssl
from collections.abc import Iterable
from urllib.parse import parse_qs

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gql.access import (
    Authenticator,
    FileKeys,
    KeySource,
    TokenPolicy,
    TokenVerifier,
    UrlKeys,
    parse_api_keys,
)
from gql.config import Settings
from gql.errors import BackendUnavailableError, UnauthenticatedError


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


class AuthMiddleware:
    """Authenticates every GraphQL request at the edge and puts the Principal in the scope.

    A request without a valid credential, where one is required, never reaches GraphQL: 401
    UNAUTHENTICATED with WWW-Authenticate. The scope an operation needs is only known once its
    document is parsed, so that check is the schema's (`ScopeCheck`), which reads
    `scope["auth"]` (Starlette's place for it: `request.auth`). WebSockets pass through: their
    credential comes in connection_init, which the view's `on_ws_connect` checks.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        authenticator: Authenticator,
        paths: Iterable[str],
        open_paths: Iterable[str] = (),
    ) -> None:
        self.app = app
        self.authenticator = authenticator
        self.paths = tuple(paths)
        self.open_paths = tuple(open_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope.get("method") == "OPTIONS"
            or not scope["path"].startswith(self.paths)
            or scope["path"].startswith(self.open_paths)
            or _asks_for_the_ide_page(scope)
        ):
            await self.app(scope, receive, send)
            return
        try:
            principal = await self.authenticator.authenticate(Headers(scope=scope))
        except UnauthenticatedError as exc:
            challenge = self.authenticator.challenge(
                invalid_token=_authorization(scope).startswith("bearer ")
            )
            await send_error(send, 401, exc.message, exc.code, www_authenticate=challenge)
            return
        except BackendUnavailableError as exc:
            await send_error(send, 503, exc.message, exc.code, retry_after="5")
            return
        scope["auth"] = principal
        await self.app(scope, receive, send)


def authenticator_for(settings: Settings) -> Authenticator:
    """The Authenticator the settings describe; a JWKS file is read here, at start-up."""
    tokens = None
    if settings.jwt_enabled:
        assert settings.jwt_issuer is not None
        keys: KeySource
        if settings.jwt_jwks_file is not None:
            keys = FileKeys(settings.jwt_jwks_file)
        else:
            assert settings.jwt_jwks_url is not None
            keys = UrlKeys(
                settings.jwt_jwks_url,
                ssl_context=ssl.create_default_context(cafile=settings.jwt_jwks_ca_file),
                cache_seconds=settings.jwt_jwks_cache_seconds,
                cooldown_seconds=settings.jwt_jwks_cooldown_seconds,
            )
        policy = TokenPolicy(
            settings.jwt_issuer,
            frozenset(settings.jwt_audiences),
            settings.jwt_leeway_seconds,
            settings.jwt_scope_prefix,
        )
        tokens = TokenVerifier(keys, policy)
    return Authenticator(parse_api_keys(settings.api_keys), tokens)


def _authorization(scope: Scope) -> str:
    value: bytes = dict(scope["headers"]).get(b"authorization", b"")
    return value.decode("latin-1").lower()


def _asks_for_the_ide_page(scope: Scope) -> bool:
    # GraphiQL's page holds no data, and a browser cannot send a credential to load it; the
    # queries it then sends carry one from GraphiQL's headers editor. A GET that carries a
    # document or extensions (a persisted query by hash) is a GraphQL request, whatever it
    # accepts, and needs a credential like any other.
    if scope.get("method") != "GET":
        return False
    params = parse_qs(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
    if "query" in params or "extensions" in params:
        return False
    accept = dict(scope["headers"]).get(b"accept", b"")
    return b"text/html" in accept
