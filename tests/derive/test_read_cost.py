"""Issue 16, "Read cost": on a device of 100,000 readings, a series of 30 daily buckets reads at
most 100 items, and a recordedAt window of 50 readings at most 2 pages.

The readings are loaded the fastest honest way (BatchWriteItem from 8 threads into a DynamoDB
Local of the test's own, the table without a stream: nothing here reads it). Their history is
what the rollup arithmetic of gql.history makes of them (tests/derive/recording.py's
expected_history, the oracle every derivation test is checked against), written with
BatchWriteItem, plus a rebuild's status: this test is about what queries read, and a rebuild of
100,000 readings took a third of it (its own figure is `make bench`'s depth_rebuild; its
exactness, tests/derive/test_rebuild*.py). `gql serve` reaches DynamoDB through a proxy that
counts, from DynamoDB's answers on the wire, the requests and the items read
(tests/derive/itemproxy.py).
"""

from __future__ import annotations

import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

from gql.models import Reading, ReadingInfo
from gql.store import DynamoDB, Tables
from gql.store.historycodec import Status, registry_key, rollup_attributes, status_to_item
from gql.store.timeindex import INDEX_ATTRIBUTE, index_definition
from tests.derive.checks import graphql
from tests.derive.conftest import OwnLocal
from tests.derive.itemproxy import ItemProxy
from tests.derive.recording import expected_history
from tests.derive.scenario import iso
from tests.integration.conftest import Server

DEVICE = "big"
COUNT = 100_000
STEP = 30  # seconds between readings: 2,880 a day, 34.7 days
START = 1_790_000_000 - 1_790_000_000 % 86_400  # a UTC midnight
DAY = 86_400
SERIES = """query ($at: TimeRange!) { device(deviceId: "big") {
  series(recordedAt: $at, bucketSeconds: 86400) { start count temperature1 { min max avg } } } }"""
WINDOW = """query ($at: TimeRange!) {
  readingsByDevice(deviceId: "big", recordedAt: $at, first: 50) {
    edges { node { datacount } } pageInfo { hasNextPage } } }"""
STATS = """query ($at: TimeRange) { device(deviceId: "big") {
  readingCount stats(recordedAt: $at) { count complete temperature1 { avg } } } }"""


def temperature(n: int) -> Decimal:
    return Decimal(n * 37 % 1000 - 400) / 10


def item(n: int) -> dict[str, Any]:
    stamp = str(START + STEP * n)
    return {
        "device_id": {"S": DEVICE},
        "datacount": {"N": str(n)},
        "info": {"M": {"info_timestamp": {"S": stamp}, "temperature1": {"N": str(temperature(n))}}},
        "recorded_at": {"N": stamp},  # as every write of the API has it
        "version": {"N": "1"},
    }


def load(local: OwnLocal, table: str) -> float:
    local.client.create_table(
        TableName=table,
        KeySchema=[
            {"AttributeName": "device_id", "KeyType": "HASH"},
            {"AttributeName": "datacount", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": "device_id", "AttributeType": "S"},
            {"AttributeName": "datacount", "AttributeType": "N"},
            INDEX_ATTRIBUTE,  # type: ignore[list-item]
        ],
        BillingMode="PAY_PER_REQUEST",
        GlobalSecondaryIndexes=[index_definition()],  # type: ignore[list-item]
    )
    Tables(DynamoDB(local.client, table), history=f"{table}History").create_history(wait=True)

    def write(first: int) -> None:
        request: Any = {
            table: [{"PutRequest": {"Item": item(n)}} for n in range(first, first + 25)]
        }
        while request:
            request = local.client.batch_write_item(RequestItems=request).get("UnprocessedItems")

    started = time.monotonic()
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(write, range(0, COUNT, 25)))
    return time.monotonic() - started


