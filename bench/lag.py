"""How far `history.upTo` lags behind the writes, while 200 readings a second are written for
60 s (issue 16), on a DynamoDB Local of its own, fresh (bench/fresh_local.py).

`gql table create --wait`, then `gql derive` (the consumer, a process of its own, as deployed)
and `gql serve`, which answers `history`. The writes are plain boto3 BatchWriteItem calls of
10 readings every 50 ms (on 4 threads, so that one slow call does not hold back the pace), each
reading as this API writes it (with its time-index attribute), of one of 100 devices in turn,
stamped with the time it is written: a fleet of devices reporting now. A poller asks
`history { upTo backlog }` every 100 ms. A write's lag is from the end of its call to the end of
the first poll whose upTo is at or after it (both on this machine's clock, which the consumer
uses too); the figures are the median and the 99th percentile. After the writes, the run waits
for the backlog to return to 0 with upTo past the last write, and checks that `devices` counts
every reading written. Figures are seconds, as bench/live.py's are.
"""

from __future__ import annotations

import math
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from bench.fresh_local import FreshLocal
from bench.plan import Http, check, say
from bench.report import Figure
from bench.stack import GQL, Process, Stack, free_port

DEVICES_QUERY = """query ($after: String) { devices(first: 100, after: $after) {
  edges { node { readingCount } } pageInfo { hasNextPage endCursor } } }"""
STATUS_QUERY = "{ history { upTo backlog consuming } }"


@dataclass(frozen=True)
class LagPlan:
    rate: int  # readings a second
    seconds: float
    devices: int
    drain_s: float  # how long the backlog may take to return to 0 after the writes
    batch: int = 10  # readings a BatchWriteItem call


QUICK = LagPlan(rate=20, seconds=3, devices=5, drain_s=120)
FULL = LagPlan(rate=200, seconds=60, devices=100, drain_s=600)


@dataclass
class Writes:
    done_at: list[tuple[float, int]] = field(default_factory=list)  # (end of call, readings)
    failed: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _item(device: int, datacount: int, at: int) -> dict[str, Any]:
    return {
        "device_id": {"S": f"lag-{device:04d}"},
        "datacount": {"N": str(datacount)},
        "info": {
            "M": {
                "info_timestamp": {"S": str(at)},
                "temperature1": {"N": str(15 + datacount % 20)},
            }
        },
        "recorded_at": {"N": str(at)},  # as every write of this API has it
        "version": {"N": "1"},
    }


