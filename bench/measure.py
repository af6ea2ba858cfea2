"""The six measurements. Each returns a Figure: a ratio against a baseline of the same run.

The machine is shared and noisy, so paired measurements alternate (A, B, A, B, ...) and a
figure uses the median (latency, time) or the mean (requests per second) of its rounds.
"""

from __future__ import annotations

import http.client
import json
import statistics
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import orjson

from bench.load import Builtin, Request, Tool
from bench.loadgen import LoadReport
from bench.report import Figure
from bench.stack import Server, Stack
from gql.config import Settings
from gql.store.client import make_client

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

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
MAX_PAGES = 10_000


@dataclass(frozen=True)
class Plan:
    """Sizes and durations of a run; `quick` is the smoke run's."""

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
)


_STARTED = time.monotonic()


def say(message: str) -> None:
    print(f"bench [{time.monotonic() - _STARTED:5.1f} s]: {message}", file=sys.stderr, flush=True)


def device_id(index: int) -> str:
    return f"dev-{index:04d}"


def reading_key(plan: Plan) -> tuple[str, int]:
    """The key the latency and throughput runs read: one that exists."""
    return device_id(plan.devices // 2), max(1, plan.per_device // 2)


# -- HTTP from the bench process ---------------------------------------------------------


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


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise RuntimeError(message)


def _ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator > 0 else None


def _report(report: LoadReport) -> dict[str, Any]:
    return {k: round(v, 4) if isinstance(v, float) else v for k, v in asdict(report).items()}


def _load_warnings(name: str, report: LoadReport) -> list[str]:
    if report.non2xx or report.errors:
        return [f"{name}: {report.non2xx} non-2xx answers and {report.errors} errors under load"]
    if report.requests == 0:
        return [f"{name}: no request completed"]
    return []


# -- 4. gql load against the tutorial's put_item loop ------------------------------------


def measure_load(
    stack: Stack,
    plan: Plan,
    main_table: str,
    data_file: Path,
    warmup_file: Path | None,
    variant: str | None = None,
) -> Figure:
    """Loads `data_file` into `main_table` with `gql load` (which seeds the other figures)."""
    figure = Figure("load", f"gql load of {plan.items:,} readings vs put_item each", ">=", 8.0)
    tutorial_table = stack.create_table("tutorial")
    if warmup_file is not None:
        # DynamoDB Local's JIT is cold at first: warm both write paths before timing them.
        say(f"warming DynamoDB Local up with {plan.warmup_items} writes each way")
        warm_table = stack.create_table("warmup")
        stack.gql("load", warmup_file, table=warm_table, variant=variant)
        stack.python("-m", "bench.tutorial_load", warmup_file, warm_table, table=warm_table)
        stack.client.delete_table(TableName=warm_table)

    say(f"gql load: {plan.items:,} readings")
    started = time.perf_counter()
    done = stack.gql("load", data_file, table=main_table, timeout=600, variant=variant)
    gql_s = time.perf_counter() - started
    say(f"  {gql_s:.2f} s ({done.stdout.strip()})")

    say(f"the tutorial's load_data.py (put_item each): {plan.items:,} readings")
    started = time.perf_counter()
    done = stack.python(
        "-m", "bench.tutorial_load", data_file, tutorial_table, table=tutorial_table, timeout=900
    )
    tutorial_s = time.perf_counter() - started
    inner = json.loads(done.stderr.strip().splitlines()[-1])
    say(f"  {tutorial_s:.2f} s")
    stack.client.delete_table(TableName=tutorial_table)

    count = stack.client.describe_table(TableName=main_table)["Table"].get("ItemCount")
    figure.ratio = _ratio(tutorial_s, gql_s)
    figure.summary = f"put_item each {tutorial_s:.2f} s / gql load {gql_s:.2f} s"
    figure.detail = {
        "items": plan.items,
        "gql_load_s": round(gql_s, 3),
        "tutorial_s": round(tutorial_s, 3),
        "tutorial_writing_s": round(float(inner["seconds"]), 3),
        "gql_items_per_s": round(plan.items / gql_s, 1),
        "tutorial_items_per_s": round(plan.items / tutorial_s, 1),
        "note": "wall-clock of each command, interpreter start included",
    }
    if count is not None and count not in (0, plan.items):
        figure.warnings.append(f"table reports {count} items after gql load")
    return figure


# -- 1. latency --------------------------------------------------------------------------


def _boto_p50s(
    client: DynamoDBClient, table: str, key: tuple[str, int], calls: int
) -> dict[str, float]:
    item_key: Any = {"device_id": {"S": key[0]}, "datacount": {"N": str(key[1])}}
    times: dict[str, list[float]] = {"get_item": [], "batch_get_item": []}
    for _ in range(calls):
        started = time.perf_counter_ns()
        response: Any = client.get_item(TableName=table, Key=item_key)
        times["get_item"].append((time.perf_counter_ns() - started) / 1e6)
        _check("Item" in response, f"get_item found no item at {key}")
        started = time.perf_counter_ns()
        client.batch_get_item(RequestItems={table: {"Keys": [item_key]}})
        times["batch_get_item"].append((time.perf_counter_ns() - started) / 1e6)
    return {name: statistics.median(values) for name, values in times.items()}


def reading_request(url: str, key: tuple[str, int]) -> Request:
    body = json.dumps(
        {"query": READING_QUERY, "variables": {"deviceId": key[0], "datacount": key[1]}}
    )
    return Request(f"{url}/graphql", body, expect=f'"datacount":{key[1]}')


def baseline_request(url: str, path: str, key: tuple[str, int]) -> Request:
    body = json.dumps({"deviceId": key[0], "datacount": key[1]})
    return Request(f"{url}{path}", body, expect='"datacount":')


def check_reading(gql: Server, base: Server, key: tuple[str, int]) -> None:
    """One request each way, answered as expected, before anything is timed."""
    client = Http(gql.url)
    try:
        data = client.graphql(READING_QUERY, {"deviceId": key[0], "datacount": key[1]})
    finally:
        client.close()
    _check((data.get("reading") or {}).get("datacount") == key[1], f"reading {key} answered {data}")
    client = Http(base.url)
    try:
        status, body = client.post("/reading", {"deviceId": key[0], "datacount": key[1]})
    finally:
        client.close()
    _check(status == 200 and body["data"]["reading"]["datacount"] == key[1], f"baseline: {body}")


def measure_latency(stack: Stack, plan: Plan, gql: Server, base: Server, table: str) -> Figure:
    figure = Figure("latency", "latency: reading p50 vs get_item p50 + JSON route p50", "<=", 1.15)
    key = reading_key(plan)
    client = make_client(Settings.from_env(stack.env(table)))
    builtin = Builtin()
    targets = {
        "graphql_reading": reading_request(gql.url, key),
        "starlette_json": baseline_request(base.url, "/json", key),
        "starlette_get_item": baseline_request(base.url, "/reading", key),
    }
    p50s: dict[str, list[float]] = {name: [] for name in [*targets, "get_item", "batch_get_item"]}
    p99s: dict[str, list[float]] = {name: [] for name in targets}
    for round_number in range(plan.latency_rounds):
        say(f"latency round {round_number + 1}/{plan.latency_rounds}")
        for name, request in targets.items():
            report = builtin.run(request, 1, plan.latency_s, plan.latency_warmup_s)
            figure.warnings += _load_warnings(name, report)
            p50s[name].append(report.p50_ms)
            p99s[name].append(report.p99_ms)
        for name, value in _boto_p50s(client, table, key, plan.boto_calls).items():
            p50s[name].append(value)
    p50 = {name: statistics.median(values) for name, values in p50s.items()}
    p99 = {name: statistics.median(values) for name, values in p99s.items()}
    floor = p50["get_item"] + p50["starlette_json"]
    figure.ratio = _ratio(p50["graphql_reading"], floor)
    figure.summary = (
        f"p50 {p50['graphql_reading']:.2f} ms vs {p50['get_item']:.2f} + "
        f"{p50['starlette_json']:.2f} ms; p99 {p99['graphql_reading']:.2f} ms"
    )
    figure.detail = {
        "p50_ms": {k: round(v, 4) for k, v in p50.items()},
        "p99_ms": {k: round(v, 4) for k, v in p99.items()},
        "p99_ratio_vs_starlette_get_item": _ratio(
            p99["graphql_reading"], p99["starlette_get_item"]
        ),
        "p50_ratio_vs_starlette_get_item": _ratio(
            p50["graphql_reading"], p50["starlette_get_item"]
        ),
        "rounds": plan.latency_rounds,
        "seconds_per_round": plan.latency_s,
        "connections": 1,
        "tool": builtin.describe(),
        "key": list(key),
    }
    return figure


# -- 2. throughput -----------------------------------------------------------------------


def measure_throughput(plan: Plan, tool: Tool, gql: Server, base: Server) -> Figure:
    c = plan.connections
    figure = Figure(
        "throughput", f"throughput at {c} connections: reading vs get_item route", ">=", 0.85
    )
    key = reading_key(plan)
    targets = {
        "graphql_reading": reading_request(gql.url, key),
        "starlette_get_item": baseline_request(base.url, "/reading", key),
    }
    runs: dict[str, list[LoadReport]] = {name: [] for name in targets}
    for round_number in range(plan.throughput_rounds):
        say(f"throughput round {round_number + 1}/{plan.throughput_rounds} ({tool.name}, c={c})")
        for name, request in targets.items():
            report = tool.run(request, c, plan.throughput_s, plan.throughput_warmup_s)
            figure.warnings += _load_warnings(name, report)
            runs[name].append(report)
    rps = {name: statistics.fmean(r.rps for r in reports) for name, reports in runs.items()}
    figure.ratio = _ratio(rps["graphql_reading"], rps["starlette_get_item"])
    figure.summary = f"{rps['graphql_reading']:.0f} vs {rps['starlette_get_item']:.0f} requests/s"
    figure.detail = {
        "rps": {k: round(v, 1) for k, v in rps.items()},
        "runs": {name: [_report(r) for r in reports] for name, reports in runs.items()},
        "connections": c,
        "seconds_per_run": plan.throughput_s,
        "tool": tool.describe(),
    }
    return figure


# -- 3. full scan ------------------------------------------------------------------------


def graphql_scan(url: str) -> int:
    client = Http(url)
    try:
        count, after = 0, None
        for _ in range(MAX_PAGES):
            page = client.graphql(SCAN_QUERY, {"after": after})["scanReadings"]
            count += len(page["edges"])
            if not page["pageInfo"]["hasNextPage"]:
                return count
            after = page["pageInfo"]["endCursor"]
    finally:
        client.close()
    raise RuntimeError(f"scanReadings still had pages after {MAX_PAGES}")


def boto_scan(client: DynamoDBClient, table: str) -> int:
    count = 0
    params: dict[str, Any] = {"TableName": table, "Limit": SCAN_PAGE}
    while True:
        response: Any = client.scan(**params)
        count += len(response.get("Items", []))
        if "LastEvaluatedKey" not in response:
            return count
        params["ExclusiveStartKey"] = response["LastEvaluatedKey"]


def measure_scan(stack: Stack, plan: Plan, gql: Server, table: str) -> Figure:
    figure = Figure(
        "scan", f"scan of {plan.items:,} via scanReadings(first: 100) vs boto3 scan", "<=", 1.2
    )
    client = make_client(Settings.from_env(stack.env(table)))
    times: dict[str, list[float]] = {"graphql": [], "boto3": []}
    ways: dict[str, Callable[[], int]] = {
        "graphql": lambda: graphql_scan(gql.url),
        "boto3": lambda: boto_scan(client, table),
    }
    for round_number in range(plan.scan_rounds):
        say(f"scan round {round_number + 1}/{plan.scan_rounds}")
        for name, scan in ways.items():
            started = time.perf_counter()
            count = scan()
            times[name].append(time.perf_counter() - started)
            _check(count == plan.items, f"{name} scan saw {count} of {plan.items} readings")
    median = {name: statistics.median(values) for name, values in times.items()}
    figure.ratio = _ratio(median["graphql"], median["boto3"])
    figure.summary = f"{median['graphql']:.2f} s vs {median['boto3']:.2f} s"
    figure.detail = {
        "seconds": {name: [round(t, 4) for t in values] for name, values in times.items()},
        "median_s": {k: round(v, 4) for k, v in median.items()},
        "pages": -(-plan.items // SCAN_PAGE),
    }
    return figure


# -- 5. latestReading of many devices in one request -------------------------------------


def latest_document(device_ids: list[str]) -> str:
    fields = " ".join(
        f'd{i}: device(deviceId: "{d}") {{ latestReading {{ datacount {INFO} }} }}'
        for i, d in enumerate(device_ids)
    )
    return "{ " + fields + " }"


def measure_latest(plan: Plan, gql: Server) -> Figure:
    n = plan.latest_devices
    figure = Figure("latest", f"latestReading of {n} devices vs 1 (p50)", "<=", 3.0)
    documents = {
        "one": latest_document([device_id(0)]),
        "many": latest_document([device_id(i) for i in range(n)]),
    }
    client = Http(gql.url)
    try:
        data = client.graphql(documents["many"])
    finally:
        client.close()
    found = [v["latestReading"]["datacount"] for v in data.values() if v["latestReading"]]
    _check(found == [plan.per_device] * n, f"latestReading of {n} devices answered {found}")
    builtin = Builtin()
    p50s: dict[str, list[float]] = {name: [] for name in documents}
    for round_number in range(plan.latest_rounds):
        say(f"latestReading round {round_number + 1}/{plan.latest_rounds}")
        for name, document in documents.items():
            request = Request(f"{gql.url}/graphql", json.dumps({"query": document}))
            report = builtin.run(request, 1, plan.latest_s, plan.latency_warmup_s)
            figure.warnings += _load_warnings(name, report)
            p50s[name].append(report.p50_ms)
    p50 = {name: statistics.median(values) for name, values in p50s.items()}
    figure.ratio = _ratio(p50["many"], p50["one"])
    figure.summary = f"p50 {p50['many']:.2f} ms for {n} vs {p50['one']:.2f} ms for 1"
    figure.detail = {
        "p50_ms": {k: round(v, 4) for k, v in p50.items()},
        "devices": n,
        "rounds": plan.latest_rounds,
        "tool": builtin.describe(),
    }
    return figure


# -- 6. memory under a long load ---------------------------------------------------------


def _mixed_load(
    tool: Tool, plan: Plan, gql: Server, seconds: float
) -> list[tuple[str, LoadReport]]:
    """reading, latestReading of 20 devices and a first scan page, at once, `seconds` long."""
    c = plan.connections
    key = reading_key(plan)
    n = plan.latest_devices
    loads = [
        ("reading", reading_request(gql.url, key), c - 10),
        (
            "latest",
            Request(
                f"{gql.url}/graphql",
                json.dumps({"query": latest_document([device_id(i) for i in range(n)])}),
            ),
            5,
        ),
        ("scan", Request(f"{gql.url}/graphql", json.dumps({"query": SCAN_QUERY})), 5),
    ]
    with ThreadPoolExecutor(max_workers=len(loads)) as pool:
        futures = [
            (name, pool.submit(tool.run, request, connections, seconds, 0.0))
            for name, request, connections in loads
        ]
        return [(name, future.result()) for name, future in futures]


def measure_memory(plan: Plan, tool: Tool, gql: Server) -> Figure:
    figure = Figure("memory", f"server RSS over {plan.rss_s:g} s of load (end / start)", "<=", 1.10)
    say(f"memory: {plan.rss_warmup_s:g} s warm-up load")
    before_warmup = gql.rss_kib()
    _mixed_load(tool, plan, gql, plan.rss_warmup_s)
    start = gql.rss_kib()
    samples: list[tuple[float, int]] = []
    stop = threading.Event()

    def sample() -> None:
        t0 = time.monotonic()
        while not stop.wait(1.0):
            samples.append((round(time.monotonic() - t0, 1), gql.rss_kib()))

    sampler = threading.Thread(target=sample, daemon=True)
    say(f"memory: {plan.rss_s:g} s of load")
    sampler.start()
    try:
        reports = _mixed_load(tool, plan, gql, plan.rss_s)
    finally:
        stop.set()
        sampler.join(timeout=5)
    end = gql.rss_kib()
    for name, report in reports:
        figure.warnings += _load_warnings(name, report)
    figure.ratio = _ratio(end, start)
    growth = (end - start) / start * 100 if start else 0.0
    peak = max([end, *(rss for _, rss in samples)])
    figure.summary = (
        f"{start / 1024:.1f} -> {end / 1024:.1f} MiB ({growth:+.1f}%), peak {peak / 1024:.1f} MiB"
    )
    figure.detail = {
        "rss_kib_before_warmup": before_warmup,
        "rss_kib_after_warmup": start,
        "rss_kib_end": end,
        "rss_kib_peak": peak,
        "growth_pct": round(growth, 2),
        "samples_kib": samples,
        "load": {name: _report(report) for name, report in reports},
        "warmup_s": plan.rss_warmup_s,
        "load_s": plan.rss_s,
        "tool": tool.describe(),
    }
    return figure
