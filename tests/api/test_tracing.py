"""Spans, captured with the OpenTelemetry SDK's in-memory exporter: the request, its operation,
and each DynamoDB call, with their parentage, and no value of the request in any of them."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from gql.observe.tracing import Tracing
from gql.store.client import DynamoDB
from gql.store.tables import Tables
from gql.web.app import create_app
from tests.api.conftest import (
    Api,
    backend_client,
    reading,
    serving,
    settings_for,
    store_for,
)
from tests.conftest import BACKENDS

DEVICE = "trace-device-5c1e"
DOCUMENT = (
    "query Latest($d: ID!) { device(deviceId: $d) { latestReading { datacount } } "
    "first: reading(deviceId: $d, datacount: 1) { datacount } }"
)
TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT = f"00-{TRACE_ID}-00f067aa0ba902b7-01"


@pytest.fixture(scope="module", params=BACKENDS)
def traced(request: pytest.FixtureRequest) -> Iterator[tuple[Api, InMemorySpanExporter]]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    name = f"Devices-{uuid.uuid4().hex[:8]}"
    with backend_client(request.param) as client:
        tables = Tables(DynamoDB(client, name), sleep=lambda _: None)
        tables.create(wait=True)
        try:
            store = store_for(client, name, request.param)
            store.batch_put([reading(DEVICE, 1), reading(DEVICE, 2)])
            app = create_app(settings_for(name), store=store, tracing=Tracing(provider))
            with serving(app, store, request.param) as api:
                yield api, exporter
        finally:
            tables.delete()


def spans_of_one_request(
    traced: tuple[Api, InMemorySpanExporter], headers: dict[str, str] | None = None
) -> list[ReadableSpan]:
    api, exporter = traced
    exporter.clear()
    response = api.http.post(
        "/graphql", json={"query": DOCUMENT, "variables": {"d": DEVICE}}, headers=headers
    )
    assert response.status_code == 200
    assert "errors" not in response.json()
    return list(exporter.get_finished_spans())


def test_request_operation_and_dynamodb_spans_nest(
    traced: tuple[Api, InMemorySpanExporter],
) -> None:
    spans = spans_of_one_request(traced)
    [request] = [s for s in spans if s.kind is SpanKind.SERVER]
    [operation] = [s for s in spans if s.name == "query Latest"]
    calls = [s for s in spans if s.name.startswith("DynamoDB.")]
    assert len(spans) == 2 + len(calls)
    assert request.name == "POST /graphql"
    assert request.parent is None
    assert request.attributes is not None
    assert request.attributes["http.response.status_code"] == 200
    assert operation.parent is not None
    assert operation.parent.span_id == request.context.span_id
    assert operation.attributes == {
        "graphql.operation.type": "query",
        "graphql.operation.name": "Latest",
    }
    # latestReading is a Query; `first` a GetItem (one key: the loader's GetItem).
    assert sorted(s.name for s in calls) == ["DynamoDB.get_item", "DynamoDB.query"]
    table = traced[0].table
    for call in calls:
        assert call.kind is SpanKind.CLIENT
        assert call.parent is not None
        assert call.parent.span_id == operation.context.span_id
        assert call.context.trace_id == request.context.trace_id
        assert call.attributes is not None
        assert call.attributes["db.system"] == "dynamodb"
        assert call.attributes["db.operation"] == call.name.removeprefix("DynamoDB.")
        assert call.attributes["aws.dynamodb.table_names"] == (table,)
        assert call.start_time is not None
        assert call.end_time is not None
        assert request.start_time is not None
        assert request.end_time is not None
        assert request.start_time <= call.start_time <= call.end_time <= request.end_time


def test_no_span_holds_a_value_of_the_request(traced: tuple[Api, InMemorySpanExporter]) -> None:
    for span in spans_of_one_request(traced):
        texts = [span.name, *map(str, (span.attributes or {}).values())]
        assert not any(DEVICE in text or "latestReading" in text for text in texts), span.name


def test_a_callers_traceparent_makes_the_request_a_child(
    traced: tuple[Api, InMemorySpanExporter],
) -> None:
    spans = spans_of_one_request(traced, {"traceparent": PARENT})
    assert {format(s.context.trace_id, "032x") for s in spans} == {TRACE_ID}
    [request] = [s for s in spans if s.kind is SpanKind.SERVER]
    assert request.parent is not None
    assert format(request.parent.span_id, "016x") == "00f067aa0ba902b7"


def test_without_a_provider_no_span_is_made_and_requests_are_served() -> None:
    tracing = Tracing(None)
    assert not tracing.enabled
    assert tracing.start_request("POST", "/graphql", {}) is None
    tracing.shutdown()
