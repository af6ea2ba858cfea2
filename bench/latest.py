"""latestReading of 20 devices in one request, against boto3 making the 20 Queries (the newest
reading of each device) on 20 threads: the floor of coalescing them across requests."""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from bench.boto import script_client
from bench.load import Builtin, Request
from bench.plan import (
    Http,
    Plan,
    check,
    device_id,
    in_turn,
    latest_document,
    load_warnings,
    ratio,
    say,
)
from bench.report import Figure
from bench.stack import Server, Stack
from gql.config import Settings

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


def _boto_latest_p50(
    client: DynamoDBClient, table: str, devices: list[str], seconds: float
) -> float:
    """p50 of 20 Queries (the newest reading of each device) on 20 threads, as boto3 does it."""

    def newest(device: str) -> Any:
        return client.query(
            TableName=table,
            KeyConditionExpression="device_id = :d",
            ExpressionAttributeValues={":d": {"S": device}},
            ScanIndexForward=False,
            Limit=1,
        )

    times: list[float] = []
    with ThreadPoolExecutor(max_workers=len(devices)) as pool:
        list(pool.map(newest, devices))  # warm the connections
        until = time.monotonic() + seconds
        while time.monotonic() < until or len(times) < 5:
            started = time.perf_counter_ns()
            answers = list(pool.map(newest, devices))
            times.append((time.perf_counter_ns() - started) / 1e6)
            check(all(a["Items"] for a in answers), "a device had no reading")
    return statistics.median(times)


def measure_latest(stack: Stack, plan: Plan, gql: Server, table: str) -> Figure:
    n = plan.latest_devices
    figure = Figure(
        "latest", f"latestReading of {n} devices vs boto3 {n} Queries on {n} threads", "<=", 1.2
    )
    devices = [device_id(i) for i in range(n)]
    document = latest_document(devices)
    client = Http(gql.url)
    try:
        data = client.graphql(document)
    finally:
        client.close()
    found = [v["latestReading"]["datacount"] for v in data.values() if v["latestReading"]]
    check(found == [plan.per_device] * n, f"latestReading of {n} devices answered {found}")
    boto = script_client(Settings.from_env(stack.env(table)))
    builtin = Builtin()
    p50s: dict[str, list[float]] = {"graphql": [], "boto3": []}
    request = Request(f"{gql.url}/graphql", json.dumps({"query": document}))

    def graphql_p50() -> float:
        report = builtin.run(request, 1, plan.latest_s, plan.latency_warmup_s)
        figure.warnings += load_warnings("graphql", report)
        return report.p50_ms

    sides: dict[str, Callable[[], float]] = {
        "graphql": graphql_p50,
        "boto3": lambda: _boto_latest_p50(boto, table, devices, plan.latest_s),
    }
    for round_number in range(plan.latest_rounds):
        say(f"latestReading round {round_number + 1}/{plan.latest_rounds}")
        for name, measure in in_turn(sides, round_number):
            p50s[name].append(measure())
    p50 = {name: statistics.median(values) for name, values in p50s.items()}
    figure.ratio = ratio(p50["graphql"], p50["boto3"])
    figure.summary = f"p50 {p50['graphql']:.2f} ms vs {p50['boto3']:.2f} ms"
    figure.detail = {
        "p50_ms": {k: round(v, 4) for k, v in p50.items()},
        "rounds_ms": p50s,
        "devices": n,
        "tool": builtin.describe(),
    }
    return figure
