"""The ASGI app: /graphql, /healthz and /readyz over one store built at start-up."""

from __future__ import annotations

import contextlib
import gc
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.websockets import WebSocket

from gql.access import Documents, PersistedQueries, load_trusted_documents
from gql.config import Settings
from gql.derive import InProcess
from gql.errors import GqlError
from gql.live import Hub
from gql.observe import Metrics, TelemetryMiddleware, Tracing, configure, store_observer
from gql.schema import Context, Cursors, QueryLane, Services, build_schema
from gql.store import HistoryTable, ReadingStore
from gql.web.backend import Backend, hub_for
from gql.web.fanout import Shared
from gql.web.graphiql import ASSETS_PATH, GraphiQLPage, assets
from gql.web.http import AuthMiddleware, BodyLimitMiddleware, authenticator_for
from gql.web.shutdown import Drain
from gql.web.slots import SocketLimit
from gql.web.view import GraphQLView

log = logging.getLogger("gql.app")


class GraphQLApp(GraphQLView):
    def __init__(self, services: Services, settings: Settings) -> None:
        schema = build_schema(settings)
        super().__init__(
            schema,
            graphql_ide=None if settings.production else "graphiql",
            allow_queries_via_get=True,
            # WebSocket: legacy graphql-ws keep-alive ("ka"); graphql-transport-ws pings.
            keep_alive=True,
            keep_alive_interval=settings.ws_ping_seconds,
            connection_init_wait_timeout=timedelta(seconds=settings.ws_init_timeout),
            max_subscriptions_per_connection=settings.max_subscriptions_per_connection,
            allowed_origins=settings.cors_origins,
        )
        self.services = services
        # Subscriptions of one document, variables and scopes run once (gql/web/fanout.py).
        assert services.hub is not None
        self.shared = Shared(settings.subscription_buffer, services.hub.tally)
        self.ping_seconds = settings.ws_ping_seconds
        self.sockets = SocketLimit(settings.max_sockets, settings.pending_sockets)
        self.send_buffer_bytes = settings.ws_send_buffer_bytes
        self.send_timeout = settings.ws_send_timeout
        # Built here, at start-up, so that a bad JWKS file stops the server before it serves.
        self.authenticator = authenticator_for(settings)
        self.documents = documents_for(settings)
        self.query_lane = QueryLane(schema, scopes=settings.auth_required)
        self.persisted_cache_control = persisted_cache_control(settings)
        # GraphiQL with its assets served by this app (gql/web/graphiql.py), not from a CDN.
        self.graphiql = None if settings.production else GraphiQLPage()

    async def render_graphql_ide(self, request: Request) -> Response:
        if self.graphiql is None:  # not reached: strawberry answers 404 when graphql_ide is None
            return Response(status_code=404)
        return HTMLResponse(self.graphiql.render_for(request))

    async def get_context(self, request: Request | WebSocket, response: Any) -> Context:
        if isinstance(request, WebSocket):  # one context for the socket's whole life
            return Context(self.services, request=request, socket=True)
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
    hub: Hub | None = None,
    tracing: Tracing | None = None,
    derive: bool = False,
    freeze_heap: bool = False,
) -> Starlette:
    """The app; without a store, one is built from the settings when the app starts.

    `clock` is what cursors read for their expiry (tests pass their own). `hub` serves live
    changes; without one, the backend built from the settings feeds a new one (a store passed
    in feeds none: pass a hub fed by it, see gql/store/embedded.py). It is `app.state.hub`.
    `tracing` makes the spans (by default, as the OTEL_* environment says: gql/observe/tracing.py).
    `derive` runs the consumer in this process (`gql serve --derive`; the embedded backend
    always derives). `freeze_heap`: see `freeze_startup_heap` (`gql serve` asks for it).
    """
    settings = settings or Settings.from_env()
    hub = hub or hub_for(settings)
    metrics = (
        Metrics(multiprocess_dir=settings.metrics_multiprocess_dir) if settings.metrics else None
    )
    tracing = tracing or configure(settings.trace_exporters)
    observer = store_observer(metrics)
    drain = Drain()
    # Open subscriptions complete while their clients are still connected (gql/web/server.py).
    drain.on_drain(hub.shutdown)
    executor = ThreadPoolExecutor(max_workers=settings.max_workers, thread_name_prefix="store")
    services = Services(
        store=store,  # type: ignore[arg-type]  # set in lifespan when None
        cursors=Cursors.from_settings(settings, clock=clock),
        executor=executor,
        request_timeout=settings.request_timeout,
        read_budget=settings.read_budget,
        hub=hub,
        history_read_budget=settings.history_read_budget,
        series_max_buckets=settings.series_max_buckets,
        history_stale_seconds=settings.history_stale_seconds,
        metrics=metrics,
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        backend = None
        if services.store is None:
            on_relayed = metrics.record_relayed if metrics is not None else None
            backend = Backend.from_settings(settings, hub, derive=derive, on_relayed=on_relayed)
            services.store = backend.store
        # An injected store is observed too: its calls are this app's calls.
        services.store.db.observer = observer
        services.history = HistoryTable(services.store.db.sibling(settings.history_name))
        if backend is not None and isinstance(backend.deriving, InProcess):
            services.history.settle = backend.deriving.settle
        if freeze_heap:
            freeze_startup_heap()
        try:
            yield
        finally:
            await hub.shutdown()  # done already when the server's shutdown hook ran
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
    if metrics is not None and settings.metrics_multiprocess_dir is None:
        # The sockets' subscriptions, not the hub's: those that share one are one there.
        metrics.count_subscriptions(lambda: graphql.shared.members)
    middleware = [
        Middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes, paths=("/graphql",)),
        Middleware(
            AuthMiddleware,
            authenticator=graphql.authenticator,
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
        WebSocketRoute("/graphql", graphql),
        Route("/healthz", healthz),
        Route("/readyz", readyz),
    ]
    if graphql.graphiql is not None:  # GraphiQL's scripts and styles; off in production
        routes.append(assets())
    if metrics is not None:
        routes.append(Route("/metrics", _metrics_endpoint(metrics, hub)))
    app = Starlette(
        routes=routes,
        middleware=middleware,
        lifespan=lifespan,
    )
    # For gql/web/server.py (SIGTERM) and for what needs ending first, e.g. subscriptions.
    app.state.hub = hub
    app.state.drain = drain
    app.state.metrics = metrics
    return app


def freeze_startup_heap() -> None:
    """Keep what start-up built (modules, botocore's models, the schema) out of the garbage
    collector's full collections: it lives as long as the process anyway.

    Each full collection walked all of it: about 70 ms, every 1,500 requests or so, paid by
    the requests in flight (15-40 us a request on average, measured in-process with
    `gc.callbacks`); after `gc.freeze()`, under 1 ms. Not for tests, which build many apps in
    one process: what is frozen is never collected.
    """
    gc.collect()
    gc.freeze()


def _metrics_endpoint(metrics: Metrics, hub: Hub) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        # No credential: scrapers sit inside the network (GQL_METRICS=false removes the route).
        # Live changes are counted in plain integers (per change and subscriber: a counter's
        # lock would cost more than the rest), and taken into the counters here.
        metrics.record_live(hub.tally.delivered, hub.tally.dropped)
        body, content_type = metrics.render()
        return Response(body, media_type=content_type)

    return endpoint
