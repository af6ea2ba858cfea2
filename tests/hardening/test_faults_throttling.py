"""Throttling: a fake DynamoDB on loopback answers every request with
ProvisionedThroughputExceededException (HTTP 400), as DynamoDB does when a table is throttled.

botocore retries it with the configured retry mode; when the attempts run out the client gets
THROTTLED with `extensions.retryAfter` and an HTTP Retry-After header.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from gql.config import RetryMode, Settings
from gql.store.readings import ReadingStore
from tests.api.conftest import DEFAULT_BUDGET, settings_for
from tests.hardening.conftest import Figure, Http, Serve, codes, decoded
from tests.hardening.fakes import FakeDynamoDB

READ = '{ reading(deviceId: "d", datacount: 1, consistentRead: true) { datacount } }'
# Isolates botocore's retries from the request budget in the tests that count attempts.
NO_BUDGET = 30.0
StoreAt = Callable[[Settings], ReadingStore]


@pytest.fixture
def throttling() -> Iterator[FakeDynamoDB]:
    with FakeDynamoDB() as fake:
        yield fake


def throttled_app(
    serve: Serve, store_at: StoreAt, fake: FakeDynamoDB, **overrides: Any
) -> tuple[Http, Settings]:
    settings = settings_for("Devices", backend="aws", endpoint_url=fake.url, **overrides)
    return serve(settings, store_at(settings)), settings


@pytest.mark.parametrize(
    ("mode", "attempts"),
    [pytest.param("standard", 2, id="standard-2"), pytest.param("legacy", 4, id="legacy-4")],
)
def test_throttled_call_is_attempted_max_attempts_times(
    serve: Serve,
    store_at: StoreAt,
    throttling: FakeDynamoDB,
    mode: RetryMode,
    attempts: int,
    figure: Figure,
) -> None:
    http, settings = throttled_app(
        serve,
        store_at,
        throttling,
        retry_mode=mode,
        max_attempts=attempts,
        request_timeout=NO_BUDGET,
    )
    started = time.monotonic()
    body = http.body(READ)
    elapsed = time.monotonic() - started
    seen = [s.target for s in throttling.seen]
    figure(
        f"retry_mode={mode}, max_attempts={settings.max_attempts}: the fake saw {len(seen)} "
        f"GetItem attempts in {elapsed:.2f} s, then {codes(body)}"
    )
    assert codes(body) == ["THROTTLED"]
    assert seen == ["GetItem"] * settings.max_attempts


def test_throttled_request_gets_throttled_with_retry_after(
    serve: Serve, store_at: StoreAt, throttling: FakeDynamoDB, figure: Figure
) -> None:
    # legacy mode backs off for DynamoDB in tens of milliseconds: a quick test.
    http, _ = throttled_app(
        serve, store_at, throttling, retry_mode="legacy", max_attempts=2, request_timeout=NO_BUDGET
    )
    response = http.post(READ)
    body = decoded(response)
    extensions = body["errors"][0]["extensions"]
    header = response.headers.get("retry-after")
    figure(
        f"throttled: HTTP {response.status_code}, {codes(body)}, "
        f"retryAfter {extensions.get('retryAfter')!r}, Retry-After: {header}"
    )
    assert codes(body) == ["THROTTLED"]
    assert int(extensions["retryAfter"]) >= 1
    assert header == str(extensions["retryAfter"])


def test_throttled_requests_with_default_settings_get_throttled(
    serve: Serve, store_at: StoreAt, throttling: FakeDynamoDB, figure: Figure
) -> None:
    # With the defaults (standard mode, 3 attempts, 2.5 s budget) botocore's backoff for
    # throttling (up to 1 s, then up to 2 s, ...) must still end in THROTTLED: a table that is
    # throttled is not "unavailable", and clients act on the difference.
    http, settings = throttled_app(serve, store_at, throttling, request_timeout=DEFAULT_BUDGET)
    clients = 12

    async def one(client: httpx.AsyncClient) -> tuple[list[str], float]:
        started = time.monotonic()
        response = await client.post("/graphql", json={"query": READ})
        return codes(decoded(response)), time.monotonic() - started

    async def all_of_them() -> list[tuple[list[str], float]]:
        async with httpx.AsyncClient(base_url=http.url, timeout=30) as client:
            return await asyncio.gather(*(one(client) for _ in range(clients)))

    results = asyncio.run(asyncio.wait_for(all_of_them(), timeout=30))
    tally = Counter(code for found, _ in results for code in found)
    slowest = max(elapsed for _, elapsed in results)
    figure(
        f"{clients} throttled requests with defaults (retry {settings.retry_mode}, "
        f"max_attempts {settings.max_attempts}, budget {settings.request_timeout} s): "
        f"{dict(tally)}, slowest {slowest:.2f} s"
    )
    assert tally == Counter({"THROTTLED": clients})
