"""An `api` fixture: the GraphQL app served over HTTP, on moto and on DynamoDB Local.

The app runs under uvicorn on a free loopback port in a thread, so every request goes over
real HTTP to the server, and (for the DynamoDB Local half) from the server to DynamoDB Local.

`api` gets a fresh empty table per test. Modules whose tests only read a large data set build
it once with `standalone_api` in a module-scoped fixture instead.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3
import httpx
import pytest
import uvicorn
from moto import mock_aws

from gql.config import Settings
from gql.models import Reading, ReadingInfo
from gql.store import Deriver, HistoryTable, Rebuild
from gql.store.client import DynamoDB
from gql.store.readings import ReadingStore
from gql.store.tables import Tables
from gql.web.app import create_app
from gql.web.server import WS_PROTOCOL
from tests.conftest import BACKENDS, local_client
from tests.timing import patient

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

SECRET = b"test-secret-with-enough-length"
OTHER_SECRET = b"another-secret-of-enough-length"

# The codes the contract allows in `extensions.code`.
CODES = {
    "BAD_USER_INPUT",
    "BAD_CURSOR",
    "UNAUTHENTICATED",
    "THROTTLED",
    "BACKEND_UNAVAILABLE",
    "INTERNAL_SERVER_ERROR",
}

HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Count every DynamoDB Local test of this folder in the summary line, including the ones
    # whose module-scoped fixture is set up (or skipped) before any function-scoped one.
    for item in items:
        params = getattr(item, "callspec", None) and item.callspec.params  # type: ignore[attr-defined]
        local = params and any(str(v).startswith("dynamodb-local") for v in params.values())
        if HERE in item.path.parents and local:
            item.user_properties.append(("backend", "dynamodb-local"))


@dataclass
class Api:
    """A client for one app: `query` posts a document and returns the decoded JSON."""

    http: httpx.Client
    store: ReadingStore
    backend: str
    derived: bool = False  # a history table kept (rebuilt) beside the table

    @property
    def client(self) -> DynamoDBClient:
        """The low-level DynamoDB client behind the store, for writing and checking items."""
        return self.store.db.client

    @property
    def table(self) -> str:
        return self.store.table

    def query(self, document: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        response = self.http.post("/graphql", json={"query": document, "variables": variables})
        body: dict[str, Any] = response.json()
        return body

    def data(self, document: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """The `data` of a response that must have no errors."""
        body = self.query(document, variables)
        assert "errors" not in body, body["errors"]
        data: dict[str, Any] = body["data"]
        return data

    def errors(self, document: str, variables: dict[str, Any] | None = None) -> list[Any]:
        """The `errors` of a response that must have some."""
        body = self.query(document, variables)
        assert body.get("errors"), body
        errors: list[Any] = body["errors"]
        return errors

    def error_codes(self, document: str, variables: dict[str, Any] | None = None) -> list[str]:
        body = self.query(document, variables)
        return [e["extensions"]["code"] for e in body.get("errors", [])]

    def drop_table(self) -> None:
        """Delete the table behind the app: from now on every DynamoDB request fails."""
        self.client.delete_table(TableName=self.table)


# The request budget of a server under test whose budget is not what it tests (seconds, before
# tests/timing.py's factor): a slow machine must not turn its answers into BACKEND_UNAVAILABLE.
ROOMY_BUDGET = 30.0
# The budget `gql serve` has when nothing is configured: for the tests of budgets and faults.
DEFAULT_BUDGET = Settings.request_timeout


def settings_for(table: str, **overrides: Any) -> Settings:
    """Settings for a test server: a roomy request budget unless `overrides` set one."""
    settings = Settings(
        table=table, cursor_secrets=(SECRET,), request_timeout=patient(ROOMY_BUDGET)
    )
    return replace(settings, **overrides)


def reading(
    device_id: str,
    datacount: int,
    timestamp: str = "1612519200",
    *,
    version: int | None = 1,
    **temperatures: float | str,
) -> Reading:
    """A reading to seed with `store.batch_put`; temperatures by name, e.g. temperature1=23.74."""
    info = ReadingInfo(timestamp, **{k: Decimal(str(v)) for k, v in temperatures.items()})
    return Reading(device_id, datacount, info, version=version)


@pytest.fixture(scope="module", params=BACKENDS)
def api(request: pytest.FixtureRequest) -> Iterator[Api]:
    """One app and table per test module and backend; tests keep apart by device id."""
    with standalone_api(request.param) as served:
        yield served


@pytest.fixture
def device() -> str:
    """A device id no other test uses, so that tests can share one table."""
    return f"dev-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def fresh_api(api: Api) -> Iterator[Api]:
    """An app over a new, empty table of its own: for tests that scan or drop the table."""
    with (
        new_table(api) as store,
        serving(create_app(settings_for(store.table), store=store), store, api.backend) as served,
    ):
        yield served


@contextlib.contextmanager
def new_table(api: Api, *, read_budget: int = 1000) -> Iterator[ReadingStore]:
    """A new empty table on the backend of `api`, and a store over it; deleted afterwards."""
    name = f"Devices-{uuid.uuid4().hex[:8]}"
    tables = Tables(DynamoDB(api.client, name), sleep=lambda _: None)
    tables.create(wait=True, stream=False)  # no test here reads a stream: see tests/conftest.py
    try:
        yield store_for(api.client, name, api.backend, read_budget=read_budget)
    finally:
        tables.delete()


def store_for(
    client: DynamoDBClient, table: str, backend: str, *, read_budget: int = 1000
) -> ReadingStore:
    # In-process moto is not thread-safe: serialize calls to it, as the embedded backend does.
    lock = threading.Lock() if backend == "moto" else None
    return ReadingStore(client, table, lock=lock, read_budget=read_budget, sleep=lambda _: None)


@contextlib.contextmanager
def also_serving(
    api: Api,
    *,
    store: ReadingStore | None = None,
    clock: Callable[[], float] = time.time,
    **overrides: Any,
) -> Iterator[Api]:
    """Another app next to `api`: over the same store unless told, with other settings."""
    store = store or api.store
    app = create_app(settings_for(store.table, **overrides), store=store, clock=clock)
    with serving(app, store, api.backend) as served:
        served.derived = api.derived
        yield served


@contextlib.contextmanager
def serving(app: Any, store: ReadingStore, backend: str) -> Iterator[Api]:
    """`app` served over HTTP for the duration of the block."""
    with serve_in_thread(app) as base_url, httpx.Client(base_url=base_url, timeout=30) as client:
        yield Api(client, store, backend)


@contextlib.contextmanager
def backend_client(backend: str) -> Iterator[DynamoDBClient]:
    """A client of a fresh moto, or of DynamoDB Local (skipping when it is not running)."""
    if backend == "dynamodb-local":
        yield local_client()
        return
    with mock_aws():
        yield boto3.client("dynamodb", region_name="us-east-1")


@contextlib.contextmanager
def standalone_api(
    backend: str,
    seed: Callable[[ReadingStore], object] = lambda store: None,
    *,
    read_budget: int = 1000,
    derived: bool = False,
    **overrides: Any,
) -> Iterator[Api]:
    """An app over its own table, seeded once: for module-scoped fixtures of read-only tests.

    `derived`: with a history table, its rollups and registry rebuilt from the seeded readings
    (gql derive rebuild), so stats, series and windows read them (gql/schema/history.py)."""
    with pytest.MonkeyPatch.context() as env:
        # The same clean environment as the autouse fixture gives function-scoped tests.
        for name in list(os.environ):
            if name.startswith(("AWS_", "GQL_")):
                env.delenv(name)
        env.setenv("AWS_ACCESS_KEY_ID", "testing")
        env.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        env.setenv("AWS_DEFAULT_REGION", "us-east-1")
        with backend_client(backend) as client:
            name = f"Devices-{uuid.uuid4().hex[:8]}"
            history = f"{name}History" if derived else None
            tables = Tables(DynamoDB(client, name), history=history, sleep=lambda _: None)
            # The history is rebuilt from the readings below: nothing reads the stream.
            tables.create(wait=True, stream=False)
            try:
                store = store_for(client, name, backend, read_budget=read_budget)
                seed(store)
                if derived:
                    rebuild_history(store, f"{name}History")
                app = create_app(settings_for(name, **overrides), store=store)
                with serving(app, store, backend) as served:
                    served.derived = derived
                    yield served
            finally:
                tables.delete()


def rebuild_history(store: ReadingStore, history: str) -> None:
    """`gql derive rebuild` of the store's table, through the store's client (and lock)."""
    with ThreadPoolExecutor(2) as pool:
        deriver = Deriver(store.db, store.db.sibling(history))
        Rebuild(deriver, HistoryTable(store.db.sibling(history)), pool).run()


class serve_in_thread:  # lower case: used as a context manager, like open()
    def __init__(self, app: Any) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        # The WebSocket protocol `gql serve` runs, which can abort a socket that stalls.
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_level="warning", ws=WS_PROTOCOL
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        deadline = time.monotonic() + patient(10)
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.01)
        return f"http://127.0.0.1:{self.port}"

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=patient(10))
