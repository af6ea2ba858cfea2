"""The full-scan figures: scanReadings(first: 100) against boto3's paginated Scan, and its
per-reading cost on a table ten times larger."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.boto import script_client
from bench.plan import (
    MAX_PAGES,
    SCAN_PAGE,
    SCAN_QUERY,
    Http,
    Plan,
    check,
    in_turn,
    ratio,
    say,
)
from bench.report import Figure
from bench.stack import Server, Stack
from gql.config import Settings
from gql.store.client import make_client

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


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
        "scan", f"full scan of {plan.items:,} via scanReadings(first: 100) vs boto3", "<=", 1.2
    )
    settings = Settings.from_env(stack.env(table))
    client, gql_client = script_client(settings), make_client(settings)
    times: dict[str, list[float]] = {"graphql": [], "boto3": [], "boto3_gql_client": []}
    # The floor is boto3 as a script has it; the same scan through gql's own client (its
    # answers read by gql/store/answers.py) is timed too, in the detail: how much of the
    # ratio is that parser.
    ways: dict[str, Callable[[], int]] = {
        "graphql": lambda: graphql_scan(gql.url),
        "boto3": lambda: boto_scan(client, table),
        "boto3_gql_client": lambda: boto_scan(gql_client, table),
    }
    for round_number in range(plan.scan_rounds):
        say(f"scan round {round_number + 1}/{plan.scan_rounds}")
        for name, scan in in_turn(ways, round_number):
            started = time.perf_counter()
            count = scan()
            times[name].append(time.perf_counter() - started)
            check(count == plan.items, f"{name} scan saw {count} of {plan.items} readings")
    median = {name: statistics.median(values) for name, values in times.items()}
    figure.ratio = ratio(median["graphql"], median["boto3"])
    figure.summary = f"{median['graphql']:.2f} s vs {median['boto3']:.2f} s"
    figure.detail = {
        "seconds": {name: [round(t, 4) for t in values] for name, values in times.items()},
        "median_s": {k: round(v, 4) for k, v in median.items()},
        "pages": -(-plan.items // SCAN_PAGE),
    }
    return figure


def measure_scan_scale(stack: Stack, plan: Plan, small: Figure, big_file: Path) -> Figure:
    """Per-reading time of the GraphQL scan at `plan.scale_items` over that at `plan.items`."""
    big = plan.scale_items
    figure = Figure(
        "scan_scale", f"per-reading scan cost at {big:,} vs at {plan.items:,}", "<=", 1.1
    )
    small_s = small.detail.get("median_s", {}).get("graphql")
    check(small_s is not None, "the scan figure has no GraphQL time to compare with")
    table = stack.create_table("scale")
    say(f"scan scale: gql load of {big:,} readings")
    stack.gql("load", big_file, table=table, timeout=3600)
    server = stack.gql_serve(table)
    server.wait_healthy()
    times = []
    for round_number in range(max(1, plan.scan_rounds - 1)):
        say(f"scan scale: scanning {big:,} readings, round {round_number + 1}")
        started = time.perf_counter()
        count = graphql_scan(server.url)
        times.append(time.perf_counter() - started)
        check(count == big, f"the scan saw {count} of {big} readings")
    server.stop()
    # The same scan by boto3 alone, at both sizes: how much of the growth is the database's.
    client = script_client(Settings.from_env(stack.env(table)))
    started = time.perf_counter()
    check(boto_scan(client, table) == big, "boto3 saw another count")
    boto_big_s = time.perf_counter() - started
    stack.client.delete_table(TableName=table)
    big_s = statistics.median(times)
    boto_small_s = small.detail.get("median_s", {}).get("boto3") or 0.0
    per_big, per_small = big_s / big * 1e6, small_s / plan.items * 1e6
    figure.ratio = ratio(per_big, per_small)
    figure.summary = f"{per_big:.1f} µs vs {per_small:.1f} µs a reading ({big_s:.1f} s in all)"
    boto_growth = ratio(boto_big_s / big, boto_small_s / plan.items) if boto_small_s else None
    figure.detail = {
        "seconds": times,
        "items": big,
        "small_items": plan.items,
        "boto3_seconds": round(boto_big_s, 3),
        "boto3_per_reading_growth": boto_growth,
    }
    if boto_growth is not None:
        figure.warnings.append(f"boto3's own per-reading scan cost grew {boto_growth:.2f}x")
    return figure
