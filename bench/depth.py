"""History at any depth (issue 16): Device.stats and series over 30 days of a device with
100,000 readings, against boto3 reading the same readings; `gql derive rebuild` against
`gql load` of them.

One device, its readings evenly spaced over 34.7 days (100,000: one every 30 s; --big:
1,000,000, one every 3 s; --quick: 2,000), temperatures from a formula, so that the figures the
answers must equal are computed here, exactly, without reading DynamoDB. On a DynamoDB Local of
its own, fresh (bench/fresh_local.py): `gql table create --wait`, then `gql load` of the
readings (timed) and `gql derive rebuild` (timed), both on the first table of an instance that
held nothing before. The rebuild figure is their ratio, the median of three such rounds (one
with --quick or --big), each on a fresh instance. Then `gql serve` on the last instance, whose
DynamoDB endpoint is a counting proxy (bench/counting_proxy.py), answers:

- `stats(recordedAt:)` over the last 30 days, from an instant on no period's edge, against
  boto3 paging the same window's readings from the time index (projected on the key and the
  temperatures, through the same proxy) and summing them in Python. Rounds alternate the two;
  the figure is the ratio of the medians, and the items each read come from the proxy.
- `series` of the 720 hours up to the newest reading, checked bucket by bucket against the
  figures computed here, and the items it read.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

from bench.boto import script_client
from bench.counting_proxy import CountingProxy
from bench.depth_rebuild import load_and_rebuild, rebuild_figure
from bench.fresh_local import FreshLocal
from bench.plan import Http, check, say
from bench.report import Figure
from bench.stack import Server, Stack, free_port
from gql.config import Settings
from gql.store.timeindex import INDEX

DEVICE = "depth-0001"
START = 1_790_001_234  # the first reading: on no period's edge
SPAN = 3_000_000  # seconds the readings cover, whatever their number
DAYS = 30
HOURS = 720
TEMPERATURES = ("temperature1", "temperature2")  # the others stay empty
# Roomy on a loaded machine, where DynamoDB Local may take seconds for a page: a read timed out
# and sent again would be counted, and timed, twice. The boto3 side gets the same timeouts.
SERVER_SETTINGS = {"GQL_REQUEST_TIMEOUT": "60", "GQL_READ_TIMEOUT": "30"}
FIELDS = " ".join(f"temperature{k} {{ count min max avg }}" for k in range(1, 6))
STATS = f"""query ($d: ID!, $at: TimeRange!) {{ device(deviceId: $d) {{
  stats(recordedAt: $at) {{ count complete {FIELDS} }} }} }}"""
SERIES = f"""query ($d: ID!, $at: TimeRange!) {{ device(deviceId: $d) {{
  series(recordedAt: $at, bucketSeconds: 3600) {{ start count {FIELDS} }} }} }}"""


@dataclass(frozen=True)
class DepthPlan:
    readings: int
    rounds: int  # of stats against boto3, alternating
    graphql_per_round: int
    # Rounds of load + rebuild, each on a fresh DynamoDB Local; the figure is their median.
    rebuilds: int = 1


QUICK = DepthPlan(readings=2_000, rounds=1, graphql_per_round=2)
FULL = DepthPlan(readings=100_000, rounds=3, graphql_per_round=5, rebuilds=3)
BIG = DepthPlan(readings=1_000_000, rounds=2, graphql_per_round=5)


def step(plan: DepthPlan) -> int:
    return SPAN // plan.readings


def values(n: int) -> tuple[Decimal, Decimal]:
    return Decimal(n * 37 % 400 - 100) / 10, Decimal(n * 11 % 300) / 10 + 5


def readings(plan: DepthPlan) -> Iterator[tuple[int, int, tuple[Decimal, Decimal]]]:
    """(datacount, time, temperatures) of every reading."""
    for n in range(1, plan.readings + 1):
        yield n, START + (n - 1) * step(plan), values(n)


def write_ndjson(path: Path, plan: DepthPlan) -> Path:
    with path.open("w", encoding="utf-8") as out:
        for n, at, (t1, t2) in readings(plan):
            out.write(
                f'{{"device_id": "{DEVICE}", "datacount": {n}, "info": {{"info_timestamp": '
                f'"{at}", "temperature1": {t1}, "temperature2": {t2}}}}}\n'
            )
    return path


def iso(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat()


def figures(temps: list[Decimal]) -> dict[str, Any]:
    """A FieldStats as the API answers it: the exact mean, rounded once."""
    if not temps:
        return {"count": 0, "min": None, "max": None, "avg": None}
    total = sum((Fraction(t) for t in temps), Fraction(0))
    return {
        "count": len(temps),
        "min": float(min(temps)),
        "max": float(max(temps)),
        "avg": float(total / len(temps)),
    }


def expected(plan: DepthPlan, start: int, end: int, bucket: int) -> list[dict[str, Any]]:
    """The figures of [start, end) in buckets of `bucket` seconds, those with readings."""
    found: dict[int, list[tuple[Decimal, Decimal]]] = {}
    for _, at, temps in readings(plan):
        if start <= at < end:
            found.setdefault((at - start) // bucket, []).append(temps)
    return [
        {
            "start": iso(start + i * bucket),
            "count": len(rows),
            **{f"temperature{k}": figures([r[k - 1] for r in rows]) for k in (1, 2)},
            **{f"temperature{k}": figures([]) for k in (3, 4, 5)},
        }
        for i, rows in sorted(found.items())
    ]


def boto_stats(client: Any, table: str, start: int, end: int) -> dict[str, Any]:
    """count, and per temperature count/min/max/Decimal sum, of the window's readings, paged
    from the time index as a program written with boto3 would read them."""
    names = {"#d": "device_id", "#c": "datacount", "#r": "recorded_at", "#i": "info"}
    names.update({f"#t{k}": f"temperature{k}" for k in range(1, 6)})
    params: dict[str, Any] = {
        "TableName": table,
        "IndexName": INDEX,
        "KeyConditionExpression": "#d = :d AND #r BETWEEN :a AND :b",
        "ProjectionExpression": "#d, #c, " + ", ".join(f"#i.#t{k}" for k in range(1, 6)),
        "ExpressionAttributeNames": names,
        # The window is [start, end) and the times are whole seconds.
        "ExpressionAttributeValues": {
            ":d": {"S": DEVICE},
            ":a": {"N": str(start)},
            ":b": {"N": str(end - 1)},
        },
    }
    count = 0
    tallies: dict[str, list[Decimal]] = {f"temperature{k}": [] for k in range(1, 6)}
    while True:
        response = client.query(**params)
        for item in response["Items"]:
            count += 1
            info = item.get("info", {}).get("M", {})
            for name, seen in tallies.items():
                attribute = info.get(name)
                if attribute is not None:
                    seen.append(Decimal(attribute.get("N") or attribute["S"]))
        if "LastEvaluatedKey" not in response:
            return {"count": count, **{name: figures(seen) for name, seen in tallies.items()}}
        params["ExclusiveStartKey"] = response["LastEvaluatedKey"]


def graphql(url: str, document: str, at: dict[str, str]) -> dict[str, Any]:
    http = Http(url, timeout=120)  # a connection each: uvicorn closes one idle for 5 s
    try:
        device: dict[str, Any] = http.graphql(document, {"d": DEVICE, "at": at})["device"]
        return device
    finally:
        http.close()


def measured(proxy: CountingProxy, work: Callable[[], Any]) -> tuple[Any, float, int]:
    """(result, seconds, items read) of one call of `work`, which goes through `proxy`."""
    before = sum(proxy.items().values())
    started = time.perf_counter()
    result = work()
    seconds = time.perf_counter() - started
    return result, seconds, sum(proxy.items().values()) - before


def measure_depth(plan: DepthPlan, log_dir: Path, tmp: Path) -> tuple[Figure, ...]:
    data = write_ndjson(tmp / "depth.ndjson", plan)
    times: list[tuple[float, float]] = []
    for number in range(1, plan.rebuilds + 1):
        with FreshLocal(log_dir, f"depth-{number}") as endpoint, Stack(endpoint, log_dir) as stack:
            say(f"depth: round {number}/{plan.rebuilds} on a DynamoDB Local of its own")
            table = stack.table_name("depth")
            times.append(load_and_rebuild(stack, table, data, plan.readings))
            if number == plan.rebuilds:  # the last instance answers the queries too
                with CountingProxy(endpoint) as proxy:
                    return (
                        rebuild_figure(plan.readings, times),
                        *_queries(plan, stack, table, proxy),
                    )
    raise ValueError(f"DepthPlan.rebuilds must be at least 1, not {plan.rebuilds}")


def _queries(
    plan: DepthPlan, stack: Stack, table: str, proxy: CountingProxy
) -> tuple[Figure, Figure, Figure]:
    port = free_port()
    env = {**stack.env(table), **SERVER_SETTINGS, "AWS_ENDPOINT_URL_DYNAMODB": proxy.url}
    command = [*stack.gql_command(None), "serve", "--host", "127.0.0.1", "--port", str(port)]
    server = Server("gql-serve-depth", command, env, stack.log_dir, port)
    stack.processes.append(server)
    server.wait_healthy()
    # The server's timeouts and retries, through the proxy, with the bench's credentials.
    client = script_client(
        Settings.from_env(env),
        aws_access_key_id="local",
        aws_secret_access_key="local",  # noqa: S106 - DynamoDB Local ignores them
    )
    last = START + (plan.readings - 1) * step(plan)
    start, end = last + 1 - DAYS * 86400, last + 1
    at = {"from": iso(start), "to": iso(end)}
    want = expected(plan, start, end, end - start)[0]
    # Both warmed up first: the server's first request, and the client's, pay for set-ups.
    graphql(server.url, STATS, {"from": iso(last - 3600), "to": iso(last + 1)})
    boto_stats(client, table, last - 3600, last + 1)
    requests_before = proxy.counts()
    times: dict[str, list[float]] = {"graphql": [], "boto3": []}
    items: dict[str, int] = {}
    for number in range(plan.rounds):
        say(f"depth: stats over {DAYS} days, round {number + 1}/{plan.rounds}")
        ways: list[tuple[str, Callable[[], Any]]] = [
            ("graphql", lambda: graphql(server.url, STATS, at)["stats"]),
            ("boto3", lambda: boto_stats(client, table, start, end)),
        ]
        for name, work in ways if number % 2 == 0 else ways[::-1]:
            for _ in range(plan.graphql_per_round if name == "graphql" else 1):
                answer, seconds, read = measured(proxy, work)
                got = {k: v for k, v in answer.items() if k != "complete"}
                check(answer.get("complete", True), f"stats answered complete: false: {answer}")
                check(got == {k: v for k, v in want.items() if k != "start"}, f"{name}: {got}")
                times[name].append(seconds)
                items[name] = read
    median = {name: statistics.median(values) for name, values in times.items()}
    stats = Figure(
        "depth_stats",
        f"Device.stats over {DAYS} days of {plan.readings:,}: boto3 Query + sum / stats (speedup)",
        ">=",
        50.0,
        ratio=median["boto3"] / median["graphql"],
        summary=f"{median['graphql'] * 1000:.0f} ms vs {median['boto3']:.2f} s",
        detail={
            "readings_in_window": want["count"],
            "seconds": {k: [round(t, 4) for t in v] for k, v in times.items()},
            "items_read": items,
            "requests": dict(proxy.counts() - requests_before),
            "server_settings": SERVER_SETTINGS,
        },
    )
    share = Figure(
        "depth_stats_items",
        f"items read by that stats / by boto3 ({want['count']:,})",
        "<=",
        0.01,
        ratio=items["graphql"] / items["boto3"],
        summary=f"{items['graphql']:,} vs {items['boto3']:,} items",
    )
    return stats, share, _series(plan, server.url, proxy, last)


def _series(plan: DepthPlan, url: str, proxy: CountingProxy, last: int) -> Figure:
    end = (last // 3600 + 1) * 3600  # the hour that holds the newest reading, and 719 before
    start = end - HOURS * 3600
    say(f"depth: series of {HOURS} hourly buckets")
    at = {"from": iso(start), "to": iso(end)}
    answer, seconds, read = measured(proxy, lambda: graphql(url, SERIES, at)["series"])
    want = expected(plan, start, end, 3600)
    check(answer == want, f"the series differs from the readings' figures: {answer[:2]}")
    return Figure(
        "depth_series",
        f"series of {HOURS} hourly buckets over the same: items read (complete)",
        "<=",
        1000,
        ratio=float(read),
        summary=(
            f"{read:,} items in {seconds * 1000:.0f} ms; its {len(want)} buckets with readings"
            " equal the readings' figures"
        ),
        detail={"buckets": HOURS, "buckets_with_readings": len(want), "seconds": seconds},
    )