def write_history(local: OwnLocal, history: str) -> int:
    """The rollups and registry entry of the readings, and a rebuild's status; items written."""
    readings = [
        Reading(DEVICE, n, ReadingInfo(str(START + STEP * n), temperature1=temperature(n)))
        for n in range(COUNT)
    ]
    items: list[dict[str, Any]] = []
    for (pk, sk), rollup in expected_history(readings).items():
        item = {"pk": {"S": pk}, "sk": {"S": sk}, **rollup_attributes(rollup), "v": {"N": "1"}}
        if (pk, sk) == (registry_key(DEVICE)["pk"]["S"], registry_key(DEVICE)["sk"]["S"]):
            item["device"] = {"S": DEVICE}
        items.append(item)
    items.append(status_to_item(Status("rebuild", time.time(), 0, time.time(), False)))

    def write(first: int) -> None:
        request: Any = {history: [{"PutRequest": {"Item": i}} for i in items[first : first + 25]]}
        while request:
            request = local.client.batch_write_item(RequestItems=request).get("UnprocessedItems")

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(write, range(0, len(items), 25)))
    return len(items)


def day_figures(day: int) -> dict[str, Any]:
    values = [
        Fraction(temperature(n))
        for n in range(COUNT)
        if START + day * DAY <= START + STEP * n < START + (day + 1) * DAY
    ]
    return {
        "start": iso(START + day * DAY),
        "count": len(values),
        "temperature1": {
            "min": float(min(values)),
            "max": float(max(values)),
            "avg": float(sum(values) / len(values)),
        },
    }


def measured(
    proxy: ItemProxy, server: Server, document: str, at: dict[str, str]
) -> tuple[Any, Counter[str], Counter[str]]:
    requests, items = proxy.snapshot()
    data = graphql(server.http, document, {"at": at})
    after_requests, after_items = proxy.snapshot()
    return data, after_requests - requests, after_items - items


def test_a_series_of_30_days_and_a_window_of_50_readings_read_little_of_100000(
    own_local: OwnLocal, tmp_path: Path
) -> None:
    loading = load(own_local, "Big")
    started = time.monotonic()
    written = write_history(own_local, "BigHistory")
    rebuilding = time.monotonic() - started

    with ItemProxy(own_local.url) as proxy:
        env = own_local.env("Big", AWS_ENDPOINT_URL_DYNAMODB=proxy.url, GQL_REQUEST_TIMEOUT="30")
        with Server(env, tmp_path) as server:
            whole = graphql(server.http, STATS, {})["device"]  # also learns that history is kept
            days = {"from": iso(START + DAY), "to": iso(START + 31 * DAY)}
            series, series_requests, series_items = measured(proxy, server, SERIES, days)
            window = {
                "from": iso(START + 10 * DAY + 45),
                "to": iso(START + 10 * DAY + 45 + 50 * STEP),
            }
            page, page_requests, page_items = measured(proxy, server, WINDOW, window)
            unaligned = {"from": iso(START + DAY + 1234), "to": iso(START + 31 * DAY + 1234)}
            _, _, unaligned_items = measured(proxy, server, STATS, unaligned)

    assert whole["readingCount"] == COUNT
    assert whole["stats"]["count"] == COUNT
    assert series["device"]["series"] == [day_figures(day) for day in range(1, 31)]
    assert sum(series_items.values()) <= 100, series_items
    first = (10 * DAY + 45 + STEP - 1) // STEP  # the first reading at or after the window's start
    assert [e["node"]["datacount"] for e in page["readingsByDevice"]["edges"]] == list(
        range(first, first + 50)
    )
    assert page["readingsByDevice"]["pageInfo"]["hasNextPage"] is False
    assert page_requests["Query"] <= 2, page_requests
    print(
        f"\nread cost: loaded {COUNT} readings in {loading:.0f} s, their {written} history items "
        f"in {rebuilding:.0f} s; "
        f"series of 30 daily buckets: {sum(series_items.values())} items in "
        f"{sum(series_requests.values())} requests {dict(series_items)}; window of 50 readings: "
        f"{page_requests['Query']} Query pages, {sum(page_items.values())} items; stats of 30 "
        f"unaligned days: {sum(unaligned_items.values())} items"
    )
