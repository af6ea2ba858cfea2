"""/metrics over HTTP, parsed with prometheus_client's own parser, on moto and DynamoDB Local.

Each test reads the metrics, sends a known set of requests, reads them again, and checks
that every series moved by exactly what was sent (and the others did not move).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.api.conftest import Api, standalone_api
from tests.conftest import BACKENDS

Series = tuple[str, frozenset[tuple[str, str]]]
READ = '{ reading(deviceId: "metrics", datacount: 1) { datacount } }'
PAGE = '{ readingsByDevice(deviceId: "metrics", first: 5) { edges { cursor } } }'
PUT = (
    'mutation { putReading(reading: {deviceId: "metrics", datacount: %d, '
    'info: {infoTimestamp: "1612519200", temperature1: 20.5}}) { __typename } }'
)
BODY_LIMIT = 2048


@pytest.fixture(scope="module", params=BACKENDS)
def api(request: pytest.FixtureRequest) -> Iterator[Api]:
    with standalone_api(request.param, max_body_bytes=BODY_LIMIT) as served:
        yield served


def scrape(api: Api) -> dict[Series, float]:
    response = api.http.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
        if not sample.name.endswith("_created")
    }


def moved(before: dict[Series, float], after: dict[Series, float]) -> dict[Series, float]:
    """The series that changed, and by how much (histogram buckets left out)."""
    return {
        series: after[series] - before.get(series, 0.0)
        for series in after
        if after[series] != before.get(series, 0.0) and not series[0].endswith("_bucket")
    }


def series(name: str, **labels: str) -> Series:
    return name, frozenset(labels.items())


def requests(kind: str, outcome: str, n: int) -> dict[Series, float]:
    return {
        series("gql_requests_total", operation_type=kind, outcome=outcome): n,
        series("gql_request_duration_seconds_count", operation_type=kind, outcome=outcome): n,
    }


def without_durations(changes: dict[Series, float]) -> dict[Series, float]:
    # Sums of seconds move by amounts nobody can predict; that they move is checked apart.
    return {s: v for s, v in changes.items() if not s[0].endswith("_sum")}


def test_queries_count_as_query_ok_with_one_get_item_each(api: Api) -> None:
    before = scrape(api)
    for _ in range(3):
        api.data(READ)
    changes = moved(before, scrape(api))
    durations = series("gql_request_duration_seconds_sum", operation_type="query", outcome="ok")
    assert changes[durations] > 0
    changes = without_durations(changes)
    capacity = changes.pop(series("gql_dynamodb_consumed_capacity_total", operation="get_item"))
    assert changes == {
        **requests("query", "ok", 3),
        series("gql_dynamodb_requests_total", operation="get_item", outcome="ok"): 3,
        series("gql_dynamodb_request_duration_seconds_count", operation="get_item"): 3,
    }
    assert capacity > 0
    if api.backend == "dynamodb-local":  # moto's figures are fixed per operation, not computed
        # An eventually consistent read of up to 4 KB is half a read capacity unit.
        assert capacity == 1.5


def test_a_refused_cursor_counts_as_query_error_with_its_code(api: Api) -> None:
    before = scrape(api)
    document = '{ readingsByDevice(deviceId: "metrics", after: "forged") { edges { cursor } } }'
    assert api.error_codes(document) == ["BAD_CURSOR"]
    changes = without_durations(moved(before, scrape(api)))
    # Refused before any request reached DynamoDB: no DynamoDB series moved.
    assert changes == {
        **requests("query", "error", 1),
        series("gql_errors_total", code="BAD_CURSOR"): 1,
        series("gql_cursor_refusals_total"): 1,
    }


def test_mutations_count_as_mutation_ok_and_their_capacity_is_reported(api: Api) -> None:
    before = scrape(api)
    for datacount in (1, 2):
        assert api.data(PUT % datacount)["putReading"]["__typename"] == "Reading"
    changes = without_durations(moved(before, scrape(api)))
    capacity = changes.pop(series("gql_dynamodb_consumed_capacity_total", operation="update_item"))
    assert changes == {
        **requests("mutation", "ok", 2),
        series("gql_dynamodb_requests_total", operation="update_item", outcome="ok"): 2,
        series("gql_dynamodb_request_duration_seconds_count", operation="update_item"): 2,
    }
    if api.backend == "dynamodb-local":
        # A write of an item under 1 KB costs one write capacity unit, as on DynamoDB, and
        # one more for the time index (a global secondary index) it updates.
        assert capacity == 4.0
    else:
        # moto reports a fixed figure per operation rather than computing one: only its
        # presence is checked here; DynamoDB Local's half checks the figure.
        assert capacity > 0


def test_a_document_that_never_parsed_counts_as_unknown(api: Api) -> None:
    before = scrape(api)
    assert api.error_codes("{ reading(") == ["BAD_USER_INPUT"]
    assert without_durations(moved(before, scrape(api))) == {
        **requests("unknown", "error", 1),
        series("gql_errors_total", code="BAD_USER_INPUT"): 1,
    }


def test_a_body_over_the_limit_counts_as_an_unknown_refusal(api: Api) -> None:
    before = scrape(api)
    padding = " " * BODY_LIMIT
    response = api.http.post("/graphql", json={"query": READ + padding})
    assert response.status_code == 413
    assert without_durations(moved(before, scrape(api))) == {
        **requests("unknown", "error", 1),
        series("gql_errors_total", code="BAD_USER_INPUT"): 1,
        series("gql_body_refusals_total"): 1,
    }


def test_a_page_is_one_query_call(api: Api) -> None:
    before = scrape(api)
    api.data(PAGE)
    changes = without_durations(moved(before, scrape(api)))
    changes.pop(series("gql_dynamodb_consumed_capacity_total", operation="query"), None)
    assert changes == {
        **requests("query", "ok", 1),
        series("gql_dynamodb_requests_total", operation="query", outcome="ok"): 1,
        series("gql_dynamodb_request_duration_seconds_count", operation="query"): 1,
    }


def test_metrics_need_no_api_key_and_are_not_counted_as_requests() -> None:
    with standalone_api("moto", api_keys=frozenset({"a-key"})) as api:
        before = scrape(api)
        assert api.http.post("/graphql", json={"query": READ}).status_code == 401
        changes = without_durations(moved(before, scrape(api)))
    assert changes == {
        **requests("unknown", "error", 1),
        series("gql_errors_total", code="UNAUTHENTICATED"): 1,
    }


def test_gql_metrics_false_removes_the_route() -> None:
    with standalone_api("moto", metrics=False) as api:
        assert api.http.get("/metrics").status_code == 404
        api.data(READ)  # and requests are served as before


def test_a_get_query_counts_and_the_graphiql_page_does_not(api: Api) -> None:
    before = scrape(api)
    assert api.http.get("/graphql", params={"query": READ}).status_code == 200
    page = api.http.get("/graphql", headers={"accept": "text/html"})
    assert page.status_code == 200
    assert "graphiql" in page.text.lower()
    changes = without_durations(moved(before, scrape(api)))
    changes.pop(series("gql_dynamodb_consumed_capacity_total", operation="get_item"))
    assert changes == {
        **requests("query", "ok", 1),
        series("gql_dynamodb_requests_total", operation="get_item", outcome="ok"): 1,
        series("gql_dynamodb_request_duration_seconds_count", operation="get_item"): 1,
    }
