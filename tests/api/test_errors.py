"""Errors that are not union results: each carries `extensions.code` from the contract's list.

Invalid arguments are BAD_USER_INPUT with a message naming the argument; documents that do not
parse or validate still get a code; what the server did not expect is INTERNAL_SERVER_ERROR
with a fixed message, and DynamoDB's own trouble is BACKEND_UNAVAILABLE or THROTTLED, without
DynamoDB's text.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from gql.errors import ThrottledError
from gql.models import Reading, ReadingKey
from gql.store.client import make_client
from gql.store.readings import ReadingStore
from tests.api.conftest import CODES, Api, also_serving, reading, settings_for

PUT = """mutation ($d: ID!, $c: Int!, $info: ReadingInfoInput!) {
  putReading(reading: {deviceId: $d, datacount: $c, info: $info}) { __typename }
}"""
BY_DEVICE = """query ($d: ID!, $datacount: DatacountCondition, $filter: ReadingCondition,
                      $first: Int! = 25) {
  readingsByDevice(deviceId: $d, datacount: $datacount, filter: $filter, first: $first) {
    edges { node { datacount } }
  }
}"""
READING = "query ($d: ID!, $c: Int!) { reading(deviceId: $d, datacount: $c) { datacount } }"
CONSISTENT = """query ($d: ID!, $c: Int!) {
  reading(deviceId: $d, datacount: $c, consistentRead: true) { datacount }
}"""
UPDATE = """mutation ($d: ID!, $c: Int!, $info: ReadingInfoPatch!, $v: Int) {
  updateReading(deviceId: $d, datacount: $c, info: $info, expectedVersion: $v) { __typename }
}"""
DELETE = """mutation ($d: ID!, $c: Int!, $condition: ReadingCondition!) {
  deleteReadingIf(deviceId: $d, datacount: $c, condition: $condition) { __typename }
}"""

# DynamoDB's own words, which must never reach a client.
DYNAMODB_TEXT = [
    "ResourceNotFoundException",
    "Requested resource not found",
    "non-existent table",
    "ValidationException",
    "botocore",
    "Traceback",
    'File "',
]


@dataclass(frozen=True)
class Bad:
    """An invalid request and the argument its error message must name."""

    document: str
    variables: dict[str, Any] = field(default_factory=dict)
    names: str = ""


INFO = {"infoTimestamp": "1612519200"}
KEY = {"d": "x", "c": 1}
BAD_ARGUMENTS = {
    "first-0": Bad(BY_DEVICE, {"d": "x", "first": 0}, "first"),
    "first-101": Bad(BY_DEVICE, {"d": "x", "first": 101}, "first"),
    "datacount-two-operators": Bad(
        BY_DEVICE, {"d": "x", "datacount": {"eq": 1, "lt": 3}}, "datacount"
    ),
    "datacount-no-operator": Bad(BY_DEVICE, {"d": "x", "datacount": {}}, "datacount"),
    "datacount-between-3-values": Bad(
        BY_DEVICE, {"d": "x", "datacount": {"between": [1, 2, 3]}}, "between"
    ),
    "datacount-between-1-value": Bad(
        BY_DEVICE, {"d": "x", "datacount": {"between": [1]}}, "between"
    ),
    "datacount-between-reversed": Bad(
        BY_DEVICE, {"d": "x", "datacount": {"between": [4, 2]}}, "between"
    ),
    "empty-comparison": Bad(BY_DEVICE, {"d": "x", "filter": {"temperature1": {}}}, "temperature1"),
    "empty-string-comparison": Bad(
        BY_DEVICE, {"d": "x", "filter": {"infoTimestamp": {}}}, "infoTimestamp"
    ),
    "filter-between-3-values": Bad(
        BY_DEVICE, {"d": "x", "filter": {"temperature2": {"between": [1, 2, 3]}}}, "temperature2"
    ),
    "filter-between-reversed": Bad(
        BY_DEVICE, {"d": "x", "filter": {"temperature2": {"between": [3, 1]}}}, "temperature2"
    ),
    "filter-empty-and": Bad(BY_DEVICE, {"d": "x", "filter": {"and": []}}, "and"),
    "filter-empty-or": Bad(BY_DEVICE, {"d": "x", "filter": {"or": []}}, "or"),
    "filter-empty-not": Bad(BY_DEVICE, {"d": "x", "filter": {"not": {}}}, "not"),
    "empty-device-id": Bad(READING, {"d": "", "c": 1}, "deviceId"),
    "device-id-over-2048-bytes": Bad(READING, {"d": "é" * 1100, "c": 1}, "deviceId"),
    "empty-info-timestamp": Bad(PUT, {**KEY, "info": {"infoTimestamp": ""}}, "infoTimestamp"),
    "negative-expected-version": Bad(UPDATE, {**KEY, "info": {}, "v": -1}, "expectedVersion"),
    "temperature-1e200": Bad(PUT, {**KEY, "info": {**INFO, "temperature1": 1e200}}, "temperature1"),
    "temperature-1e-200": Bad(
        PUT, {**KEY, "info": {**INFO, "temperature1": 1e-200}}, "temperature1"
    ),
    "temperature-1e400-literal": Bad(
        """mutation { putReading(reading: {deviceId: "x", datacount: 1,
             info: {infoTimestamp: "1", temperature1: 1e400}}) { __typename } }""",
        names="temperature1",
    ),
    "temperature-39-digits-literal": Bad(
        """mutation { putReading(reading: {deviceId: "x", datacount: 1,
             info: {infoTimestamp: "1",
                    temperature1: 1.23456789012345678901234567890123456789}}) {
             __typename } }""",
        names="temperature1",
    ),
    "filter-1e400-literal": Bad(
        '{ readingsByDevice(deviceId: "x", filter: {temperature3: {gt: 1e400}}) '
        "{ edges { cursor } } }",
        names="temperature3",
    ),
    "condition-1e400-literal": Bad(
        """mutation { deleteReadingIf(deviceId: "x", datacount: 1,
             condition: {temperature5: {lt: -1e400}}) { __typename } }""",
        names="temperature5",
    ),
    "variable-of-the-wrong-type": Bad(READING, {"d": "x", "c": "abc"}, "$c"),
    "variable-int-over-32-bits": Bad(READING, {"d": "x", "c": 3_000_000_000}, "$c"),
    "required-variable-missing": Bad(READING, {"d": "x"}, "$c"),
    "variable-field-unknown": Bad(
        PUT, {**KEY, "info": {**INFO, "temperature9": 1.0}}, "temperature9"
    ),
}


@pytest.mark.parametrize("bad", list(BAD_ARGUMENTS.values()), ids=list(BAD_ARGUMENTS))
def test_an_invalid_argument_is_bad_user_input_naming_it(api: Api, bad: Bad) -> None:
    errors = api.errors(bad.document, bad.variables)

    assert [e["extensions"]["code"] for e in errors] == ["BAD_USER_INPUT"]
    assert bad.names in errors[0]["message"]


def test_an_invalid_argument_writes_nothing(api: Api, device: str) -> None:
    api.error_codes(PUT, {"d": device, "c": 1, "info": {**INFO, "temperature1": 1e200}})

    assert api.store.get(ReadingKey(device, 1), consistent=True) is None


# -- numbers JSON cannot carry -----------------------------------------------------------------

PUT_T1 = (
    '{"query": "mutation ($d: ID!, $t: Float) { putReading(reading: {deviceId: $d, '
    'datacount: 1, info: {infoTimestamp: \\"1\\", temperature1: $t}}) { __typename } }", '
    '"variables": {"d": "%s", "t": %s}}'
)


@pytest.mark.parametrize("number", ["1e400", "-1e400", "NaN", "Infinity", "-Infinity", "1e200"])
def test_an_unstorable_number_in_json_variables_is_bad_user_input(
    api: Api, device: str, number: str
) -> None:
    response = api.http.post(
        "/graphql",
        content=PUT_T1 % (device, number),
        headers={"content-type": "application/json"},
    )

    assert response.status_code < 500
    assert [e["extensions"]["code"] for e in response.json()["errors"]] == ["BAD_USER_INPUT"]
    assert api.store.get(ReadingKey(device, 1), consistent=True) is None


def test_an_unstorable_number_in_json_variables_is_named_in_the_error(
    api: Api, device: str
) -> None:
    response = api.http.post(
        "/graphql",
        content=PUT_T1 % (device, "1e400"),
        headers={"content-type": "application/json"},
    )

    message = response.json()["errors"][0]["message"]
    assert "$t" in message or "temperature1" in message, message


# -- documents that do not parse or validate ---------------------------------------------------

BAD_DOCUMENTS = {
    "syntax-error": '{ reading(deviceId: "x" datacount: 1 { datacount }',
    "unterminated": "{ reading(",
    "unknown-field": '{ reading(deviceId: "x", datacount: 1) { nope } }',
    "unknown-argument": '{ reading(deviceId: "x", datacount: 1, nope: 2) { datacount } }',
    "missing-argument": '{ reading(deviceId: "x") { datacount } }',
    "wrong-literal-type": '{ reading(deviceId: "x", datacount: "one") { datacount } }',
    "int-literal-over-32-bits": '{ reading(deviceId: "x", datacount: 3000000000) { datacount } }',
    "unknown-enum-value": '{ readingsByDevice(deviceId: "x", order: UP) { edges { cursor } } }',
    "no-selection-on-object": '{ reading(deviceId: "x", datacount: 1) }',
    "too-deep": '{ reading(deviceId: "x", datacount: 1) { device { latestReading { device {'
    " latestReading { device { latestReading { device { latestReading { device {"
    " latestReading { datacount } } } } } } } } } } }",
    "too-many-aliases": "{ " + " ".join(f"a{n}: __typename" for n in range(40)) + " }",
}


@pytest.mark.parametrize("document", list(BAD_DOCUMENTS.values()), ids=list(BAD_DOCUMENTS))
def test_a_document_that_does_not_parse_or_validate_is_bad_user_input(
    api: Api, document: str
) -> None:
    response = api.http.post("/graphql", json={"query": document})

    errors = response.json()["errors"]
    assert errors
    assert {e.get("extensions", {}).get("code") for e in errors} == {"BAD_USER_INPUT"}


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b"{not json", "application/json"),
        (b'{"variables": {}}', "application/json"),
        (b'{"query": 5}', "application/json"),
        (b"[1, 2]", "application/json"),
        (b"query=%7B__typename%7D", "application/x-www-form-urlencoded"),
        (b"{ __typename }", "text/plain"),
    ],
    ids=["invalid-json", "no-query", "query-not-a-string", "not-an-object", "form", "text"],
)
def test_a_request_that_is_not_a_graphql_request_gets_a_coded_error(
    api: Api, content: bytes, content_type: str
) -> None:
    response = api.http.post("/graphql", content=content, headers={"content-type": content_type})

    assert 400 <= response.status_code < 500
    assert [e["extensions"]["code"] for e in response.json()["errors"]] == ["BAD_USER_INPUT"]


# -- every error is coded ----------------------------------------------------------------------

ONE_OF_EACH = {
    "syntax": ("{ reading(", {}),
    "validation": ('{ reading(deviceId: "x", datacount: 1) { nope } }', {}),
    "argument": (BY_DEVICE, {"d": "x", "first": 0}),
    "variable": (READING, {"d": "x", "c": "abc"}),
    "cursor": ("query ($a: String) { scanReadings(after: $a) { edges { cursor } } }", {"a": "x"}),
    "deep": (BAD_DOCUMENTS["too-deep"], {}),
}


@pytest.mark.parametrize(
    ("document", "variables"), list(ONE_OF_EACH.values()), ids=list(ONE_OF_EACH)
)
def test_every_error_has_a_code_from_the_contract(
    api: Api, document: str, variables: dict[str, Any]
) -> None:
    errors = api.errors(document, variables)

    assert [e.get("extensions", {}).get("code") in CODES for e in errors] == [True] * len(errors)


# -- what the server did not expect ------------------------------------------------------------


SLOW = 3.0  # seconds the slow store takes, ten times the request timeout it is given


class ExplodingStore(ReadingStore):
    """A store whose consistent reads by key fail in a way nobody planned for."""

    def get(self, key: ReadingKey, *, consistent: bool = False) -> Reading | None:
        if consistent:
            raise RuntimeError("secret host ddb.internal:8000 said: table Devices is corrupt")
        return super().get(key)


class ThrottledStore(ReadingStore):
    def get(self, key: ReadingKey, *, consistent: bool = False) -> Reading | None:
        raise ThrottledError("the database is throttling requests; retry later", retry_after=3)


class SlowStore(ReadingStore):
    def get(self, key: ReadingKey, *, consistent: bool = False) -> Reading | None:
        time.sleep(SLOW)
        return None


@pytest.fixture(scope="module")
def exploding(api: Api) -> Iterator[Api]:
    store = ExplodingStore(api.client, api.table, lock=None)
    with also_serving(api, store=store) as served:
        yield served


def test_an_unexpected_exception_is_internal_server_error(exploding: Api, device: str) -> None:
    errors = exploding.errors(CONSISTENT, {"d": device, "c": 1})

    assert [e["extensions"]["code"] for e in errors] == ["INTERNAL_SERVER_ERROR"]


def test_an_unexpected_exception_shows_no_detail(exploding: Api, device: str) -> None:
    response = exploding.http.post(
        "/graphql", json={"query": CONSISTENT, "variables": {"d": device, "c": 1}}
    )

    for secret in ["ddb.internal", "8000", "corrupt", "RuntimeError", *DYNAMODB_TEXT]:
        assert secret not in response.text
    assert response.json()["errors"][0]["extensions"] == {"code": "INTERNAL_SERVER_ERROR"}


def test_an_unexpected_exception_leaves_the_other_fields_answered(
    exploding: Api, device: str
) -> None:
    exploding.store.batch_put([reading(device, 2)])

    body = exploding.query(
        """query ($d: ID!) { broken: reading(deviceId: $d, datacount: 1, consistentRead: true)
             { datacount } fine: reading(deviceId: $d, datacount: 2) { datacount } }""",
        {"d": device},
    )

    assert body["data"] == {"broken": None, "fine": {"datacount": 2}}
    assert [e["path"] for e in body["errors"]] == [["broken"]]


def test_a_reading_the_api_cannot_represent_is_a_masked_internal_error(
    api: Api, device: str
) -> None:
    # A real path to an unexpected error: DynamoDB holds a datacount beyond GraphQL's Int.
    api.client.put_item(
        TableName=api.table,
        Item={
            "device_id": {"S": device},
            "datacount": {"N": "3000000000"},
            "info": {"M": {"info_timestamp": {"S": "1612519200"}}},
        },
    )

    response = api.http.post("/graphql", json={"query": BY_DEVICE, "variables": {"d": device}})

    errors = response.json()["errors"]
    assert [e["extensions"]["code"] for e in errors] == ["INTERNAL_SERVER_ERROR"]
    assert "3000000000" not in response.text


def test_a_missing_table_is_backend_unavailable_without_dynamodb_text(
    fresh_api: Api, device: str
) -> None:
    fresh_api.drop_table()

    response = fresh_api.http.post(
        "/graphql", json={"query": READING, "variables": {"d": device, "c": 1}}
    )

    assert [e["extensions"]["code"] for e in response.json()["errors"]] == ["BACKEND_UNAVAILABLE"]
    for text in DYNAMODB_TEXT:
        assert text not in response.text


@pytest.mark.parametrize(
    "document",
    [BY_DEVICE, "{ scanReadings { edges { cursor } } }", CONSISTENT, PUT, UPDATE, DELETE],
    ids=["readingsByDevice", "scanReadings", "reading", "putReading", "updateReading", "delete"],
)
def test_every_operation_on_a_missing_table_is_backend_unavailable(
    fresh_api: Api, device: str, document: str
) -> None:
    fresh_api.drop_table()
    variables = {"d": device, "c": 1, "info": INFO, "condition": {}}
    used = {k: v for k, v in variables.items() if f"${k}" in document}

    assert fresh_api.error_codes(document, used) == ["BACKEND_UNAVAILABLE"]


def test_an_unreachable_dynamodb_is_backend_unavailable_without_its_address(api: Api) -> None:
    if api.backend == "moto":
        pytest.skip("moto answers for every endpoint while it is active")
    settings = settings_for(
        "Devices", endpoint_url="http://127.0.0.1:9", max_attempts=1, connect_timeout=0.5
    )
    store = ReadingStore(make_client(settings, aws_access_key_id="x", aws_secret_access_key="x"))

    with also_serving(api, store=store) as unreachable:
        response = unreachable.http.post(
            "/graphql", json={"query": READING, "variables": {"d": "x", "c": 1}}
        )

    assert [e["extensions"]["code"] for e in response.json()["errors"]] == ["BACKEND_UNAVAILABLE"]
    assert "127.0.0.1" not in response.text


def test_a_store_call_over_the_request_timeout_is_backend_unavailable(api: Api) -> None:
    store = SlowStore(api.client, api.table)

    with also_serving(api, store=store, request_timeout=0.3) as slow:
        started = time.monotonic()
        codes = slow.error_codes(CONSISTENT, {"d": "x", "c": 1})
        took = time.monotonic() - started

    assert codes == ["BACKEND_UNAVAILABLE"]
    assert took < SLOW  # answered without waiting for the store


@pytest.fixture(scope="module")
def throttled(api: Api) -> Iterator[Api]:
    with also_serving(api, store=ThrottledStore(api.client, api.table)) as served:
        yield served


def test_throttling_is_throttled_with_a_retry_after_hint(throttled: Api) -> None:
    errors = throttled.errors(CONSISTENT, {"d": "x", "c": 1})

    assert [e["extensions"]["code"] for e in errors] == ["THROTTLED"]
    assert errors[0]["extensions"]["retryAfter"] in (3, "3")


def test_throttling_sets_the_retry_after_header(throttled: Api) -> None:
    response = throttled.http.post(
        "/graphql", json={"query": CONSISTENT, "variables": {"d": "x", "c": 1}}
    )

    assert response.headers.get("retry-after") == "3"


def test_an_error_response_is_json_over_http_200_for_json_clients(api: Api) -> None:
    response = api.http.post(
        "/graphql",
        json={"query": BY_DEVICE, "variables": {"d": "x", "first": 0}},
        headers={"accept": "application/json"},
    )

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")


def test_an_unknown_operation_name_is_bad_user_input(api: Api) -> None:
    response = api.http.post(
        "/graphql", json={"query": "query A { __typename }", "operationName": "B"}
    )

    assert [e["extensions"]["code"] for e in response.json()["errors"]] == ["BAD_USER_INPUT"]
