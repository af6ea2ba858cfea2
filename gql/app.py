"""The ASGI app: /graphql, /healthz and /readyz over one store built at start-up."""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from importlib import resources
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.websockets import WebSocket

from gql.config import Settings
from gql.datafile import parse_readings
from gql.documents import Documents, PersistedQueries, load_trusted_documents
from gql.errors import GqlError
from gql.graphiql import ASSETS_PATH, GraphiQLPage, assets
from gql.http import AuthMiddleware, BodyLimitMiddleware, authenticator_for
from gql.schema import Context, Cursors, Services, build_schema
from gql.store.client import make_client
from gql.store.embedded import Embedded, start_embedded
from gql.store.readings import ReadingStore
from gql.view import GraphQLView

log = logging.getLogger("gql.app")


def sample_readings() -> str:
    return resources.files("gql").joinpath("data/sample.json").read_text(encoding="utf-8")


@dataclass
class Backend:
    store: ReadingStore
    embedded: Embedded | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> Backend:
        if settings.backend == "embedded":
            embedded = start_embedded(settings)
            store = ReadingStore(
                embedded.client,
                settings.table,
                lock=embedded.lock,
                read_budget=settings.read_budget,
            )
            store.batch_put(parse_readings(sample_readings(), source="sample data"))
            return cls(store, embedded)
        client = make_client(settings)
        return cls(ReadingStore(client, settings.table, read_budget=settings.read_budget))

    def close(self) -> None:
        if self.embedded is not None:
            self.embedded.close()


class GraphQLApp(GraphQLView):
    def __init__(self, services: Services, settings: Settings) -> None:
        super().__init__(
            build_schema(settings),
            graphql_ide=None if settings.production else "graphiql",
            allow_queries_via_get=True,
        )
        self.services = services
        # Built here, at start-up, so that a bad JWKS file stops the server before it serves.
        self.authenticator = authenticator_for(settings)
        self.documents = documents_for(settings)
        self.persisted_cache_control = persisted_cache_control(settings)
        # GraphiQL with its assets served by this app (gql/graphiql.py), not from a CDN.
        self.graphiql = None if settings.production else GraphiQLPage()

    async def render_graphql_ide(self, request: Request) -> Response:
        if self.graphiql is None:  # not reached: strawberry answers 404 when graphql_ide is None
            return Response(status_code=404)
        return HTMLResponse(self.graphiql.render_for(request))

    async def get_context(self, request: Request | WebSocket, response: Any) -> Context:
        return Context(self.services, request=request, response=response)


def documents_for(settings: Settings) -> Documents:
    trusted = settings.trusted_documents
    return Documents(
        PersistedQueries(settings.persisted_queries_cache_size),
        load_trusted_documents(trusted) if trusted else None,
    )


def persisted_cache_control(settings: Settings) -> str | None:
    """A query named by hash over GET has a stable URL: a CDN may keep its answer, but only
    a private cache may when the answer depends on who asks."""
    if not settings.persisted_query_max_age:
        return None
    audience = "private" if settings.auth_required else "public"
    return f"{audience}, max-age={settings.persisted_query_max_age}"


def create_app(
    settings: Settings | None = None,
    store: ReadingStore | None = None,
    *,
    clock: Callable[[], float] = time.time,
) -> Starlette:
    """The app; without a store, one is built from the settings when the app starts.

    `clock` is what cursors read for their expiry (tests pass their own).
    """
    settings = settings or Settings.from_env()
    executor = ThreadPoolExecutor(max_workers=settings.max_workers, thread_name_prefix="store")
    services = Services(
        store=store,  # type: ignore[arg-type]  # set in lifespan when None
        cursors=Cursors.from_settings(settings, clock=clock),
        executor=executor,
        request_timeout=settings.request_timeout,
        read_budget=settings.read_budget,
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        backend = None
        if services.store is None:
            backend = Backend.from_settings(settings)
            services.store = backend.store
        try:
            yield
        finally:
            executor.shutdown(wait=False, cancel_futures=True)
            if backend is not None:
                backend.close()

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(request: Request) -> Response:
        context = Context(services)
        try:
            await context.run(services.store.db.call, "describe_table", TableName=settings.table)
        except GqlError as exc:
            return JSONResponse({"status": "unavailable", "reason": exc.message}, status_code=503)
        return JSONResponse({"status": "ready", "table": settings.table})

    graphql = GraphQLApp(services, settings)
    middleware = [
        Middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes, paths=("/graphql",)),
        Middleware(
            AuthMiddleware,
            authenticator=graphql.authenticator,
            paths=("/graphql",),
            open_paths=(ASSETS_PATH,),
        ),
    ]
    if settings.cors_origins:
        middleware.insert(
            0,
            Middleware(
                CORSMiddleware,
                allow_origins=list(settings.cors_origins),
                allow_methods=["GET", "POST"],
                allow_headers=["content-type", "x-api-key", "authorization"],
                allow_credentials=False,
            ),
        )
    routes: list[BaseRoute] = [
        Route("/graphql", graphql, methods=["GET", "POST"]),
        Route("/healthz", healthz),
        Route("/readyz", readyz),
    ]
    if graphql.graphiql is not None:  # GraphiQL's scripts and styles; off in production
        routes.append(assets())
    return Starlette(
        routes=routes,
        middleware=middleware,
        lifespan=lifespan,
    )
