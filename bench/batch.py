"""The batch-write figure: putReadings of N readings against N putReading fields in one request.

Both are one HTTP request to the same `gql serve`, writing the same N readings of a table of
their own; the requests alternate (A, B, A, B, ...) and the figure is the ratio of the median
times: how many times faster the batch is. A GraphQL server runs the fields of a mutation one
after another, so the N putReading fields are N UpdateItems in a row, while putReadings sends
them concurrently.

That server allows N aliases, enough tokens for the N-field document, and a longer request
time budget than the defaults (30 aliases, 2,000 tokens, 2.5 s), which would refuse or cut
the baseline's request; the batch needs none of that.
"""

from __future__ import annotations

import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from bench.boto import script_client
from bench.plan import Http, Plan, in_turn, say
from bench.report import Figure
from bench.stack import Server, Stack, free_port
from gql.config import Settings

FULL_SIZE, FULL_ROUNDS = 100, 9
QUICK_SIZE, QUICK_ROUNDS = 10, 2
DEVICE = "bench-batch"
RESULT = "__typename ... on Reading { version } ... on ConditionFailed { message }"


def readings(count: int) -> list[dict[str, Any]]:
    return [
        {
            "deviceId": DEVICE,
            "datacount": n,
            "info": {"infoTimestamp": str(1612519200 + 60 * n), "temperature1": 20 + n / 100},
        }
        for n in range(1, count + 1)
    ]


def fields_document(count: int) -> str:
    """One mutation with `count` putReading fields, each reading a variable of its own."""
    variables = ", ".join(f"$r{i}: ReadingInput!" for i in range(count))
    fields = " ".join(f"p{i}: putReading(reading: $r{i}) {{ {RESULT} }}" for i in range(count))
    return f"mutation Many({variables}) {{ {fields} }}"


BATCH_DOCUMENT = (
    "mutation Batch($readings: [ReadingInput!]!, $atomic: Boolean! = false) { "
    "putReadings(readings: $readings, atomic: $atomic) "
    f"{{ written results {{ {RESULT} }} }} }}"
)


def serve_for_batches(stack: Stack, table: str, size: int) -> Server:
    port = free_port()
    env = stack.env(table) | {
        "GQL_MAX_ALIASES": str(max(size, 30)),
        "GQL_MAX_TOKENS": str(max(30 * size, 2000)),
        "GQL_REQUEST_TIMEOUT": "30",
        # DynamoDB Local answers 100 concurrent writes slowly when it holds the other figures'
        # tables: a 2 s read timeout would make botocore give up on some of them.
        "GQL_READ_TIMEOUT": "10",
    }
    command = [*stack.gql_command(None), "serve", "--host", "127.0.0.1", "--port", str(port)]
    server = Server("gql-serve-batch", command, env, stack.log_dir, port)
    stack.processes.append(server)
    return server


def raw_ceiling(stack: Stack, table: str, size: int, rounds: int) -> dict[str, float]:
    """Median seconds for `size` boto3 update_item calls one after another and on 32 threads:
    how much concurrent writes can gain on this backend at all."""
    client = script_client(Settings.from_env(stack.env(table)))
    names = {"#i": "info", "#v": "version"}

    def write(n: int) -> None:
        client.update_item(
            TableName=table,
            Key={"device_id": {"S": "bench-raw"}, "datacount": {"N": str(n)}},
            UpdateExpression="SET #i = :i, #v = if_not_exists(#v, :z) + :o",
            ExpressionAttributeNames=names,
            ExpressionAttributeValues={
                ":i": {"M": {"info_timestamp": {"S": "1612519200"}, "temperature1": {"N": "20"}}},
                ":z": {"N": "0"},
                ":o": {"N": "1"},
            },
            ReturnValues="ALL_NEW",
        )

    times: dict[str, list[float]] = {"sequential": [], "concurrent": []}
    with ThreadPoolExecutor(max_workers=32) as pool:
        for _ in range(rounds):
            started = time.perf_counter()
            for n in range(size):
                write(n)
            times["sequential"].append(time.perf_counter() - started)
            started = time.perf_counter()
            list(pool.map(write, range(size)))
            times["concurrent"].append(time.perf_counter() - started)
    return {name: round(statistics.median(values), 4) for name, values in times.items()}


def measure_batch(stack: Stack, plan: Plan) -> Figure:
    size, rounds = (QUICK_SIZE, QUICK_ROUNDS) if plan.quick else (FULL_SIZE, FULL_ROUNDS)
    figure = Figure(
        "batch", f"putReadings of {size} vs {size} putReading in one request", ">=", 3.0
    )
    table = stack.create_table("batch")
    server = serve_for_batches(stack, table, size)
    server.wait_healthy()
    sent = readings(size)
    requests: dict[str, tuple[str, dict[str, Any]]] = {
        "fields": (fields_document(size), {f"r{i}": r for i, r in enumerate(sent)}),
        "batch": (BATCH_DOCUMENT, {"readings": sent}),
        # For the record only: the same batch as one transaction.
        "atomic": (BATCH_DOCUMENT, {"readings": sent, "atomic": True}),
    }
    http = Http(server.url, timeout=60)
    times: dict[str, list[float]] = {name: [] for name in requests}
    try:
        version = 0
        for round_number in range(rounds + 1):  # round 0 warms up and is not counted
            say(f"batch round {round_number}/{rounds}")
            for name, (document, variables) in in_turn(requests, round_number):
                started = time.perf_counter()
                data = http.graphql(document, variables)
                elapsed = time.perf_counter() - started
                version += 1
                _check_written(name, data, size, version)
                if round_number:
                    times[name].append(elapsed)
    finally:
        http.close()
        server.stop()
    median = {name: statistics.median(values) for name, values in times.items()}
    ceiling = raw_ceiling(stack, table, size, rounds)
    figure.ratio = median["fields"] / median["batch"] if median["batch"] > 0 else None
    figure.summary = (
        f"{median['batch'] * 1000:.1f} ms for putReadings vs "
        f"{median['fields'] * 1000:.1f} ms for {size} putReading "
        f"(atomic: {median['atomic'] * 1000:.1f} ms)"
    )
    figure.detail = {
        "readings": size,
        "rounds": rounds,
        "seconds": {name: [round(t, 4) for t in values] for name, values in times.items()},
        "median_s": {k: round(v, 4) for k, v in median.items()},
        "ratio_atomic": round(median["fields"] / median["atomic"], 3) if median["atomic"] else None,
        # Where concurrency cannot make writes faster (DynamoDB Local runs them one at a
        # time), no batch can be much faster than its writes one after another.
        "boto3_update_item_median_s": ceiling,
        "server_settings": "GQL_MAX_ALIASES, GQL_MAX_TOKENS and GQL_REQUEST_TIMEOUT raised",
    }
    return figure


def _check_written(name: str, data: dict[str, Any], size: int, version: int) -> None:
    results = data["putReadings"]["results"] if "putReadings" in data else list(data.values())
    versions = [r.get("version") for r in results]
    if versions != [version] * size:
        raise RuntimeError(f"{name}: expected {size} readings at version {version}, got {versions}")