def write(stack: Stack, table: str, plan: LagPlan, writes: Writes) -> None:
    """`plan.rate` readings a second for `plan.seconds`, paced from the start."""
    calls = int(plan.rate * plan.seconds) // plan.batch
    interval = plan.batch / plan.rate
    futures: list[Future[None]] = []

    def call(number: int) -> None:
        at = int(time.time())
        first = number * plan.batch
        items = [
            _item(n % plan.devices, n // plan.devices + 1, at)
            for n in range(first, first + plan.batch)
        ]
        request: Any = {table: [{"PutRequest": {"Item": i}} for i in items]}
        try:
            while request:
                request = stack.client.batch_write_item(RequestItems=request).get(
                    "UnprocessedItems"
                )
        except Exception as exc:
            with writes.lock:
                writes.failed.append(f"{type(exc).__name__}: {exc}")
            return
        with writes.lock:
            writes.done_at.append((time.time(), plan.batch))

    started = time.monotonic()
    with ThreadPoolExecutor(4, thread_name_prefix="lag-writer") as pool:
        for number in range(calls):
            pause = started + number * interval - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            futures.append(pool.submit(call, number))
    for future in futures:
        future.result()


def poll(url: str, stop: threading.Event, seen: list[tuple[float, float | None, int]]) -> None:
    """(when answered, upTo, backlog) every 100 ms until `stop`."""
    http = Http(url, timeout=30)
    try:
        while not stop.is_set():
            try:
                status = http.graphql(STATUS_QUERY)["history"]
            except Exception:  # a slow answer: a new connection, and on
                http.close()
                http = Http(url, timeout=30)
                continue
            up = status["upTo"]
            seen.append(
                (
                    time.time(),
                    datetime.fromisoformat(up).timestamp() if up else None,
                    status["backlog"],
                )
            )
            stop.wait(0.1)
    finally:
        http.close()


def count_readings(url: str) -> int:
    """Every device's readingCount, summed: what the history says was written."""
    http = Http(url)
    total, after = 0, None
    try:
        while True:
            page = http.graphql(DEVICES_QUERY, {"after": after})["devices"]
            total += sum(int(edge["node"]["readingCount"]) for edge in page["edges"])
            if not page["pageInfo"]["hasNextPage"]:
                return total
            after = page["pageInfo"]["endCursor"]
    finally:
        http.close()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def measure_lag(plan: LagPlan, log_dir: Path) -> tuple[Figure, Figure]:
    with FreshLocal(log_dir, "lag") as endpoint, Stack(endpoint, log_dir) as stack:
        table = stack.table_name("lag")
        stack.gql("table", "create", "--wait", table=table)
        derive = Process("gql-derive-lag", [str(GQL), "derive"], stack.env(table), log_dir)
        stack.processes.append(derive)
        port = free_port()
        server = stack.start_server(
            "gql-serve-lag",
            [str(GQL), "serve", "--host", "127.0.0.1", "--port", str(port)],
            table,
            port,
        )
        server.wait_healthy()
        seen: list[tuple[float, float | None, int]] = []
        stop = threading.Event()
        poller = threading.Thread(target=poll, args=(server.url, stop, seen), daemon=True)
        poller.start()
        try:
            deadline = time.monotonic() + 60
            while not seen or seen[-1][1] is None:  # the consumer has reported
                check(time.monotonic() < deadline, f"gql derive never reported: {seen[-1:]}")
                time.sleep(0.2)
            say(f"lag: {plan.rate} readings/s for {plan.seconds:g} s over {plan.devices} devices")
            writes = Writes()
            began = time.time()
            write(stack, table, plan, writes)
            ended = time.time()
            check(not writes.failed, f"{len(writes.failed)} writes failed: {writes.failed[:1]}")
            last = max(at for at, _ in writes.done_at)
            deadline = time.monotonic() + plan.drain_s
            while not (seen[-1][1] is not None and seen[-1][1] >= last and seen[-1][2] == 0):
                if time.monotonic() > deadline:
                    break
                time.sleep(0.1)
            at, up, backlog = seen[-1]
            drained = at - last if up is not None and up >= last and backlog == 0 else None
        finally:
            stop.set()
            poller.join(timeout=30)
        counted = count_readings(server.url)
    return _figures(plan, writes, seen, began, ended, drained, counted)


def _figures(
    plan: LagPlan,
    writes: Writes,
    seen: list[tuple[float, float | None, int]],
    began: float,
    ended: float,
    drained: float | None,
    counted: int,
) -> tuple[Figure, Figure]:
    lags: list[float] = []
    worst: dict[int, float] = {}  # the longest lag of the writes of each 10 s of the run
    never = 0
    for done, readings in writes.done_at:
        shown = next(
            (at for at, up, _ in seen if at >= done and up is not None and up >= done), None
        )
        if shown is None:
            never += readings
            shown = seen[-1][0]  # a bound from below: not reflected by the end of the run
        lags += [shown - done] * readings
        window = int((done - began) // 10)
        worst[window] = max(worst.get(window, 0.0), shown - done)
    written = sum(r for _, r in writes.done_at)
    rate = written / (ended - began)
    backlog = max(b for _, _, b in seen)
    notes = []
    if rate < 0.95 * plan.rate:
        notes.append(f"DynamoDB Local took only {rate:.0f} of the {plan.rate} writes a second")
    if drained is None:
        notes.append(f"the backlog had not returned to 0 {plan.drain_s:g} s after the last write")
    if never:
        notes.append(f"{never} readings were not reflected by then (their lag is a lower bound)")
    if counted != written:
        notes.append(f"devices counts {counted} readings of the {written} written")
    drain = "never" if drained is None else f"{drained:.1f} s after the last write"
    found = []
    for q, goal in ((0.5, 1.0), (0.99, 3.0)):
        value = percentile(lags, q)
        figure = Figure(
            f"depth_lag_p{round(q * 100)}",
            f"write -> history.upTo, p{round(q * 100)}, {plan.rate}/s for {plan.seconds:g} s (s)",
            "<=",
            goal,
            ratio=value,
            summary=(
                f"{value:.2f} s over {written:,} readings ({rate:.0f}/s, {plan.devices} devices);"
                f" backlog at most {backlog}, back to 0 {drain}"
            ),
            detail={
                "plan": vars(plan),
                "written": written,
                "counted": counted,
                "max_lag": max(lags),
                "max_lag_by_10_s": [round(worst[w], 2) for w in sorted(worst)],
            },
        )
        found.append(figure)
    found[0].warnings += notes
    return found[0], found[1]
