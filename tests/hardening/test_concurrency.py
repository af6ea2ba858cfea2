"""Concurrency: optimistic locking under contention on DynamoDB Local, and the embedded backend
(in-process moto behind one lock) under concurrent requests. All over real HTTP."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from gql.store.readings import ReadingStore
from tests.api.conftest import settings_for
from tests.hardening.conftest import Figure, Serve, codes

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

DEVICE = "contended"
READ_VERSION = """query { reading(deviceId: "contended", datacount: 1, consistentRead: true) {
  version } }"""
UPDATE = """mutation($v: Int!, $t: Float!) {
  updateReading(deviceId: "contended", datacount: 1, expectedVersion: $v,
                info: {temperature1: $t}) {
    __typename
    ... on Reading { version info { temperature1 } }
    ... on ConditionFailed { current { version } }
    ... on ReadingNotFound { message }
  }
}"""
MAX_TRIES = 500  # per client; 50 clients need at most 50 tries each
TIME_LIMIT = 120.0


@dataclass
class Success:
    client: int
    version: int
    temperature: float
    retries: int


async def post(http: httpx.AsyncClient, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    response = await http.post("/graphql", json={"query": query, "variables": variables})
    body: dict[str, Any] = response.json()
    if "errors" in body:
        raise AssertionError(f"HTTP {response.status_code}: {codes(body)} {body['errors']}")
    data: dict[str, Any] = body["data"]
    return data


async def update_once(http: httpx.AsyncClient, client: int) -> Success:
    """Read the version, update with it; on ConditionFailed retry with the current version."""
    temperature = float(client)
    reading = (await post(http, READ_VERSION, {}))["reading"]
    version = reading["version"] or 0
    for retries in range(MAX_TRIES):
        result = (await post(http, UPDATE, {"v": version, "t": temperature}))["updateReading"]
        if result["__typename"] == "Reading":
            return Success(client, result["version"], result["info"]["temperature1"], retries)
        if result["__typename"] != "ConditionFailed":
            raise AssertionError(f"client {client}: {result}")
        version = result["current"]["version"] or 0
    raise AssertionError(f"client {client} gave up after {MAX_TRIES} tries")


async def contend(url: str, clients: int) -> list[Success]:
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=url, timeout=30, limits=limits) as http:
        work = asyncio.gather(*(update_once(http, i) for i in range(1, clients + 1)))
        return await asyncio.wait_for(work, TIME_LIMIT)


async def check_contention(
    clients: int,
    serve: Serve,
    local_store: ReadingStore,
    local_ddb: DynamoDBClient,
    figure: Figure,
) -> None:
    # A legacy reading (no version): expectedVersion 0 matches it, so N updates end at N.
    key = {"device_id": {"S": DEVICE}, "datacount": {"N": "1"}}
    info = {"M": {"info_timestamp": {"S": "1612519200"}, "temperature1": {"N": "0"}}}
    local_ddb.put_item(TableName=local_store.table, Item={**key, "info": info})
    http = serve(settings_for(local_store.table), local_store)

    started = time.monotonic()
    successes = await contend(http.url, clients)
    elapsed = time.monotonic() - started
    final = local_ddb.get_item(TableName=local_store.table, Key=key, ConsistentRead=True)["Item"]
    retries = sum(s.retries for s in successes)
    figure(
        f"{clients} concurrent updates: final version {final['version']['N']}, "
        f"{retries:,} ConditionFailed retries, {elapsed:.2f} s"
    )
    versions = sorted(s.version for s in successes)
    assert versions == list(range(1, clients + 1)), Counter(versions)
    assert Counter(s.client for s in successes) == Counter(range(1, clients + 1))
    assert int(final["version"]["N"]) == clients
    last = next(s for s in successes if s.version == clients)
    assert float(final["info"]["M"]["temperature1"]["N"]) == last.temperature


async def test_10_concurrent_updates_are_each_applied_once(
    serve: Serve, local_store: ReadingStore, local_ddb: DynamoDBClient, figure: Figure
) -> None:
    await check_contention(10, serve, local_store, local_ddb, figure)


@pytest.mark.slow
async def test_50_concurrent_updates_are_each_applied_once(
    serve: Serve, local_store: ReadingStore, local_ddb: DynamoDBClient, figure: Figure
) -> None:
    await check_contention(50, serve, local_store, local_ddb, figure)


# -- the embedded backend ----------------------------------------------------------------------

PUT = """mutation($c: Int!) {
  putReading(reading: {deviceId: "emb", datacount: $c,
             info: {infoTimestamp: "1612519200", temperature1: 21.5}}) {
    __typename ... on Reading { version } } }"""
BY_DEVICE = """{ readingsByDevice(deviceId: "emb", first: 100) {
  edges { node { datacount version } } } }"""
SCAN = "{ scanReadings(first: 100) { edges { node { deviceId datacount } } } }"
SAMPLE_READINGS = 6  # the embedded backend is seeded with the tutorial's six readings


async def test_embedded_backend_serves_concurrent_writes_and_reads(
    serve: Serve, figure: Figure
) -> None:
    http = serve(settings_for("Devices", backend="embedded"))
    writers = 20

    async def run(client: httpx.AsyncClient, query: str, variables: dict[str, Any]) -> Any:
        return await post(client, query, variables)

    started = time.monotonic()
    async with httpx.AsyncClient(base_url=http.url, timeout=30) as client:
        puts = [run(client, PUT, {"c": c}) for c in range(1, writers + 1)]
        reads = [run(client, SCAN if i % 2 else BY_DEVICE, {}) for i in range(writers)]
        mixed = [call for pair in zip(puts, reads, strict=True) for call in pair]
        results = await asyncio.wait_for(asyncio.gather(*mixed, return_exceptions=True), 60)
        failures = [r for r in results if isinstance(r, BaseException)]
        after = await post(client, BY_DEVICE, {})
        everything = await post(client, SCAN, {})
    elapsed = time.monotonic() - started
    stored = [
        (e["node"]["datacount"], e["node"]["version"]) for e in after["readingsByDevice"]["edges"]
    ]
    total = len(everything["scanReadings"]["edges"])
    figure(
        f"embedded: {writers} puts + {writers} reads at once: {len(failures)} failed, "
        f"{len(stored)} 'emb' readings and {total} in all afterwards, {elapsed:.2f} s"
    )
    assert failures == []
    assert stored == [(c, 1) for c in range(1, writers + 1)]
    assert total == writers + SAMPLE_READINGS
