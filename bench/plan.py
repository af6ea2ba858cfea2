"""What every measurement shares: the plan (sizes, durations), the documents, HTTP helpers.

The machine is shared and noisy, so paired measurements alternate (A, B, A, B, ...) and a
figure uses the median (latency, time) or the mean (requests per second) of its rounds.
"""

from __future__ import annotations

import http.client
import json
import sys
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit

import orjson

from bench.load import Request
from bench.loadgen import LoadReport

T = TypeVar("T")

INFO = "info { infoTimestamp temperature1 temperature2 temperature3 temperature4 temperature5 }"
READING_QUERY = (
    "query Reading($deviceId: ID!, $datacount: Int!) { "
    "reading(deviceId: $deviceId, datacount: $datacount) { "
    f"deviceId datacount version {INFO} }} }}"
)
SCAN_QUERY = (
    "query Scan($after: String) { scanReadings(first: 100, after: $after) { "
    f"edges {{ node {{ deviceId datacount version {INFO} }} }} "
    "pageInfo { hasNextPage endCursor } } }"
)
SCAN_PAGE = 100
MAX_PAGES = 100_000
KEYS_UNDER_LOAD = 1000  # distinct readings the load runs cycle through


@dataclass(frozen=True)
class Plan:
    """Sizes and durations of a run; `quick` is the smoke run's, `big` adds the large sizes."""

    quick: bool
    devices: int
    per_device: int
    warmup_items: int
    latency_rounds: int
    latency_s: float
    latency_warmup_s: float
    boto_calls: int
    throughput_rounds: int
    throughput_s: float
    throughput_warmup_s: float
    connections: int
    scan_rounds: int
    latest_devices: int
    latest_rounds: int
    latest_s: float
    rss_warmup_s: float
    rss_s: float
    writer_threads: tuple[int, ...]
    load_rounds: int  # rounds of the load figure, each side on a fresh DynamoDB Local
    scale_items: int  # the scan's per-reading cost is compared at this size and `items`
    million_items: int  # the load's peak RSS is compared at this size and `items`
    big: bool = False

    @property
    def items(self) -> int:
        return self.devices * self.per_device


FULL = Plan(
    quick=False,
    devices=100,
    per_device=100,
    warmup_items=1000,
    latency_rounds=3,
    latency_s=3.0,
    latency_warmup_s=0.5,
    boto_calls=400,
    throughput_rounds=2,
    throughput_s=8.0,
    throughput_warmup_s=2.0,
    connections=50,
    scan_rounds=3,
    latest_devices=20,
    latest_rounds=3,
    latest_s=3.0,
    rss_warmup_s=10.0,
    rss_s=60.0,
    writer_threads=(1, 2, 4, 8),
    # Three: with two, the "median" is the mean, and one slow start decided the figure (a
    # gql load of 8.03 s then 6.11 s gave 1.16 where the runs before gave 0.99 and 0.95).
    load_rounds=3,
    scale_items=100_000,
    million_items=1_000_000,
)

QUICK = Plan(
    quick=True,
    devices=20,
    per_device=5,
    warmup_items=0,
    latency_rounds=1,
    latency_s=0.3,
    latency_warmup_s=0.1,
    boto_calls=20,
    throughput_rounds=1,
    throughput_s=1.0,
    throughput_warmup_s=0.3,
    connections=50,
    scan_rounds=1,
    latest_devices=20,
    latest_rounds=1,
    latest_s=0.3,
    rss_warmup_s=0.3,
    rss_s=1.0,
    writer_threads=(1,),
    load_rounds=1,
    scale_items=500,
    million_items=1000,
    big=True,  # the "big" sizes of a quick run are tiny: it runs every figure
)


_STARTED = time.monotonic()


def in_turn(sides: Mapping[str, T], round_number: int) -> list[tuple[str, T]]:
    """The sides of a comparison in round `round_number`'s order: each round starts with the
    next side (the first slot of a round measures slower, bench/compare.py found), so that no
    side is first in every round and the order of measurement cannot decide a figure."""
    entries = list(sides.items())
    start = round_number % len(entries) if entries else 0
    return entries[start:] + entries[:start]


