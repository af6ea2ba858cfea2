"""`gql serve`: uvicorn over create_app, with one clear line about where the data lives.

On SIGTERM (`docker stop`, Kubernetes, systemd) the server drains, within
GQL_SHUTDOWN_SECONDS in all:
1. /readyz answers 503 at once (the app's Drain), while the server still accepts for
   GQL_SHUTDOWN_DELAY_SECONDS (0 by default), so load balancers that poll readiness stop
   sending here before connections are refused;
2. the app's drain callbacks run (open subscriptions are completed) while clients are
   still connected;
3. uvicorn stops accepting (new connections are refused), lets requests in flight finish
   for what is left of the bound, and runs the lifespan's shutdown;
4. the process exits 0: a shutdown asked for and done cleanly is a success.
With several workers each worker process does the same (the supervisor forwards SIGTERM).
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from types import FrameType
from typing import Any

import uvicorn
from uvicorn.config import LOGGING_CONFIG

from gql.config import Settings
from gql.errors import ConfigError
from gql.web import affinity
from gql.web.app import create_app
from gql.web.shutdown import Drain

log = logging.getLogger("gql")
# An import string, so that each worker process of `--workers N` loads it too.
WS_PROTOCOL = "gql.web.wsprotocol:AbortingWebSocketProtocol"
# What the lifespan's shutdown (executor, backend, exporting spans) is left after the drain.
LIFESPAN_MARGIN = 0.5


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


def describe_history(settings: Settings, *, derive: bool) -> str:
    if settings.backend == "embedded" or derive:
        return f"gql: deriving the history ({settings.history_name}) in this process"
    return (
        f"gql: devices, stats and series read the history in {settings.history_name}, kept by "
        "`gql derive` (or `gql serve --derive`, or the Lambda handler)"
    )


def log_config(settings: Settings) -> dict[str, Any]:
    """uvicorn's logging, plus the `gql` loggers (the request log), in GQL_LOG_FORMAT."""
    config = copy.deepcopy(LOGGING_CONFIG)
    formatter = "gql.observe.requestlog.JsonFormatter" if settings.log_format == "json" else None
    config["formatters"]["gql"] = {"()": formatter or "gql.observe.requestlog.TextFormatter"}
    if formatter is not None:  # one format for every line, uvicorn's own included
        config["formatters"]["default"] = config["formatters"]["access"] = {"()": formatter}
    # Written by a thread of its own, so that the event loop makes no system call per request.
    config["handlers"]["gql"] = {
        "()": "gql.observe.loglines.QueuedLines",
        "formatter": "gql",
        "stream": "ext://sys.stderr",
    }
    config["loggers"]["gql"] = {"handlers": ["gql"], "level": "INFO", "propagate": False}
    # websockets' "connection open" per socket (gql/web/wsprotocol.py): the socket's one line
    # comes when it ends (gql/web/view.py).
    config["loggers"]["gql.web.frames"] = {"level": "WARNING"}
    return config


class GracefulServer(uvicorn.Server):
    """uvicorn's server, draining on SIGTERM as the module docstring says."""

    def __init__(
        self, config: uvicorn.Config, settings: Settings, drain: Drain | None = None
    ) -> None:
        super().__init__(config)
        self.settings = settings
        self._drain = drain
        self.deadline: float | None = None
        self._stop_accepting_at: float | None = None

    @property
    def drain(self) -> Drain:
        """The app's drain; found in the loaded app when not given (a worker loads its own)."""
        if self._drain is None:
            self._drain = _drain_of(getattr(self.config, "loaded_app", None))
        return self._drain

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        if sig != signal.SIGTERM or self.deadline is not None:
            super().handle_exit(sig, frame)  # Ctrl-C, or a second signal: as uvicorn does
            return
        self.deadline = time.monotonic() + self.settings.shutdown_seconds
        self.drain.begin()
        if self.settings.shutdown_delay_seconds > 0:
            # on_tick (every 0.1 s) sets should_exit once the delay is over.
            self._stop_accepting_at = time.monotonic() + self.settings.shutdown_delay_seconds
        else:
            self.should_exit = True

    async def on_tick(self, counter: int) -> bool:
        if self._stop_accepting_at is not None and time.monotonic() >= self._stop_accepting_at:
            return True
        return await super().on_tick(counter)

    async def shutdown(self, sockets: Any = None) -> None:
        deadline = self.deadline or time.monotonic() + self.settings.shutdown_seconds
        # The hook for what must end while clients are still connected (subscriptions).
        await self.drain.run_callbacks(timeout=deadline - time.monotonic() - LIFESPAN_MARGIN)
        left = deadline - time.monotonic() - LIFESPAN_MARGIN
        self.config.timeout_graceful_shutdown = max(left, 0.1)  # type: ignore[assignment]
        await super().shutdown(sockets)

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        with super().capture_signals():
            yield
            # uvicorn re-raises the signals it caught once it has shut down, so SIGTERM would
            # end the process with 143; the shutdown it asked for is done, so exit 0 instead.
            self._captured_signals = [s for s in self._captured_signals if s != signal.SIGTERM]


