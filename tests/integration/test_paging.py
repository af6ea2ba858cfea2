"""1,000 readings loaded by `gql load`, read back 7 at a time through a running `gql serve`.

The table holds device 20001's 1,000 readings plus the tutorial's six of devices 10001-10003,
so a query must stay in its partition and a scan must cross them all.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest

from tests.integration.conftest import (
    SAMPLE,
    Server,
    create_table,
    drop_table,
    local_env,
    pages,
    run_ok,
    sample_items,
    unique_table,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

DEVICE = "20001"
COUNT = 1000
PAGE = 7
# temperature1 is (datacount % 50) + 0.5, so this matches 400 of the 1,000 and three of the
# tutorial's six (37.2, 34.23, 34.55).
WARM = 30

BY_DEVICE = """query($deviceId: ID!, $filter: ReadingCondition, $after: String) {
  readingsByDevice(deviceId: $deviceId, filter: $filter, first: 7, after: $after) {
    edges { node { deviceId datacount } } pageInfo { hasNextPage endCursor } } }"""
SCAN = """query($filter: ReadingCondition, $after: String) {
  scanReadings(filter: $filter, first: 7, after: $after) {
    edges { node { deviceId datacount } } pageInfo { hasNextPage endCursor } } }"""
WARM_FILTER = {"temperature1": {"gte": WARM}}

Key = tuple[str, int]


def generated() -> list[dict[str, Any]]:
    return [
        {
            "device_id": DEVICE,
            "datacount": n,
            "info": {
                "info_timestamp": str(1612519200 + 60 * n),
                "temperature1": n % 50 + 0.5,
                "temperature2": 21.25,
            },
        }
        for n in range(1, COUNT + 1)
    ]


def every_reading() -> list[tuple[Key, Decimal]]:
    """(key, temperature1) of everything in the table, from the files, not from the server."""
    items = [*sample_items(), *json.loads(json.dumps(generated()), parse_float=Decimal)]
    return [
        ((item["device_id"], int(item["datacount"])), Decimal(item["info"]["temperature1"]))
        for item in items
    ]


@pytest.fixture(scope="module")
def table(
    dynamodb_local_url: str, dynamodb: DynamoDBClient, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    name = unique_table("paging")
    bulk = tmp_path_factory.mktemp("paging") / "bulk.json"
    bulk.write_text(json.dumps(generated()), encoding="utf-8")
    try:
        # Made as the tutorial makes it, without a stream (no test here reads one): DynamoDB
        # Local writes to a stream-enabled table several times slower.
        create_table(dynamodb, name)
        for file in (bulk, SAMPLE):
            run_ok("load", file, env=local_env(dynamodb_local_url, name))
        yield name
    finally:
        drop_table(dynamodb, name)


@pytest.fixture(scope="module")
def server(
    dynamodb_local_url: str, table: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    env = local_env(dynamodb_local_url, table)
    with Server(env, tmp_path_factory.mktemp("server")) as server:
        yield server


def assert_full_pages(found: list[list[Key]]) -> None:
    """Every page holds 7 readings except the last, which may hold fewer."""
    sizes = [len(page) for page in found]
    assert all(size == PAGE for size in sizes[:-1]), sizes
    assert sizes[-1] <= PAGE, sizes


def flat(found: list[list[Key]]) -> list[Key]:
    return [key for page in found for key in page]


def test_readings_by_device_pages_through_all_1000_in_datacount_order(
    server: Server,
) -> None:
    found = pages(server, BY_DEVICE, "readingsByDevice", {"deviceId": DEVICE})

    assert flat(found) == [(DEVICE, n) for n in range(1, COUNT + 1)]
    assert_full_pages(found)
    assert len(found) == -(-COUNT // PAGE)  # without a filter, hasNextPage is exact


def test_readings_by_device_with_a_filter_pages_through_exactly_the_matches(
    server: Server,
) -> None:
    expected = [key for key, t1 in every_reading() if key[0] == DEVICE and t1 >= WARM]

    found = pages(
        server, BY_DEVICE, "readingsByDevice", {"deviceId": DEVICE, "filter": WARM_FILTER}
    )

    assert len(expected) == 400
    assert flat(found) == expected
    assert_full_pages(found)


def test_scan_readings_pages_through_every_reading_once(server: Server) -> None:
    expected = sorted(key for key, _ in every_reading())

    found = pages(server, SCAN, "scanReadings", {})

    assert len(flat(found)) == len(set(flat(found)))
    assert sorted(flat(found)) == expected
    assert_full_pages(found)
    assert len(found) == -(-len(expected) // PAGE)


def test_scan_readings_with_a_filter_pages_through_exactly_the_matches(
    server: Server,
) -> None:
    expected = sorted(key for key, t1 in every_reading() if t1 >= WARM)

    found = pages(server, SCAN, "scanReadings", {"filter": WARM_FILTER})

    assert len(expected) == 403
    assert len(flat(found)) == len(set(flat(found)))
    assert sorted(flat(found)) == expected
    assert_full_pages(found)