def say(message: str) -> None:
    print(f"bench [{time.monotonic() - _STARTED:5.1f} s]: {message}", file=sys.stderr, flush=True)


def device_id(index: int) -> str:
    return f"dev-{index:04d}"


def reading_key(plan: Plan) -> tuple[str, int]:
    """One key that exists (latency at one connection reads it over and over)."""
    return device_id(plan.devices // 2), max(1, plan.per_device // 2)


def reading_keys(plan: Plan) -> list[tuple[str, int]]:
    """Distinct keys that exist, spread over the devices, for the runs under load: with one
    key only, concurrent requests would all be served by the same read."""
    count = min(KEYS_UNDER_LOAD, plan.items)
    return [
        (device_id(n % plan.devices), 1 + (n // plan.devices) % plan.per_device)
        for n in range(count)
    ]


def reading_request(url: str, key: tuple[str, int]) -> Request:
    body = json.dumps(
        {"query": READING_QUERY, "variables": {"deviceId": key[0], "datacount": key[1]}}
    )
    return Request(f"{url}/graphql", body, expect=f'"datacount":{key[1]}')


def reading_requests(url: str, keys: list[tuple[str, int]]) -> Request:
    """`reading` of each key in turn (the built-in generator cycles through the bodies)."""
    bodies = tuple(
        json.dumps({"query": READING_QUERY, "variables": {"deviceId": d, "datacount": n}})
        for d, n in keys
    )
    return Request(f"{url}/graphql", bodies[0], expect='"datacount":', bodies=bodies)


def baseline_request(url: str, key: tuple[str, int]) -> Request:
    body = json.dumps({"deviceId": key[0], "datacount": key[1]})
    return Request(f"{url}/reading", body, expect='"datacount":')


def baseline_requests(url: str, keys: list[tuple[str, int]]) -> Request:
    bodies = tuple(json.dumps({"deviceId": d, "datacount": n}) for d, n in keys)
    return Request(f"{url}/reading", bodies[0], expect='"datacount":', bodies=bodies)


def latest_document(device_ids: list[str]) -> str:
    fields = " ".join(
        f'd{i}: device(deviceId: "{d}") {{ latestReading {{ datacount {INFO} }} }}'
        for i, d in enumerate(device_ids)
    )
    return "{ " + fields + " }"


class Http:
    """One keep-alive connection to a server."""

    def __init__(self, url: str, timeout: float = 30.0) -> None:
        parts = urlsplit(url)
        self.connection = http.client.HTTPConnection(
            parts.hostname or "127.0.0.1", parts.port or 80, timeout=timeout
        )

    def post(self, path: str, payload: Any) -> tuple[int, Any]:
        self.connection.request(
            "POST", path, body=orjson.dumps(payload), headers={"content-type": "application/json"}
        )
        response = self.connection.getresponse()
        return response.status, orjson.loads(response.read())

    def graphql(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        status, body = self.post("/graphql", {"query": query, "variables": variables or {}})
        if status != 200 or body.get("errors"):
            raise RuntimeError(f"GraphQL answered {status}: {json.dumps(body)[:1000]}")
        data: dict[str, Any] = body["data"]
        return data

    def close(self) -> None:
        self.connection.close()


def check(condition: bool, message: str) -> None:
    if not condition:
        raise RuntimeError(message)


def ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator > 0 else None


def report_dict(report: LoadReport) -> dict[str, Any]:
    return {k: round(v, 4) if isinstance(v, float) else v for k, v in asdict(report).items()}


def load_warnings(name: str, report: LoadReport) -> list[str]:
    if report.non2xx or report.errors:
        return [f"{name}: {report.non2xx} non-2xx answers and {report.errors} errors under load"]
    if report.requests == 0:
        return [f"{name}: no request completed"]
    return []
