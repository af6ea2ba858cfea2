"""`gql serve`: uvicorn over create_app, with one clear line about where the data lives."""

from __future__ import annotations

import dataclasses
import logging
import socket
from collections.abc import Awaitable, Callable, Sequence

import uvicorn

from gql.app import create_app
from gql.config import Settings

log = logging.getLogger("gql")


def describe_backend(settings: Settings) -> str:
    if settings.backend == "embedded":
        return (
            "gql: serving the EMBEDDED in-memory DynamoDB (moto), seeded with the tutorial's 6 "
            "sample readings; all data is lost at exit. To use DynamoDB Local, set "
            "AWS_ENDPOINT_URL_DYNAMODB=http://localhost:8000; for AWS, use --backend aws "
            "(or GQL_BACKEND=aws) with your usual AWS credentials."
        )
    where = settings.endpoint_url or f"AWS DynamoDB in {settings.region}"
    return f"gql: serving table {settings.table} from {where}"


def serve(
    settings: Settings,
    *,
    host: str = "127.0.0.1",
    port: int = 8080,
    backend: str | None = None,
) -> int:
    if backend is not None:
        settings = dataclasses.replace(settings, backend=backend)  # type: ignore[arg-type]
    print(describe_backend(settings), flush=True)
    print(f"gql: GraphQL at http://{host}:{port}/graphql", flush=True)
    app = create_app(settings)
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="info",
        access_log=False,
        proxy_headers=False,
        server_header=False,
        timeout_graceful_shutdown=5,
        # A WebSocket message is a GraphQL request too: the same limit as an HTTP body.
        ws_max_size=settings.max_body_bytes,
    )
    hub = getattr(app.state, "hub", None)  # an app without live changes has none
    LiveServer(config, before_shutdown=[hub.shutdown] if hub is not None else []).run()
    return 0


class LiveServer(uvicorn.Server):
    """uvicorn, completing live subscriptions before it closes connections.

    uvicorn's shutdown closes every WebSocket with 1012 at once; the hooks (the hub's
    shutdown) run first, so subscribers get their `complete` and then a clean close.
    """

    def __init__(
        self, config: uvicorn.Config, *, before_shutdown: Sequence[Callable[[], Awaitable[None]]]
    ) -> None:
        super().__init__(config)
        self.before_shutdown = list(before_shutdown)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        for hook in self.before_shutdown:
            await hook()
        await super().shutdown(sockets)
