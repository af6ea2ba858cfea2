"""The query lane's observers (tests/api/test_query_lane*.py): one request as everyone
outside the server sees it, and the same request sent the three ways that must agree."""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from starlette.applications import Starlette

from gql.observe.requestlog import JsonFormatter
from gql.observe.tracing import Tracing
from gql.store.client import DynamoDB
from gql.store.readings import ReadingStore
from gql.store.tables import Tables
from gql.web.app import create_app
from gql.web.view import GraphQLView
from tests.api.conftest import Api, backend_client, reading, serving, settings_for, store_for
from tests.api.test_metrics import moved, scrape
from tests.conftest import BACKENDS

DEVICE = "lane-device-3b9e"
HUGE = "lane-huge-77c1"  # holds a datacount beyond GraphQL's Int: a masked internal error
NOW = 1_767_225_600.0  # the apps' clock, so that a cursor signed twice is the same text
GRAPHQL_RESPONSE = "application/graphql-response+json"

READING = (
    "query One($d: ID!, $c: Int!) { reading(deviceId: $d, datacount: $c) "
    "{ deviceId datacount version info { infoTimestamp temperature1 } } }"
)
PAGE = (
    "query Page($d: ID!, $after: String) { readingsByDevice(deviceId: $d, first: 2, "
    "after: $after) { edges { cursor node { datacount } } pageInfo { hasNextPage endCursor } } }"
)
TWO = (
    'query First { reading(deviceId: "lane-device-3b9e", datacount: 1) { datacount } } '
    'query Second { device(deviceId: "lane-device-3b9e") { latestReading { datacount } } }'
)

# name -> the request's JSON body (its text made unique per test, see `unique`).
CASES: dict[str, dict[str, Any]] = {
    "reading": {"query": READING, "variables": {"d": DEVICE, "c": 2}},
    "missing": {"query": READING, "variables": {"d": DEVICE, "c": 99}},
    "anonymous": {"query": '{ reading(deviceId: "lane-device-3b9e", datacount: 1) { datacount } }'},
    "page": {"query": PAGE, "variables": {"d": DEVICE}},
    "operation-name": {"query": TWO, "operationName": "Second"},
    "null-variables": {"query": "{ __typename }", "variables": None},
    "bad-cursor": {"query": PAGE, "variables": {"d": DEVICE, "after": "not-a-cursor"}},
    "masked": {"query": PAGE, "variables": {"d": HUGE}},
    "coercion": {"query": READING, "variables": {"d": DEVICE, "c": "two"}},
    "missing-variable": {"query": READING, "variables": {"d": DEVICE}},
}


@dataclass
class Served:
    api: Api
    view: GraphQLView
    spans: InMemorySpanExporter


@dataclass(frozen=True)
class Seen:
    """One request as everyone outside the server sees it."""

    status: int
    headers: dict[str, str]
    body: Any
    line: dict[str, Any]
    metrics: dict[Any, float]
    spans: list[tuple[str, str, str | None, dict[str, Any]]]


def view_of(app: Starlette) -> GraphQLView:
    [view] = {
        getattr(r, "endpoint", None) for r in app.routes if getattr(r, "path", "") == "/graphql"
    }
    assert isinstance(view, GraphQLView)
    return view


@dataclass(frozen=True)
class Table:
    client: Any
    name: str
    backend: str
    # In-process moto is not thread-safe: every store of its table shares one lock.
    lock: threading.Lock | None

    def store(self, kind: type[ReadingStore] = ReadingStore) -> ReadingStore:
        """A store of its own: an app sets its store's observer (its metrics) when it starts."""
        return kind(self.client, self.name, lock=self.lock, sleep=lambda _: None)


@contextlib.contextmanager
def served(
    table: Table,
    *,
    lane: bool = True,
    kind: type[ReadingStore] = ReadingStore,
    **overrides: Any,
) -> Iterator[Served]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    store = table.store(kind)
    settings = settings_for(table.name, **overrides)
    app = create_app(settings, store=store, tracing=Tracing(provider), clock=lambda: NOW)
    view = view_of(app)
    if not lane:
        view.query_lane = None
    with serving(app, store, table.backend) as api:
        yield Served(api, view, exporter)


