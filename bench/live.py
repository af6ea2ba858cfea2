"""`python -m bench.live [--quick]`: live changes, from a boto3 write to the event at a client.

Against DynamoDB Local (DYNAMODB_LOCAL_URL, as `make bench` sets it inside scripts/in-netns)
and `gql serve` on a table made by `gql table create --wait` (stream on). Subscribers are
graphql-transport-ws clients (`websockets`) in this process; writes are plain boto3 put_item
calls, so they reach the server only through the table's stream. The server's DynamoDB Streams
endpoint is a counting proxy (bench/counting_proxy.py): its calls are counted on the wire.

Figures, each with its goal: the delay from a write to its event, p50 and p99, with 1 and with
N subscribers (100; 5 in --quick); the events/s delivered to N subscribers during a burst of
writes, against N times the write rate; and the reader's Streams calls per second with N
subscribers against 1 (one reader per process, whatever the subscribers: a ratio near 1).
Figures are never asserted; the exit status is 0 when every figure was measured.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import sys
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Subprotocol

from bench.counting_proxy import CountingProxy
from bench.measure import say
from bench.report import Figure, table, write_json
from bench.stack import GQL, REPO, Server, Stack, free_port

DEVICE = "bench-live"
SUBSCRIPTION = (
    "subscription($d: ID) { readingChanges(deviceId: $d) { kind datacount } }"  # small events
)


@dataclass(frozen=True)
class LivePlan:
    subscribers: int  # the "many" of 1 vs many
    writes: int  # paced writes per phase, for the delays and the calls/s window
    interval_s: float  # between paced writes
    sustain_s: float  # writing as fast as 4 boto3 threads go, for events/s
    settle_s: float  # how long to wait for late events


FULL = LivePlan(subscribers=100, writes=60, interval_s=0.2, sustain_s=15, settle_s=10)
QUICK = LivePlan(subscribers=5, writes=8, interval_s=0.2, sustain_s=3, settle_s=5)
# Events arrive about a poll interval after their write: the delivery window is the writing
# window shifted by this much, so that both count the same steady state.
SHIFT_S = 1.0


@dataclass
class Client:
    ws: ClientConnection
    received: dict[int, float] = field(default_factory=dict)  # datacount -> monotonic time
    error: str | None = None

    async def run(self) -> None:
        async for raw in self.ws:
            message = json.loads(raw)
            if message["type"] == "next" and not message["payload"].get("errors"):
                change = message["payload"]["data"]["readingChanges"]
                self.received.setdefault(change["datacount"], time.monotonic())
            elif message["type"] == "ping":
                await self.ws.send(json.dumps({"type": "pong"}))
            elif message["type"] in ("next", "error", "complete"):
                self.error = json.dumps(message)[:300]
                return


async def open_client(url: str) -> Client:
    ws = await connect(url, subprotocols=[Subprotocol("graphql-transport-ws")], max_queue=None)
    await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
    ack = json.loads(await asyncio.wait_for(ws.recv(), timeout=10))
    if ack["type"] != "connection_ack":
        raise RuntimeError(f"expected connection_ack, got {ack}")
    payload = {"query": SUBSCRIPTION, "variables": {"d": DEVICE}}
    await ws.send(json.dumps({"type": "subscribe", "id": "1", "payload": payload}))
    return Client(ws)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


class Writer:
    """boto3 put_item calls on a few threads; remembers when each write was sent."""

    def __init__(self, stack: Stack, table: str) -> None:
        self.stack, self.table = stack, table
        self.sent: dict[int, float] = {}
        self.numbers = itertools.count(1)
        self.pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="writer")

    def put(self, n: int) -> None:
        info = {"info_timestamp": {"S": str(1612519200 + n)}, "temperature1": {"N": "21.5"}}
        item: dict[str, Any] = {
            "device_id": {"S": DEVICE},
            "datacount": {"N": str(n)},
            "info": {"M": info},
        }
        self.sent[n] = time.monotonic()
        self.stack.client.put_item(TableName=self.table, Item=item)

    async def write(self, count: int = 1) -> list[int]:
        numbers = [next(self.numbers) for _ in range(count)]
        loop = asyncio.get_running_loop()
        await asyncio.gather(*(loop.run_in_executor(self.pool, self.put, n) for n in numbers))
        return numbers


async def until(clients: Iterable[Client], numbers: list[int], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    waiting = list(clients)
    while waiting and time.monotonic() < deadline:
        waiting = [
            c for c in waiting if c.error is None and not all(n in c.received for n in numbers)
        ]
        await asyncio.sleep(0.02)


async def prime(clients: list[Client], writer: Writer, timeout: float = 30) -> None:
    """Write until every client has received a write: the stream is then being read."""
    deadline = time.monotonic() + timeout
    while not all(c.received for c in clients):
        if time.monotonic() > deadline:
            raise RuntimeError(f"no change reached every subscriber within {timeout:g} s")
        await writer.write()
        await asyncio.sleep(0.5)
    await asyncio.sleep(1)  # late priming events must not count as measured ones


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far, from /proc/<pid>/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text(encoding="ascii").rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def sustained(clients: list[Client], writer: Writer, plan: LivePlan, phase: Phase) -> None:
    """Events/s delivered to all clients, and writes/s, while writing flat out; and who was
    busy meanwhile (a figure bound by this process's own CPU would measure the bench)."""
    began, server_cpu, own_cpu = time.monotonic(), cpu_seconds(phase.pid), time.process_time()
    numbers: list[int] = []
    while time.monotonic() - began < plan.sustain_s:
        numbers += await writer.write(8)
    ended = time.monotonic()
    phase.server_cpu = (cpu_seconds(phase.pid) - server_cpu) / (ended - began)
    phase.bench_cpu = (time.process_time() - own_cpu) / (ended - began)
    await until(clients, numbers, plan.settle_s)
    window = ended - began - SHIFT_S
    written = sum(1 for k in numbers if writer.sent[k] < ended - SHIFT_S)
    wanted = set(numbers)
    delivered = sum(
        1
        for c in clients
        for k, at in c.received.items()
        if k in wanted and began + SHIFT_S <= at < ended
    )
    phase.events_per_s, phase.written_per_s = delivered / window, written / window


@dataclass
class Phase:
    subscribers: int
    delays: list[float]
    missing: int
    calls_per_s: float
    get_records_per_s: float
    pid: int = 0  # the server's
    events_per_s: float | None = None
    written_per_s: float | None = None
    server_cpu: float = 0.0  # CPU seconds per second while writing flat out
    bench_cpu: float = 0.0


async def phase(
    server: Server, plan: LivePlan, n: int, writer: Writer, proxy: CountingProxy
) -> Phase:
    url = f"ws://127.0.0.1:{server.port}/graphql"
    clients = list(await asyncio.gather(*(open_client(url) for _ in range(n))))
    tasks = [asyncio.create_task(c.run()) for c in clients]
    try:
        await prime(clients, writer)
        before, started = proxy.counts(), time.monotonic()
        paced: list[int] = []
        for _ in range(plan.writes):
            paced += await writer.write()
            await asyncio.sleep(plan.interval_s)
        window = time.monotonic() - started
        calls = proxy.counts() - before
        await until(clients, paced, plan.settle_s)
        delays = [c.received[k] - writer.sent[k] for c in clients for k in paced if k in c.received]
        result = Phase(
            n,
            delays,
            missing=n * len(paced) - len(delays),
            calls_per_s=sum(calls.values()) / window,
            get_records_per_s=calls["GetRecords"] / window,
            pid=server.pid,
        )
        if n > 1:
            await sustained(clients, writer, plan, result)
        errors = [c.error for c in clients if c.error]
        if errors:
            raise RuntimeError(f"{len(errors)} subscriptions ended: {errors[0]}")
        return result
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*(c.ws.close() for c in clients), return_exceptions=True)


