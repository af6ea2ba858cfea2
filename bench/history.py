"""Figure 7: Device.stats over the readings of one device, against raw boto3 doing the same.

The baseline pages the Query that Device.stats makes (the device's partition, projected on
the key and the five temperatures) with a boto3 client built as gql builds its own, and sums
in Python (count, min, max and a Decimal sum per temperature). The figure is the median
time of one Device.stats request over HTTP divided by the median time of the baseline;
rounds alternate between the two (A B, B A, ...).

The server here is a `gql serve` of its own over a table holding only this device, with a
time budget large enough for the whole device: DynamoDB Local answers a few thousand
readings a second on a small machine, and a stats cut short by the default 2.5 s budget
(`complete: false`) would not be the same work as the baseline's.
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from bench.boto import script_client
from bench.plan import Http, say
from bench.report import Figure
from bench.stack import Server, Stack, free_port
from gql.config import Settings
from gql.models import TEMPERATURES, Reading, ReadingInfo
from gql.store.readings import ReadingStore

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

DEVICE = "history-0001"
FULL_READINGS, QUICK_READINGS = 10_000, 200
FULL_ROUNDS, QUICK_ROUNDS = 6, 1
SERVER_SETTINGS = {"GQL_REQUEST_TIMEOUT": "120", "GQL_READ_TIMEOUT": "60"}
FIELD = "{ count min max avg }"
STATS_QUERY = (
    "query ($d: ID!) { device(deviceId: $d) { stats { count complete "
    + " ".join(f"{name} {FIELD}" for name in TEMPERATURES)
    + " } } }"
)


def seed(stack: Stack, table: str, count: int) -> None:
    rng = random.Random(11)
    store = ReadingStore(stack.client, table)
    store.batch_put(
        Reading(
            DEVICE,
            n,
            ReadingInfo(
                str(1612519200 + 60 * n),
                *(Decimal(str(round(rng.uniform(10, 40), 2))) for _ in TEMPERATURES),
            ),
            version=1,
        )
        for n in range(1, count + 1)
    )


@dataclass
class _Tally:
    count: int = 0
    low: Decimal | None = None
    high: Decimal | None = None
    total: Decimal = Decimal(0)


def boto_stats(client: DynamoDBClient, table: str) -> dict[str, Any]:
    """count and per-temperature count/min/max/sum, from the same projected Query."""
    names = {"#d": "device_id", "#c": "datacount", "#i": "info"}
    names.update({f"#t{n}": name for n, name in enumerate(TEMPERATURES)})
    params: dict[str, Any] = {
        "TableName": table,
        "KeyConditionExpression": "#d = :d",
        "ProjectionExpression": "#d, #c, " + ", ".join(f"#i.#t{n}" for n in range(5)),
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": {":d": {"S": DEVICE}},
    }
    count = 0
    figures = {name: _Tally() for name in TEMPERATURES}
    while True:
        response: Any = client.query(**params)
        for item in response["Items"]:
            count += 1
            info = item.get("info", {}).get("M", {})
            for name, tally in figures.items():
                attribute = info.get(name)
                if attribute is None:
                    continue
                value = Decimal(attribute.get("N") or attribute["S"])
                tally.count += 1
                tally.low = value if tally.low is None else min(tally.low, value)
                tally.high = value if tally.high is None else max(tally.high, value)
                tally.total += value
        if "LastEvaluatedKey" not in response:
            return {"count": count, "figures": figures}
        params["ExclusiveStartKey"] = response["LastEvaluatedKey"]


def graphql_stats(url: str) -> dict[str, Any]:
    # A connection per request: uvicorn closes an idle keep-alive connection after 5 s, which
    # the baseline's turn can outlast.
    http = Http(url, timeout=120)
    try:
        return http.graphql(STATS_QUERY, {"d": DEVICE})
    finally:
        http.close()


def _check(answer: dict[str, Any], baseline: dict[str, Any], count: int) -> None:
    stats = answer["device"]["stats"]
    if not stats["complete"] or stats["count"] != count or baseline["count"] != count:
        raise RuntimeError(f"stats answered {stats}, boto3 counted {baseline['count']} of {count}")
    for name, tally in baseline["figures"].items():
        mine = stats[name]
        theirs = (
            tally.count,
            float(tally.low),
            float(tally.high),
            float(Fraction(tally.total) / tally.count),
        )
        if (mine["count"], mine["min"], mine["max"], mine["avg"]) != theirs:
            raise RuntimeError(f"{name}: stats answered {mine}, boto3 found {theirs}")


def measure_stats(stack: Stack, quick: bool) -> Figure:
    count = QUICK_READINGS if quick else FULL_READINGS
    rounds = QUICK_ROUNDS if quick else FULL_ROUNDS
    figure = Figure(
        "history", f"Device.stats of {count:,} readings vs boto3 Query + sum", "<=", 1.3
    )
    table = stack.create_table("history")
    say(f"history: {count:,} readings of one device")
    seed(stack, table, count)
    port = free_port()
    env = {**stack.env(table), **SERVER_SETTINGS}
    server = Server(
        "gql-serve-history",
        [*stack.gql_command(None), "serve", "--host", "127.0.0.1", "--port", str(port)],
        env,
        stack.log_dir,
        port,
    )
    stack.processes.append(server)
    server.wait_healthy()
    client = script_client(Settings.from_env(env))  # the same timeouts as the server
    times: dict[str, list[float]] = {"graphql": [], "boto3": []}
    try:
        _check(graphql_stats(server.url), boto_stats(client, table), count)
        ways: dict[str, Callable[[], object]] = {
            "graphql": lambda: graphql_stats(server.url),
            "boto3": lambda: boto_stats(client, table),
        }
        for number in range(rounds):
            say(f"history round {number + 1}/{rounds}")
            # A B, then B A: neither way always runs on what the other left warm.
            order = list(ways) if number % 2 == 0 else list(reversed(ways))
            for name in order:
                started = time.perf_counter()
                ways[name]()
                times[name].append(time.perf_counter() - started)
    finally:
        server.stop()
    median = {name: statistics.median(values) for name, values in times.items()}
    figure.ratio = median["graphql"] / median["boto3"] if median["boto3"] > 0 else None
    figure.summary = f"{median['graphql']:.3f} s vs {median['boto3']:.3f} s"
    figure.detail = {
        "readings": count,
        "seconds": {name: [round(t, 4) for t in values] for name, values in times.items()},
        "median_s": {name: round(value, 4) for name, value in median.items()},
        "server_settings": SERVER_SETTINGS,
        "note": "stats selects count, complete and the five FieldStats; not first/last",
    }
    return figure
