"""Reads by key from concurrent requests share BatchGetItems, on DynamoDB Local over HTTP.

DynamoDB calls are counted with a botocore event hook on the server's own client, not a mock:
every request still gets its own reading, in fewer calls than there were requests.
"""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from gql.store.readings import ReadingStore
from tests.api.conftest import Api, reading, standalone_api

DEVICES = 8
PER_DEVICE = 10
READ = """query($d: ID!, $n: Int!, $c: Boolean!) {
  reading(deviceId: $d, datacount: $n, consistentRead: $c) {
    deviceId datacount info { infoTimestamp }
  }
}"""


def seed(store: ReadingStore) -> None:
    store.batch_put(
        reading(f"co-{d}", n, str(1_600_000_000 + d * 1000 + n))
        for d in range(DEVICES)
        for n in range(1, PER_DEVICE + 1)
    )


class CallCounter:
    """Counts the operations the client sends, by name, from a botocore event hook."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self._lock = threading.Lock()

    def __call__(self, model: Any, **_: Any) -> None:
        with self._lock:
            self.calls[model.name] += 1


@pytest.fixture(scope="module", params=["dynamodb-local"])  # threads: not in-process moto
def api(request: pytest.FixtureRequest) -> Iterator[Api]:
    with standalone_api(request.param, seed) as served:
        yield served


@pytest.fixture
def counter(api: Api) -> Iterator[CallCounter]:
    counter = CallCounter()
    events = api.client.meta.events
    events.register("before-call.dynamodb", counter, unique_id="test-coalescing-counter")
    yield counter
    events.unregister("before-call.dynamodb", unique_id="test-coalescing-counter")


def expected(d: int, n: int) -> dict[str, Any]:
    return {
        "deviceId": f"co-{d}",
        "datacount": n,
        "info": {"infoTimestamp": str(1_600_000_000 + d * 1000 + n)},
    }


async def read_all(api: Api, keys: list[tuple[int, int]], consistent: bool) -> list[Any]:
    base = str(api.http.base_url)
    limits = httpx.Limits(max_connections=len(keys))
    async with httpx.AsyncClient(base_url=base, timeout=30, limits=limits) as client:

        async def one(d: int, n: int) -> Any:
            variables = {"d": f"co-{d}", "n": n, "c": consistent}
            response = await client.post("/graphql", json={"query": READ, "variables": variables})
            return response.json()

        return await asyncio.gather(*(one(d, n) for d, n in keys))


def all_keys() -> list[tuple[int, int]]:
    keys = [(d, n) for d in range(DEVICES) for n in range(1, PER_DEVICE + 1)]
    return [*keys, (0, 999)]  # and one that does not exist


def test_concurrent_requests_each_get_their_own_reading(api: Api, counter: CallCounter) -> None:
    keys = all_keys()

    bodies = asyncio.run(read_all(api, keys, consistent=False))

    for (d, n), body in zip(keys, bodies, strict=True):
        want = expected(d, n) if n != 999 else None
        assert body == {"data": {"reading": want}}, (d, n)


def test_concurrent_requests_make_fewer_dynamodb_calls_than_requests(
    api: Api, counter: CallCounter
) -> None:
    keys = all_keys()

    asyncio.run(read_all(api, keys, consistent=False))

    sent = counter.calls["BatchGetItem"] + counter.calls["GetItem"]
    assert sent < len(keys), dict(counter.calls)
    assert counter.calls["BatchGetItem"] >= 1, dict(counter.calls)


def test_consistent_reads_keep_one_getitem_each(api: Api, counter: CallCounter) -> None:
    keys = all_keys()[:20]

    bodies = asyncio.run(read_all(api, keys, consistent=True))

    assert [b["data"]["reading"] for b in bodies] == [expected(d, n) for d, n in keys]
    assert counter.calls == Counter({"GetItem": len(keys)})


def test_lone_request_is_one_getitem(api: Api, counter: CallCounter) -> None:
    body = api.query(READ, {"d": "co-1", "n": 2, "c": False})

    assert body == {"data": {"reading": expected(1, 2)}}
    assert counter.calls == Counter({"GetItem": 1})


# -- latestReading: one Query per device, shared by the requests in flight ---------------------

LATEST = """query($d: ID!) { device(deviceId: $d) { latestReading { datacount } } }"""
LATEST_OF_MANY = """query($a: ID!, $b: ID!, $c: ID!) {
  a: device(deviceId: $a) { latestReading { datacount } }
  b: device(deviceId: $b) { latestReading { datacount } }
  c: device(deviceId: $c) { latestReading { datacount } } }"""


async def latest_all(api: Api, devices: list[str]) -> list[Any]:
    base = str(api.http.base_url)
    limits = httpx.Limits(max_connections=len(devices))
    async with httpx.AsyncClient(base_url=base, timeout=30, limits=limits) as client:

        async def one(device: str) -> Any:
            body = {"query": LATEST, "variables": {"d": device}}
            return (await client.post("/graphql", json=body)).json()

        return await asyncio.gather(*(one(device) for device in devices))


def test_concurrent_requests_for_the_latest_readings_share_their_queries(
    api: Api, counter: CallCounter
) -> None:
    # Every device asked for by 6 requests at once, and one device without readings.
    devices = [f"co-{d}" for d in range(DEVICES)] * 6 + ["co-none"] * 3

    bodies = asyncio.run(latest_all(api, devices))

    for device, body in zip(devices, bodies, strict=True):
        want = None if device == "co-none" else {"datacount": PER_DEVICE}
        assert body == {"data": {"device": {"latestReading": want}}}, device
    # At most one Query per device and batch; the requests arrive while batches are out.
    assert counter.calls["Query"] < len(devices), dict(counter.calls)
    assert set(counter.calls) == {"Query"}, dict(counter.calls)


def test_the_latest_readings_of_one_request_are_each_its_own_device(
    api: Api, counter: CallCounter
) -> None:
    data = api.data(LATEST_OF_MANY, {"a": "co-3", "b": "co-none", "c": "co-5"})

    assert data == {
        "a": {"latestReading": {"datacount": PER_DEVICE}},
        "b": {"latestReading": None},
        "c": {"latestReading": {"datacount": PER_DEVICE}},
    }
    assert counter.calls == Counter({"Query": 3})
