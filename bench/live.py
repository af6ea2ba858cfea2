"""`python -m bench.live [--quick]`: live changes, from a boto3 write to the event at a client.

Against DynamoDB Local (DYNAMODB_LOCAL_URL, as `make bench` sets it inside scripts/in-netns)
and `gql serve` on a table made by `gql table create --wait` (stream on). Subscribers are
graphql-transport-ws clients (`websockets`) in this process; writes are plain boto3 put_item
calls, so they reach the server only through the table's stream. The server's DynamoDB Streams
endpoint is a counting proxy (bench/counting_proxy.py): its calls are counted on the wire.

Figures, each with its goal: the delay from a write to its event, p50 and p99, with 1 and with
N subscribers (100; 5 in --quick); the events/s delivered to N subscribers during a spell of
writes, against N times the write rate; and the reader's Streams calls per second with N
subscribers against 1 (one reader per process, whatever the subscribers: a ratio near 1).
Then the same through the Redis relay (bench/relay.py): `gql derive` and 1, then 4, replicas
with 25 subscribers each; the deployment's GetRecords calls/s, 4 replicas against 1, and the
delay from a write to its event at the clients of every replica.
Figures are never asserted; the exit status is 0 when every figure was measured.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from bench.counting_proxy import CountingProxy
from bench.live_ends import Client, Writer, open_client, percentile, prime, until
from bench.plan import say
from bench.relay import FULL as RELAY_FULL
from bench.relay import QUICK as RELAY_QUICK
from bench.relay import RelayPlan, run_relay
from bench.report import Figure, table, write_json
from bench.stack import GQL, REPO, Server, Stack, free_port


@dataclass(frozen=True)
class LivePlan:
    subscribers: int  # the "many" of 1 vs many
    writes: int  # paced writes per phase, for the delays and the calls/s window
    interval_s: float  # between paced writes
    sustain_s: float  # writing as fast as 4 boto3 threads go, for events/s
    settle_s: float  # how long to wait for late events
    relay: RelayPlan  # the phases through the Redis relay


FULL = LivePlan(
    subscribers=100, writes=60, interval_s=0.2, sustain_s=15, settle_s=10, relay=RELAY_FULL
)
QUICK = LivePlan(
    subscribers=5, writes=8, interval_s=0.2, sustain_s=3, settle_s=5, relay=RELAY_QUICK
)


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
    await until(clients, numbers, plan.settle_s)
    spent = time.monotonic() - began
    phase.server_cpu = (cpu_seconds(phase.pid) - server_cpu) / spent
    phase.bench_cpu = (time.process_time() - own_cpu) / spent
    # Delivered over the time from the first write to the last event: when the server keeps
    # up, that is the writing time plus one delay, and the ratio to the write rate is near 1.
    wanted = set(numbers)
    arrivals = [at for c in clients for k, at in c.received.items() if k in wanted]
    last = max(arrivals, default=ended)
    phase.events_per_s = len(arrivals) / (last - began)
    phase.sustained_events = (len(arrivals), len(numbers) * len(clients))
    phase.written_per_s = len(numbers) / (ended - began)


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
    sustained_events: tuple[int, int] = (0, 0)  # delivered, written x subscribers
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


def figures(plan: LivePlan, one: Phase, many: Phase) -> list[Figure]:
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
                f" {many.sustained_events[0]} of {many.sustained_events[1]} events within"
                f" {plan.settle_s:g} s of the last write;"
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
        server.stop()  # the relay's processes get the CPU to themselves
        relayed = run_relay(stack, plan.relay)
    result = figures(plan, one, many) + relayed
    load = os.getloadavg()
    cpus = os.cpu_count() or 1
    if load[0] > cpus:  # the figures then measure the other processes as much as this one
        for figure in result:
            figure.warnings.append(f"load average {load[0]:.1f} on {cpus} CPUs during the run")
            break
    meta = {
        "bench": "devices-graphql live",
        "plan": {**vars(plan), "relay": vars(plan.relay)},
        "endpoint": endpoint,
        "machine": {"cpus": cpus, "load_average": list(load)},
    }
    write_json(output, result, meta)
    print(table(result))
    print(f"\nfigures written to {output}")
    return 1 if any(f.error for f in result) else 0


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
