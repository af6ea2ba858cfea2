"""The query lane (gql/schema/lane.py): a query whose text has run before is answered past
Strawberry's request path, and nothing a client, an operator or a trace sees may tell.

Each case is sent three times: to an app with the lane, twice (the first run goes Strawberry's
way, the second the lane's: the lane's count of runs says which), and to the same app with the
lane off. The three must agree on the status, the media type, the headers, the body, the
request's log line, the metrics it moved and the spans it made. On moto and DynamoDB Local.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.api.lanes import (
    CASES,
    DEVICE,
    GRAPHQL_RESPONSE,
    PAGE,
    TWO,
    Served,
    observe,
    pair,
    request_log,
    table,
    three_ways,
    unique,
)

__all__ = ["pair", "request_log", "table"]  # fixtures, used by name


@pytest.mark.parametrize("accept", ["application/json", GRAPHQL_RESPONSE])
@pytest.mark.parametrize("case", list(CASES))
def test_the_lane_answers_as_strawberrys_way_does(
    pair: tuple[Served, Served], caplog: pytest.LogCaptureFixture, case: str, accept: str
) -> None:
    seen = three_ways(pair, caplog, unique(CASES[case]), {"accept": accept})
    # What each case is for, so that no case passes by answering something else.
    body = seen.body
    codes = [e["extensions"]["code"] for e in body.get("errors", [])]
    expected = {
        "reading": ([], "query", "One"),
        "missing": ([], "query", "One"),
        "anonymous": ([], "query", None),
        "page": ([], "query", "Page"),
        "operation-name": ([], "query", "Second"),
        "null-variables": ([], "query", None),
        "bad-cursor": (["BAD_CURSOR"], "query", "Page"),
        "masked": (["INTERNAL_SERVER_ERROR"], "query", "Page"),
        "coercion": (["BAD_USER_INPUT"], "query", "One"),
        "missing-variable": (["BAD_USER_INPUT"], "query", "One"),
    }[case]
    assert (codes, seen.line["operation_type"], seen.line["operation_name"]) == expected
    assert seen.headers["content-type"] == accept
    request_error = case in ("coercion", "missing-variable")
    assert ("data" in body) is not request_error
    assert seen.status == (400 if request_error and accept == GRAPHQL_RESPONSE else 200)
    operation = [s for s in seen.spans if s[0].startswith("query")]
    assert len(operation) == 1
    if case == "reading":
        assert body["data"]["reading"]["info"]["temperature1"] == 22
        assert seen.line["dynamodb_calls"] == 1
    if case == "masked":
        assert body["errors"][0]["message"] == "Internal server error."
        assert "3000000000" not in json.dumps(body)


def test_a_page_and_the_next_page_agree(
    pair: tuple[Served, Served], caplog: pytest.LogCaptureFixture
) -> None:
    first = three_ways(pair, caplog, unique(CASES["page"]))
    after = first.body["data"]["readingsByDevice"]["pageInfo"]["endCursor"]
    body = unique({"query": PAGE, "variables": {"d": DEVICE, "after": after}})
    second = three_ways(pair, caplog, body)
    edges = second.body["data"]["readingsByDevice"]["edges"]
    assert [e["node"]["datacount"] for e in edges] == [3, 4]


@pytest.mark.parametrize(
    ("name", "body", "headers", "method"),
    [
        (
            "mutation",
            {
                "query": (
                    'mutation { putReading(reading: {deviceId: "lane-writes", datacount: 1, '
                    'info: {infoTimestamp: "1612519200", temperature1: 20.5}}) { __typename } }'
                )
            },
            None,
            "POST",
        ),
        (
            "mutation-over-get",
            {"query": 'mutation { deleteReadingIf(deviceId: "x", datacount: 1) { __typename } }'},
            None,
            "GET",
        ),
        ("batch", [CASES["reading"], CASES["anonymous"]], None, "POST"),
        ("unknown-field", {**CASES["reading"], "documentId": "x"}, None, "POST"),
        ("extensions-not-an-object", {**CASES["reading"], "extensions": "x"}, None, "POST"),
        ("get-variables-not-json", {**CASES["reading"], "variables": "{not json"}, None, "GET"),
        (
            "unknown-hash",
            {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "0" * 64}}},
            None,
            "POST",
        ),
        (
            "hash-mismatch",
            {
                **CASES["anonymous"],
                "extensions": {"persistedQuery": {"version": 1, "sha256Hash": "0" * 64}},
            },
            None,
            "POST",
        ),
        ("unknown-operation", {"query": TWO, "operationName": "Third"}, None, "POST"),
        ("no-operation-name", {"query": TWO}, None, "POST"),
        ("name-not-a-string", {"query": TWO, "operationName": 3}, None, "POST"),
        ("variables-not-an-object", {**CASES["reading"], "variables": [1]}, None, "POST"),
    ],
)
def test_what_the_lane_does_not_take_goes_strawberrys_way(
    pair: tuple[Served, Served],
    caplog: pytest.LogCaptureFixture,
    name: str,
    body: Any,
    headers: dict[str, str] | None,
    method: str,
) -> None:
    lane, plain = pair
    assert lane.view.query_lane is not None
    if isinstance(body, dict) and "query" in body:
        body = unique(body)
        # The text validated first on both apps, so that only the request's shape can keep it
        # off the lane.
        for app in (lane, plain):
            app.api.http.post("/graphql", json={"query": body["query"]})
    sent = body if method == "GET" else json.dumps(body)
    runs = lane.view.query_lane.runs
    answers = [observe(s, caplog, sent, headers, method) for s in (lane, lane, plain)]
    assert lane.view.query_lane.runs == runs
    assert answers[0] == answers[1] == answers[2]
    if name == "mutation":  # valid, so that only its being a mutation keeps it off the lane
        assert answers[0].body == {"data": {"putReading": {"__typename": "Reading"}}}


@pytest.mark.parametrize(
    ("name", "body", "headers", "method"),
    [
        ("empty-extensions", {**CASES["reading"], "extensions": {}}, None, "POST"),
        (
            "null-fields",
            {**CASES["anonymous"], "variables": None, "operationName": None},
            None,
            "POST",
        ),
        ("get", CASES["reading"], None, "GET"),
        ("get-coercion", CASES["coercion"], {"accept": GRAPHQL_RESPONSE}, "GET"),
        ("get-operation-name", CASES["operation-name"], None, "GET"),
    ],
)
def test_other_shapes_of_a_query_agree_on_the_lane(
    pair: tuple[Served, Served],
    caplog: pytest.LogCaptureFixture,
    name: str,
    body: dict[str, Any],
    headers: dict[str, str] | None,
    method: str,
) -> None:
    seen = three_ways(pair, caplog, unique(body), headers, method)
    codes = [e["extensions"]["code"] for e in seen.body.get("errors", [])]
    assert codes == (["BAD_USER_INPUT"] if name == "get-coercion" else [])
    assert seen.status == (400 if name == "get-coercion" else 200)


def test_graphiql_is_still_served_on_a_get_without_a_document(pair: tuple[Served, Served]) -> None:
    lane, _ = pair
    assert lane.view.query_lane is not None
    runs = lane.view.query_lane.runs
    for _ in range(2):
        page = lane.api.http.get("/graphql", headers={"accept": "text/html"})
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
    assert lane.view.query_lane.runs == runs


def test_a_text_that_failed_validation_never_takes_the_lane(
    pair: tuple[Served, Served], caplog: pytest.LogCaptureFixture
) -> None:
    lane, _ = pair
    assert lane.view.query_lane is not None
    body = unique({"query": '{ reading(deviceId: "x", datacount: 1) { nope } }'})
    runs = lane.view.query_lane.runs
    first, second = (observe(lane, caplog, body) for _ in range(2))
    assert lane.view.query_lane.runs == runs
    assert first == second
    assert [e["extensions"]["code"] for e in first.body["errors"]] == ["BAD_USER_INPUT"]


def test_an_event_stream_accept_is_answered_the_same(
    pair: tuple[Served, Served], caplog: pytest.LogCaptureFixture
) -> None:
    # The app serves no query as a stream (its protocols are the WebSocket ones): Strawberry
    # answers JSON, and so does the lane, which would leave a streaming request to Strawberry.
    seen = three_ways(pair, caplog, unique(CASES["reading"]), {"accept": "text/event-stream"})
    assert seen.headers["content-type"] == "application/json"
    assert seen.body["data"]["reading"]["datacount"] == 2
