"""The figures measured against running servers: latency, throughput and p99, workers, memory
(latestReading: bench/latest.py). Each returns Figures: ratios against a floor of the same run."""

from __future__ import annotations

import json
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from bench.boto import script_client
from bench.load import Builtin, Request, Tool
from bench.loadgen import LoadReport
from bench.plan import (
    READING_QUERY,
    SCAN_QUERY,
    Http,
    Plan,
    baseline_request,
    baseline_requests,
    check,
    device_id,
    in_turn,
    latest_document,
    load_warnings,
    ratio,
    reading_key,
    reading_keys,
    reading_request,
    reading_requests,
    report_dict,
    say,
)
from bench.report import Figure
from bench.stack import Server, Stack
from gql.config import Settings

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


def check_reading(gql: Server, base: Server, key: tuple[str, int]) -> None:
    """One request each way, answered as expected, before anything is timed."""
    client = Http(gql.url)
    try:
        data = client.graphql(READING_QUERY, {"deviceId": key[0], "datacount": key[1]})
    finally:
        client.close()
    check((data.get("reading") or {}).get("datacount") == key[1], f"reading {key} answered {data}")
    client = Http(base.url)
    try:
        status, body = client.post("/reading", {"deviceId": key[0], "datacount": key[1]})
    finally:
        client.close()
    check(status == 200 and body["data"]["reading"]["datacount"] == key[1], f"baseline: {body}")


# -- reading p50 at one connection -------------------------------------------------------


def _get_item_p50(client: DynamoDBClient, table: str, key: tuple[str, int], calls: int) -> float:
    item_key: Any = {"device_id": {"S": key[0]}, "datacount": {"N": str(key[1])}}
    times = []
    for _ in range(calls):
        started = time.perf_counter_ns()
        client.get_item(TableName=table, Key=item_key)
        times.append((time.perf_counter_ns() - started) / 1e6)
    return statistics.median(times)


def measure_latency(stack: Stack, plan: Plan, gql: Server, base: Server, table: str) -> Figure:
    figure = Figure("latency", "reading p50, 1 connection, vs the Starlette route", "<=", 1.15)
    key = reading_key(plan)
    client = script_client(Settings.from_env(stack.env(table)))
    builtin = Builtin()
    targets = {
        "graphql_reading": reading_request(gql.url, key),
        "starlette_get_item": baseline_request(base.url, key),
    }
    p50s: dict[str, list[float]] = {name: [] for name in [*targets, "get_item"]}
    p99s: dict[str, list[float]] = {name: [] for name in targets}
    for round_number in range(plan.latency_rounds):
        say(f"latency round {round_number + 1}/{plan.latency_rounds}")
        for name, request in in_turn(targets, round_number):
            report = builtin.run(request, 1, plan.latency_s, plan.latency_warmup_s)
            figure.warnings += load_warnings(name, report)
            p50s[name].append(report.p50_ms)
            p99s[name].append(report.p99_ms)
        p50s["get_item"].append(_get_item_p50(client, table, key, plan.boto_calls))
    p50 = {name: statistics.median(values) for name, values in p50s.items()}
    p99 = {name: statistics.median(values) for name, values in p99s.items()}
    figure.ratio = ratio(p50["graphql_reading"], p50["starlette_get_item"])
    figure.summary = (
        f"p50 {p50['graphql_reading']:.2f} ms vs {p50['starlette_get_item']:.2f} ms "
        f"(boto3 get_item alone {p50['get_item']:.2f} ms)"
    )
    figure.detail = {
        "p50_ms": {k: round(v, 4) for k, v in p50.items()},
        "p99_ms": {k: round(v, 4) for k, v in p99.items()},
        "rounds": plan.latency_rounds,
        "seconds_per_round": plan.latency_s,
        "tool": builtin.describe(),
        "key": list(key),
    }
    return figure


# -- reading under load: requests/s and p99 at 50 connections ----------------------------