def figures(one: Phase, many: Phase) -> list[Figure]:
    found = []
    for p in (one, many):
        if not p.delays:
            raise RuntimeError(f"no event reached the {p.subscribers} subscriber(s)")
        for q, goal in ((0.5, 1.0), (0.99, 2.0)):
            value = percentile(p.delays, q)
            name = f"p{round(q * 100)}"
            figure = Figure(
                f"live_{name}_{p.subscribers}",
                f"boto3 write -> event, {name}, {p.subscribers} subscriber(s) (s)",
                "<=",
                goal,
                ratio=value,
                summary=f"{value * 1000:.0f} ms over {len(p.delays)} events, {p.missing} missing",
            )
            if p.missing:
                figure.warnings.append(f"{p.missing} events never arrived")
            found.append(figure)
    if many.events_per_s is None or many.written_per_s is None:
        raise RuntimeError("the burst was not measured")
    expected = many.written_per_s * many.subscribers
    found.append(
        Figure(
            "live_fanout",
            f"events/s to {many.subscribers} subscribers / (subscribers x writes/s)",
            ">=",
            0.9,
            ratio=many.events_per_s / expected,
            summary=(
                f"{many.events_per_s:.0f} events/s delivered, writing {many.written_per_s:.0f}/s;"
                f" CPU: server {many.server_cpu:.0%}, bench {many.bench_cpu:.0%} of a core"
            ),
        )
    )
    if one.calls_per_s == 0:
        raise RuntimeError("the proxy saw no DynamoDB Streams call: is the endpoint honoured?")
    found.append(
        Figure(
            "live_stream_calls",
            f"Streams calls/s, {many.subscribers} subscribers / 1",
            "<=",
            1.2,
            ratio=many.calls_per_s / one.calls_per_s,
            summary=(
                f"{one.calls_per_s:.1f}/s with 1 ({one.get_records_per_s:.1f} GetRecords), "
                f"{many.calls_per_s:.1f}/s with {many.subscribers} "
                f"({many.get_records_per_s:.1f} GetRecords)"
            ),
        )
    )
    return found