def serve(
    settings: Settings,
    *,
    host: str = "127.0.0.1",
    port: int = 8080,
    backend: str | None = None,
    workers: int = 1,
    derive: bool = False,
) -> int:
    if backend is not None:
        settings = dataclasses.replace(settings, backend=backend)  # type: ignore[arg-type]
    print(describe_backend(settings), flush=True)
    print(describe_history(settings, derive=derive), flush=True)
    print(f"gql: GraphQL at http://{host}:{port}/graphql", flush=True)
    if settings.pin_cpu and not affinity.supported():
        raise ConfigError("GQL_PIN_CPU: this system cannot pin a process to a CPU (needs Linux)")
    # With several workers each pins itself; the supervisor does not, or they would inherit
    # its one CPU as all they may use.
    settle_the_process(settings, pin=workers == 1)
    options: dict[str, Any] = dict(
        host=host,
        port=port,
        log_level="info",
        log_config=log_config(settings),
        access_log=False,
        proxy_headers=False,
        server_header=False,
        timeout_graceful_shutdown=int(settings.shutdown_seconds),
        # A WebSocket message is a GraphQL request too: the same limit as an HTTP body.
        ws_max_size=settings.max_body_bytes,
        # uvicorn's own, able to abort a connection whose peer stopped reading.
        ws=WS_PROTOCOL,
    )
    if workers > 1:
        # Several workers need an import string: each process builds its own app from the
        # environment (gql/cli/serve.py has put the --backend choice there). uvicorn's
        # supervisor forwards SIGTERM to them; each finishes its requests in flight within
        # GQL_SHUTDOWN_SECONDS with uvicorn's own graceful shutdown.
        uvicorn.run("gql.web.server:app_from_env", factory=True, workers=workers, **options)
        return 0
    app = serving_app(settings, derive=derive)
    server = GracefulServer(uvicorn.Config(app, **options), settings)
    server.run()
    if not server.started:
        sys.exit(3)  # uvicorn's STARTUP_FAILURE, as uvicorn.run exits when start-up fails
    if server.deadline is not None:
        _exit_by(server.deadline)
    return 0


def app_from_env() -> Any:
    """The app of one worker process of `gql serve --workers N`."""
    settings = Settings.from_env()
    settle_the_process(settings)
    return serving_app(settings)


def serving_app(settings: Settings, *, derive: bool = False) -> Any:
    """The app as `gql serve` runs it: its start-up heap frozen (gql/web/app.py)."""
    return create_app(settings, derive=derive, freeze_heap=True)


def _drain_of(app: Any) -> Drain:
    """`app.state.drain` of the app or of one it wraps (uvicorn's and Starlette's wrappers);
    an app without one (the bench's baseline) drains all the same, with no callbacks."""
    for _ in range(8):
        drain = getattr(getattr(app, "state", None), "drain", None)
        if isinstance(drain, Drain):
            return drain
        app = getattr(app, "app", None)
    return Drain()


def _exit_by(deadline: float) -> None:
    """Exit 0 by the deadline even while a store thread is still in a DynamoDB call.

    The request it served was cancelled, but Python joins the executor's threads at exit,
    which would hold the process until botocore gives up (read timeout times attempts).
    """
    busy = [t for t in threading.enumerate() if t is not threading.main_thread() and not t.daemon]
    for thread in busy:
        thread.join(timeout=max(deadline - time.monotonic(), 0))
    if any(thread.is_alive() for thread in busy):
        log.warning("gql: exiting with DynamoDB calls still unanswered (GQL_SHUTDOWN_SECONDS)")
        logging.shutdown()
        sys.stdout.flush()
        os._exit(0)


def settle_the_process(settings: Settings, *, pin: bool = True) -> None:
    """What `gql serve` sets for its whole process (one, or each of --workers N)."""
    hand_over_the_gil_often()
    lean_log_records()
    if settings.pin_cpu and pin:
        cpu = affinity.pin_to_one_cpu()
        print(f"gql: process {os.getpid()} runs on CPU {cpu} only (GQL_PIN_CPU)", flush=True)


def hand_over_the_gil_often() -> None:
    # Store calls run on threads that need the GIL for botocore's work while the event loop
    # holds it; with Python's 5 ms switch interval they wait behind it. 1 ms measured 1.4x
    # the requests/s at 50 connections and a lower p50 (python -m bench.compare switch-1ms).
    sys.setswitchinterval(0.001)


def lean_log_records() -> None:
    """Log records without what no line of `gql serve` prints: the caller's file, function and
    line (logging walks the stack for them), the thread's and the process's names. The
    logging HOWTO's "Optimization" section; a request line costs 8 us less of the loop's time."""
    logging._srcfile = None
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
