"""The request log: one line per request, its id echoed, and nothing secret in it.

The app runs under uvicorn in a thread; its `gql.request` records are captured by caplog and
formatted with the JSON formatter `gql serve` uses for GQL_LOG_FORMAT=json.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from gql.observe.requestlog import JsonFormatter, TextFormatter
from tests.api.conftest import Api, standalone_api

SECRET = "s3cr3t-value-4f7a9c"
DEVICE = "device-key-8d2e61"
QUERY = (
    "query Lookup($d: ID!, $t: String!) { readingsByDevice(deviceId: $d, "
    "filter: {infoTimestamp: {eq: $t}}, first: 1) { edges { cursor } } }"
)
FIELDS = {
    "time",
    "level",
    "logger",
    "message",
    "request_id",
    "method",
    "path",
    "status",
    "operation_type",
    "operation_name",
    "outcome",
    "error_codes",
    "duration_ms",
    "dynamodb_calls",
    "dynamodb_ms",
    "consumed_capacity",
}


@pytest.fixture(scope="module")
def api() -> Iterator[Api]:
    with standalone_api("moto") as served:
        yield served


def json_lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    formatter = JsonFormatter()
    records = [r for r in caplog.records if r.name == "gql.request"]
    return [json.loads(formatter.format(record)) for record in records]


def raw_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    json_formatter, text_formatter = JsonFormatter(), TextFormatter()
    records = [r for r in caplog.records if r.name == "gql.request"]
    return [f.format(r) for r in records for f in (json_formatter, text_formatter)]


def post(api: Api, request_id: str | None = None) -> Any:
    headers = {"x-request-id": request_id} if request_id is not None else {}
    payload = {"query": QUERY, "variables": {"d": DEVICE, "t": SECRET}}
    return api.http.post("/graphql", json=payload, headers=headers)


def test_one_line_per_request_with_every_field(api: Api, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="gql.request")
    response = post(api, "client-req-42")
    assert response.status_code == 200
    [line] = json_lines(caplog)
    assert set(line) == FIELDS
    assert line["request_id"] == "client-req-42" == response.headers["x-request-id"]
    assert (line["level"], line["logger"], line["path"]) == ("info", "gql.request", "/graphql")
    assert (line["operation_type"], line["operation_name"]) == ("query", "Lookup")
    assert (line["status"], line["outcome"], line["error_codes"]) == (200, "ok", [])
    assert line["dynamodb_calls"] == 1
    assert line["consumed_capacity"] > 0
    assert line["duration_ms"] >= line["dynamodb_ms"] > 0


def test_no_variable_value_or_key_reaches_the_line(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="gql.request")
    post(api)
    api.http.post("/graphql", json={"query": "{ reading(", "variables": {"t": SECRET}})
    written = raw_lines(caplog)
    assert len(written) == 4  # two requests, each in JSON and in text
    for line in written:
        assert SECRET not in line
        assert DEVICE not in line
        assert "readingsByDevice" not in line  # nor the document


@pytest.mark.parametrize(
    "given",
    ['bad"id', "x" * 129, "tab\tin", "", "spa ce", "ünïcode", "a;b,c"],
    ids=["quote", "too-long", "tab", "empty", "space", "non-ascii", "separators"],
)
def test_an_insane_request_id_is_replaced_by_a_new_one(
    api: Api, caplog: pytest.LogCaptureFixture, given: str
) -> None:
    caplog.set_level(logging.INFO, logger="gql.request")
    headers = {b"x-request-id": given.encode("utf-8")}  # httpx would refuse some as text
    response = api.http.post("/graphql", json={"query": "{ __typename }"}, headers=headers)
    [line] = json_lines(caplog)
    assert line["request_id"] == response.headers["x-request-id"]
    assert line["request_id"] != given
    assert len(line["request_id"]) == 32
    int(line["request_id"], 16)  # 128 new random bits, in hex


@pytest.mark.parametrize(
    "given", ["x" * 128, "Root=1-67891233-abcdef012345678912345678", "a.b_c:d+e/f="]
)
def test_a_sane_request_id_is_kept(api: Api, given: str) -> None:
    response = api.http.post(
        "/graphql", json={"query": "{ __typename }"}, headers={"x-request-id": given}
    )
    assert response.headers["x-request-id"] == given


def test_each_request_without_an_id_gets_its_own(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="gql.request")
    echoed = [post(api).headers["x-request-id"] for _ in range(3)]
    assert [line["request_id"] for line in json_lines(caplog)] == echoed
    assert len(set(echoed)) == 3


def test_errors_give_outcome_error_and_their_codes(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="gql.request")
    api.http.post(
        "/graphql",
        json={"query": '{ readingsByDevice(deviceId: "x", first: 0) { edges { cursor } } }'},
    )
    api.http.post("/graphql", content=b"{}", headers={"content-type": "text/plain"})
    first, second = json_lines(caplog)
    assert (first["operation_type"], first["outcome"]) == ("query", "error")
    assert first["error_codes"] == ["BAD_USER_INPUT"]
    assert first["dynamodb_calls"] == 0
    assert (second["status"], second["operation_type"], second["outcome"]) == (
        415,
        "unknown",
        "error",
    )
    assert second["error_codes"] == ["BAD_USER_INPUT"]


def test_request_log_false_writes_no_line(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="gql.request")
    with standalone_api("moto", request_log=False) as api:
        assert post(api).status_code == 200
    assert json_lines(caplog) == []
