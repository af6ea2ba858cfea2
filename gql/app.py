"""The ASGI app: /graphql, /healthz and /readyz over one store built at start-up."""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
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
from gql.errors import GqlError
from gql.graphiql import ASSETS_PATH, GraphiQLPage, assets
from gql.http import ApiKeyMiddleware, BodyLimitMiddleware
from gql.metrics import Metrics
from gql.schema import Context, Cursors, Services, build_schema
from gql.shutdown import Drain
from gql.store.client import make_client
from gql.store.embedded import Embedded, start_embedded
from gql.store.readings import ReadingStore
from gql.telemetry import TelemetryMiddleware, store_observer
from gql.tracing import Tracing, configure
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
        # GraphiQL with its assets served by this app (gql/graphiql.py), not from a CDN.
        self.graphiql = None if settings.production else GraphiQLPage()

    async def render_graphql_ide(self, request: Request) -> Response:
        if self.graphiql is None:  # not reached: strawberry answers 404 when graphql_ide is None
            return Response(status_code=404)
        return HTMLResponse(self.graphiql.render_for(request))

    async def get_context(self, request: Request | WebSocket, response: Any) -> Context:
        return Context(self.services, request=request, response=response)


def create_app(
    settings: Settings | None = None,
    store: ReadingStore | None = None,
    *,
    clock: Callable[[], float] = time.time,
    tracing: Tracing | None = None,
) -> Starlette:
    """The app; without a store, one is built from the settings when the app starts.

    `clock` is what cursors read for their expiry (tests pass their own); `tracing` makes
    the spans (by default, as the OTEL_* environment says: gql/tracing.py).
    """
    settings = settings or Settings.from_env()
    metrics = (
        Metrics(multiprocess_dir=settings.metrics_multiprocess_dir) if settings.metrics else None
    )
    tracing = tracing or configure(settings.trace_exporters)
    observer = store_observer(metrics)
    drain = Drain()
    executor = ThreadPoolExecutor(max_workers=settings.max_workers, thread_name_prefix="store")
    services = Services(
        store=store,  # type: ignore[arg-type]  # set in lifespan when None
        cursors=Cursors.from_settings(settings, clock=clock),
        executor=executor,
        request_timeout=settings.request_timeout,
        read_budget=settings.read_budget,
        metrics=metrics,
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        backend = None
        if services.store is None:
            backend = Backend.from_settings(settings)
            services.store = backend.store
        # An injected store is observed too: its calls are this app's calls.
        services.store.db.observer = observer
        try:
            yield
        finally:
            executor.shutdown(wait=False, cancel_futures=True)
            if backend is not None:
                backend.close()
            tracing.shutdown()
            if metrics is not None:
                metrics.close()

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(request: Request) -> Response:
        if drain.draining:  # first thing on SIGTERM, so load balancers stop sending here
            return JSONResponse({"status": "draining"}, status_code=503)
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
            ApiKeyMiddleware,
            keys=settings.api_keys,
            paths=("/graphql",),
            open_paths=(ASSETS_PATH,),
        ),
    ]
    middleware.insert(
        0,
        Middleware(
            TelemetryMiddleware,
            metrics=metrics,
            tracing=tracing,
            request_log=settings.request_log,
            paths=("/graphql",),
        ),
    )
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
    if metrics is not None:
        routes.append(Route("/metrics", _metrics_endpoint(metrics)))
    app = Starlette(
        routes=routes,
        middleware=middleware,
        lifespan=lifespan,
    )
    # For gql/server.py (SIGTERM) and for what needs ending first, e.g. subscriptions.
    app.state.drain = drain
    app.state.metrics = metrics
    return app


def _metrics_endpoint(metrics: Metrics) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        # No credential: scrapers sit inside the network (GQL_METRICS=false removes the route).
        body, content_type = metrics.render()
        return Response(body, media_type=content_type)

    return endpoint