@pytest.fixture(scope="module", params=BACKENDS)
def table(request: pytest.FixtureRequest) -> Iterator[Table]:
    with backend_client(request.param) as client:
        name = f"Devices-{uuid.uuid4().hex[:8]}"
        tables = Tables(DynamoDB(client, name), sleep=lambda _: None)
        tables.create(wait=True, stream=False)
        try:
            store_for(client, name, request.param).batch_put(
                [reading(DEVICE, n, temperature1=20 + n) for n in range(1, 6)]
            )
            client.put_item(
                TableName=name,
                Item={
                    "device_id": {"S": HUGE},
                    "datacount": {"N": "3000000000"},
                    "info": {"M": {"info_timestamp": {"S": "1612519200"}}},
                },
            )
            lock = threading.Lock() if request.param == "moto" else None
            yield Table(client, name, request.param, lock)
        finally:
            tables.delete()


@pytest.fixture(scope="module")
def pair(table: Table) -> Iterator[tuple[Served, Served]]:
    with served(table) as lane, served(table, lane=False) as plain:
        yield lane, plain


def unique(body: dict[str, Any]) -> dict[str, Any]:
    """The body with a text no app of this process has run: its first run is Strawberry's."""
    return {**body, "query": f"{body['query']} # {uuid.uuid4().hex}"}


def observe(
    served: Served,
    caplog: pytest.LogCaptureFixture,
    body: dict[str, Any] | str,
    headers: dict[str, str] | None = None,
    method: str = "POST",
) -> Seen:
    before = scrape(served.api)
    served.spans.clear()
    caplog.clear()
    if method == "GET":  # the fields as URL parameters, objects as JSON
        assert isinstance(body, dict)
        params = {k: v if isinstance(v, str) else json.dumps(v) for k, v in body.items()}
        response = served.api.http.get("/graphql", params=params, headers=headers)
    else:
        content = body if isinstance(body, str) else json.dumps(body)
        sent = {"content-type": "application/json", **(headers or {})}
        response = served.api.http.post("/graphql", content=content, headers=sent)
    request_id = response.headers["x-request-id"]
    formatter = JsonFormatter()
    lines = [json.loads(formatter.format(r)) for r in caplog.records if r.name == "gql.request"]
    [line] = [line for line in lines if line["request_id"] == request_id]
    for volatile in ("time", "request_id", "duration_ms", "dynamodb_ms"):
        line.pop(volatile)
    kept = {k: v for k, v in response.headers.items() if k not in ("date", "x-request-id")}
    metrics = {
        s: v for s, v in moved(before, scrape(served.api)).items() if not s[0].endswith("_sum")
    }
    finished = served.spans.get_finished_spans()
    names = {s.context.span_id: s.name for s in finished}
    spans = sorted(
        (
            s.name,
            s.kind.name,
            names.get(s.parent.span_id) if s.parent is not None else None,
            dict(s.attributes or {}),
        )
        for s in finished
    )
    try:
        decoded = response.json()
    except ValueError:
        decoded = response.text
    return Seen(response.status_code, kept, decoded, line, metrics, spans)


def three_ways(
    pair: tuple[Served, Served],
    caplog: pytest.LogCaptureFixture,
    body: dict[str, Any],
    headers: dict[str, str] | None = None,
    method: str = "POST",
) -> Seen:
    """The body sent Strawberry's way, the lane's, and with the lane off; they must agree."""
    lane, plain = pair
    runs = lane.view.query_lane.runs if lane.view.query_lane else 0
    first = observe(lane, caplog, body, headers, method)
    assert lane.view.query_lane is not None
    assert lane.view.query_lane.runs == runs, "a text's first run goes Strawberry's way"
    second = observe(lane, caplog, body, headers, method)
    assert lane.view.query_lane.runs == runs + 1, "the second run of a valid query is the lane's"
    off = observe(plain, caplog, body, headers, method)
    assert second == first
    assert second == off
    return second


@pytest.fixture(autouse=True)
def request_log(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="gql.request")