def serve(stack: Stack, table_name: str, streams_url: str) -> Server:
    """`gql serve` on the table, reading the stream through `streams_url`."""
    port = free_port()
    command = [str(GQL), "serve", "--host", "127.0.0.1", "--port", str(port)]
    env = stack.env(table_name) | {"AWS_ENDPOINT_URL_DYNAMODB_STREAMS": streams_url}
    server = Server("gql-serve-live", command, env, stack.log_dir, port)
    stack.processes.append(server)
    server.wait_healthy()
    return server


def run(plan: LivePlan, endpoint: str, output: Path) -> int:
    log_dir = output.parent / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    with Stack(endpoint, log_dir) as stack, CountingProxy(endpoint) as proxy:
        name = stack.table_name("live")
        say(f"gql table create --wait ({name}); streams calls counted through {proxy.url}")
        stack.gql("table", "create", "--wait", table=name)
        server = serve(stack, name, proxy.url)
        writer = Writer(stack, name)
        say("1 subscriber")
        one = asyncio.run(phase(server, plan, 1, writer, proxy))
        say(f"{plan.subscribers} subscribers")
        many = asyncio.run(phase(server, plan, plan.subscribers, writer, proxy))
        writer.pool.shutdown()
    result = figures(one, many)
    load = os.getloadavg()
    cpus = os.cpu_count() or 1
    if load[0] > cpus:  # the figures then measure the other processes as much as this one
        for figure in result:
            figure.warnings.append(f"load average {load[0]:.1f} on {cpus} CPUs during the run")
            break
    meta = {
        "bench": "devices-graphql live",
        "plan": vars(plan),
        "endpoint": endpoint,
        "machine": {"cpus": cpus, "load_average": list(load)},
    }
    write_json(output, result, meta)
    print(table(result))
    print(f"\nfigures written to {output}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.live", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny sizes (smoke)")
    default = REPO / "bench" / "results" / "live.json"
    parser.add_argument("--output", type=Path, default=default, help="the JSON figures")
    args = parser.parse_args(argv)
    endpoint = os.environ.get("DYNAMODB_LOCAL_URL")
    if not endpoint:
        say("DYNAMODB_LOCAL_URL is not set: run it with `make bench` (scripts/in-netns)")
        return 2
    return run(QUICK if args.quick else FULL, endpoint, args.output.resolve())


if __name__ == "__main__":
    sys.exit(main())
