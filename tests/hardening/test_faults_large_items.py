"""DynamoDB's size limits: 1 MB per Query/Scan page and 400 KB per item.

Items of ~300 KB (an extra string attribute, as other tools may add) are written directly with
the low-level client; the API must page through them (DynamoDB returns fewer items than asked,
with LastEvaluatedKey) and never answer 500. Whatever the API accepts must fit in an item, and
anything that would not is refused with BAD_USER_INPUT. Runs on moto and DynamoDB Local.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import pytest

from gql.schema.inputs import MAX_DEVICE_ID_BYTES, MAX_TIMESTAMP_LENGTH
from gql.store.readings import ReadingStore
from tests.api.conftest import settings_for
from tests.hardening.conftest import Figure, Http, Serve, codes

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

BIG_ITEMS = 12
BIG_SIZE = 300_000
MAX_PAGES = 20
ITEM_LIMIT = 400 * 1024
BY_DEVICE = """query($after: String) {
  readingsByDevice(deviceId: "big", first: 10, after: $after) {
    edges { node { deviceId datacount info { temperature1 } } }
    pageInfo { hasNextPage endCursor }
  }
}"""
SCAN = """query($after: String) {
  scanReadings(first: 10, after: $after) {
    edges { node { deviceId datacount info { temperature1 } } }
    pageInfo { hasNextPage endCursor }
  }
}"""
PUT = """mutation($reading: ReadingInput!) {
  putReading(reading: $reading) { __typename ... on Reading { deviceId version } }
}"""


def legacy_item(device_id: str, datacount: int, padding: int) -> dict[str, Any]:
    return {
        "device_id": {"S": device_id},
        "datacount": {"N": str(datacount)},
        "info": {"M": {"info_timestamp": {"S": "1612519200"}, "temperature1": {"S": "23.74"}}},
        "blob": {"S": "x" * padding},
    }


@pytest.fixture
def app(serve: Serve, store: ReadingStore) -> Http:
    return serve(settings_for(store.table), store)


@pytest.fixture
def big_items(client: DynamoDBClient, table: str) -> int:
    for datacount in range(1, BIG_ITEMS + 1):
        client.put_item(TableName=table, Item=legacy_item("big", datacount, BIG_SIZE))
    return BIG_ITEMS * BIG_SIZE


def pages(app: Http, document: str, field: str) -> list[list[int]]:
    """The datacounts of each page, following endCursor; every response must be error-free."""
    found: list[list[int]] = []
    after: str | None = None
    for _ in range(MAX_PAGES):
        response = app.post(document, {"after": after})
        assert response.status_code == 200, response.text
        body = response.json()
        assert "errors" not in body, body["errors"]
        connection = body["data"][field]
        found.append([edge["node"]["datacount"] for edge in connection["edges"]])
        if not connection["pageInfo"]["hasNextPage"]:
            return found
        after = connection["pageInfo"]["endCursor"]
    pytest.fail(f"{field} still had a next page after {MAX_PAGES} pages")


@pytest.mark.parametrize(
    ("document", "field"),
    [
        pytest.param(BY_DEVICE, "readingsByDevice", id="readingsByDevice"),
        pytest.param(SCAN, "scanReadings", id="scanReadings"),
    ],
)
def test_pages_over_1mb_are_continued_correctly(
    app: Http, big_items: int, document: str, field: str, figure: Figure
) -> None:
    started = time.monotonic()
    found = pages(app, document, field)
    elapsed = time.monotonic() - started
    figure(
        f"{field}(first: 10) over {BIG_ITEMS} items x {BIG_SIZE:,} B ({big_items / 1e6:.1f} MB): "
        f"pages of {[len(p) for p in found]} in {elapsed:.2f} s"
    )
    assert [len(page) for page in found] == [10, 2]
    assert sorted(d for page in found for d in page) == list(range(1, BIG_ITEMS + 1))


def reading(device_id: str, timestamp: str = "1612519200") -> dict[str, Any]:
    temperatures = {f"temperature{i}": -1.2345678901234567e-120 for i in range(1, 6)}
    return {
        "deviceId": device_id,
        "datacount": 1,
        "info": {"infoTimestamp": timestamp, **temperatures},
    }


@pytest.mark.parametrize(
    "device_id",
    [
        pytest.param("d" * MAX_DEVICE_ID_BYTES, id="ascii"),
        pytest.param("€" * 682 + "dd", id="multibyte"),
    ],
)
def test_largest_allowed_reading_is_written(app: Http, device_id: str, figure: Figure) -> None:
    assert len(device_id.encode()) == MAX_DEVICE_ID_BYTES
    body = app.body(PUT, {"reading": reading(device_id, "9" * MAX_TIMESTAMP_LENGTH)})
    figure(
        f"deviceId of {len(device_id.encode())} bytes ({len(device_id)} chars), "
        f"{MAX_TIMESTAMP_LENGTH}-char infoTimestamp, 5 temperatures: errors {codes(body)}"
    )
    assert "errors" not in body
    assert body["data"]["putReading"] == {
        "__typename": "Reading",
        "deviceId": device_id,
        "version": 1,
    }


@pytest.mark.parametrize(
    ("value", "what"),
    [
        pytest.param(reading("d" * (MAX_DEVICE_ID_BYTES + 1)), "deviceId", id="ascii-2049-bytes"),
        pytest.param(reading("€" * 683), "deviceId", id="multibyte-2049-bytes"),
        pytest.param(
            reading("d", "9" * (MAX_TIMESTAMP_LENGTH + 1)), "infoTimestamp", id="timestamp-65"
        ),
    ],
)
def test_over_limit_values_are_bad_user_input(
    app: Http, value: dict[str, Any], what: str, figure: Figure
) -> None:
    response = app.post(PUT, {"reading": value})
    body = response.json()
    figure(f"putReading with an over-limit {what}: HTTP {response.status_code} {codes(body)}")
    assert response.status_code == 200
    assert codes(body) == ["BAD_USER_INPUT"]
    assert what in body["errors"][0]["message"]


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(reading("d" * ITEM_LIMIT), id="deviceId-400KB"),
        pytest.param(reading("d", "9" * ITEM_LIMIT), id="timestamp-400KB"),
    ],
)
def test_400kb_values_are_refused_as_too_large_a_body(
    app: Http, value: dict[str, Any], figure: Figure
) -> None:
    response = app.post(PUT, {"reading": value})
    figure(f"putReading with a 400 KB value: HTTP {response.status_code} {codes(response.json())}")
    assert response.status_code == 413
    assert codes(response.json()) == ["BAD_USER_INPUT"]


def fill_to_the_limit(client: DynamoDBClient, table: str) -> int:
    """Write ("full", 1) as large as the backend accepts; returns the padding used."""
    low, high = ITEM_LIMIT - 16 * 1024, ITEM_LIMIT
    client.put_item(TableName=table, Item=legacy_item("full", 1, low))
    for _ in range(20):
        if low >= high:
            break
        middle = (low + high + 1) // 2
        try:
            client.put_item(TableName=table, Item=legacy_item("full", 1, middle))
            low = middle
        except client.exceptions.ClientError:
            high = middle - 1
    client.put_item(TableName=table, Item=legacy_item("full", 1, low))
    return low


GROW = {
    "updateReading": """mutation { updateReading(deviceId: "full", datacount: 1,
        info: {infoTimestamp: "%s", temperature2: 1.2345678901234567,
               temperature3: 2.5, temperature4: 3.5, temperature5: 4.5}) { __typename } }""",
    "putReading": """mutation { putReading(reading: {deviceId: "full", datacount: 1,
        info: {infoTimestamp: "%s", temperature1: 1.2345678901234567,
               temperature3: 2.5, temperature4: 3.5, temperature5: 4.5}}) { __typename } }""",
}


@pytest.mark.parametrize("mutation", GROW)
def test_growing_an_item_past_400kb_is_bad_user_input(
    app: Http, client: DynamoDBClient, table: str, mutation: str, figure: Figure
) -> None:
    padding = fill_to_the_limit(client, table)
    response = app.post(GROW[mutation] % ("9" * MAX_TIMESTAMP_LENGTH))
    body = response.json()
    figure(
        f"{mutation} growing a legacy item of {padding:,} B padding past 400 KB: "
        f"HTTP {response.status_code} {codes(body)} {body['errors'][0]['message']!r}"
    )
    assert response.status_code == 200
    assert codes(body) == ["BAD_USER_INPUT"]
    assert "400 KB" in body["errors"][0]["message"]