def measure_throughput(plan: Plan, gql: Server, base: Server) -> tuple[Figure, Figure]:
    c = plan.connections
    rps_figure = Figure("throughput", f"reading req/s, {c} connections, vs the route", ">=", 1.0)
    p99_figure = Figure("p99", f"reading p99, {c} connections, vs the route's p99", "<=", 1.5)
    keys = reading_keys(plan)
    # The built-in generator, because it can ask for a different reading each time: with one
    # key, every concurrent request would be answered by the same read.
    tool = Builtin()
    targets = {
        "graphql_reading": reading_requests(gql.url, keys),
        "starlette_get_item": baseline_requests(base.url, keys),
    }
    runs: dict[str, list[LoadReport]] = {name: [] for name in targets}
    for round_number in range(plan.throughput_rounds):
        say(f"throughput round {round_number + 1}/{plan.throughput_rounds} (c={c})")
        for name, request in in_turn(targets, round_number):
            report = tool.run(request, c, plan.throughput_s, plan.throughput_warmup_s)
            rps_figure.warnings += load_warnings(name, report)
            runs[name].append(report)
    rps = {name: statistics.fmean(r.rps for r in reports) for name, reports in runs.items()}
    p99 = {name: statistics.median(r.p99_ms for r in reports) for name, reports in runs.items()}
    rps_figure.ratio = ratio(rps["graphql_reading"], rps["starlette_get_item"])
    rps_figure.summary = (
        f"{rps['graphql_reading']:.0f} vs {rps['starlette_get_item']:.0f} requests/s"
    )
    p99_figure.ratio = ratio(p99["graphql_reading"], p99["starlette_get_item"])
    p99_figure.summary = f"{p99['graphql_reading']:.1f} ms vs {p99['starlette_get_item']:.1f} ms"
    detail = {
        "rps": {k: round(v, 1) for k, v in rps.items()},
        "p99_ms": {k: round(v, 3) for k, v in p99.items()},
        "runs": {name: [report_dict(r) for r in reports] for name, reports in runs.items()},
        "connections": c,
        "distinct_keys": len(keys),
        "seconds_per_run": plan.throughput_s,
        "tool": tool.describe(),
    }
    rps_figure.detail = p99_figure.detail = detail
    return rps_figure, p99_figure


def measure_workers(plan: Plan, one: Server, two: Server) -> Figure:
    """`gql serve --workers 2` against one worker, under the same load."""
    c = plan.connections
    figure = Figure("workers", f"reading req/s, {c} connections: 2 workers vs 1", ">=", 1.0)
    keys = reading_keys(plan)
    tool = Builtin()
    rps: dict[str, list[float]] = {"1 worker": [], "2 workers": []}
    for round_number in range(plan.throughput_rounds):
        say(f"workers round {round_number + 1}/{plan.throughput_rounds} (c={c})")
        for name, server in in_turn({"1 worker": one, "2 workers": two}, round_number):
            report = tool.run(
                reading_requests(server.url, keys), c, plan.throughput_s, plan.throughput_warmup_s
            )
            figure.warnings += load_warnings(name, report)
            rps[name].append(report.rps)
    mean = {name: statistics.fmean(values) for name, values in rps.items()}
    figure.ratio = ratio(mean["2 workers"], mean["1 worker"])
    figure.summary = f"{mean['2 workers']:.0f} vs {mean['1 worker']:.0f} requests/s"
    figure.detail = {"rps": rps, "connections": c, "tool": tool.describe()}
    return figure


# -- memory under a long load ------------------------------------------------------------


def _mixed_load(
    tool: Tool, plan: Plan, gql: Server, seconds: float
) -> list[tuple[str, LoadReport]]:
    """reading, latestReading of 20 devices and a first scan page, at once, `seconds` long."""
    c = plan.connections
    n = plan.latest_devices
    latest = json.dumps({"query": latest_document([device_id(i) for i in range(n)])})
    loads = [
        ("reading", reading_request(gql.url, reading_key(plan)), c - 10),
        ("latest", Request(f"{gql.url}/graphql", latest), 5),
        ("scan", Request(f"{gql.url}/graphql", json.dumps({"query": SCAN_QUERY})), 5),
    ]
    with ThreadPoolExecutor(max_workers=len(loads)) as pool:
        futures = [
            (name, pool.submit(tool.run, request, connections, seconds, 0.0))
            for name, request, connections in loads
        ]
        return [(name, future.result()) for name, future in futures]


def measure_memory(plan: Plan, tool: Tool, gql: Server) -> Figure:
    figure = Figure("memory", f"server RSS after {plan.rss_s:g} s of load vs warmed up", "<=", 1.10)
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
        figure.warnings += load_warnings(name, report)
    figure.ratio = ratio(end, start)
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
        "samples_kib": samples,
        "load": {name: report_dict(report) for name, report in reports},
        "tool": tool.describe(),
    }
    return figure
