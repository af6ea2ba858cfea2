"""The live bench through the Redis relay: one `gql derive` appends every change to Redis, and
`gql serve` replicas read them from there (GQL_REDIS_URL), never from DynamoDB Streams.

A redis-server of this run's own (Debian's package, on a free port, nothing saved); every
process's DynamoDB Streams endpoint is a counting proxy of its own (bench/counting_proxy.py),
so the GetRecords calls of the whole deployment are counted on the wire. Two phases on one
table: 1 replica, then `replicas` (the first and more), each with `subscribers` clients of one
document; paced boto3 writes in each. Figures: GetRecords calls/s of the deployment with all
the replicas against 1 (one reader, the consumer, whatever the replicas: near 1), and the
delay from a boto3 write to its event at the clients of every replica, p50 and p99.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass

import redis

from bench.counting_proxy import CountingProxy
from bench.live_ends import Writer, open_client, percentile, prime, until
from bench.plan import say
from bench.report import Figure
from bench.stack import GQL, Process, Server, Stack, free_port


@dataclass(frozen=True)
class RelayPlan:
    replicas: int
    subscribers: int  # per replica
    writes: int  # paced writes per phase
    interval_s: float
    settle_s: float


FULL = RelayPlan(replicas=4, subscribers=25, writes=60, interval_s=0.2, settle_s=10)
QUICK = RelayPlan(replicas=2, subscribers=2, writes=8, interval_s=0.2, settle_s=5)
KEYS = ("relay_get_records", "relay_p50", "relay_p99")


@dataclass
class Measured:
    replicas: int
    get_records_per_s: float  # the whole deployment's
    by_replicas: int  # GetRecords calls the replicas made (none, with the relay)
    delays: list[float]
    missing: int


def start_redis(stack: Stack) -> str:
    """A redis-server of this run's own; its URL."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise FileNotFoundError("redis-server is not installed (apt-get install redis-server)")
    port = free_port()
    directory = stack.log_dir / "redis"
    directory.mkdir(exist_ok=True)
    command = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
    command += ["--appendonly", "no", "--dir", str(directory)]
    stack.processes.append(Process("redis", command, {}, stack.log_dir))
    url = f"redis://127.0.0.1:{port}/0"
    deadline = time.monotonic() + 30
    with redis.Redis.from_url(url, socket_timeout=1) as client:
        while True:
            with contextlib.suppress(redis.ConnectionError):
                if client.ping():
                    return url
            if time.monotonic() > deadline:
                raise RuntimeError("redis-server did not answer within 30 s")
            time.sleep(0.05)


@contextlib.contextmanager
def deployment(stack: Stack, table: str, url: str) -> Iterator[Deployment]:
    with contextlib.ExitStack() as exits:
        yield Deployment(stack, table, url, exits)


class Deployment:
    """`gql derive` and the replicas, each behind a counting proxy of its own."""

    def __init__(self, stack: Stack, table: str, url: str, exits: contextlib.ExitStack) -> None:
        self.stack, self.table, self.exits = stack, table, exits
        self.env = stack.env(table) | {"GQL_REDIS_URL": url}
        self.proxies: list[CountingProxy] = []
        self.replicas: list[Server] = []
        proxy = self._proxy()
        env = self.env | {"AWS_ENDPOINT_URL_DYNAMODB_STREAMS": proxy.url}
        stack.processes.append(Process("gql-derive", [str(GQL), "derive"], env, stack.log_dir))

    def _proxy(self) -> CountingProxy:
        proxy = self.exits.enter_context(CountingProxy(self.stack.endpoint))
        self.proxies.append(proxy)
        return proxy

    def add_replica(self) -> Server:
        port = free_port()
        env = self.env | {"AWS_ENDPOINT_URL_DYNAMODB_STREAMS": self._proxy().url}
        command = [str(GQL), "serve", "--host", "127.0.0.1", "--port", str(port)]
        name = f"gql-serve-relay-{len(self.replicas) + 1}"
        server = Server(name, command, env, self.stack.log_dir, port)
        self.stack.processes.append(server)
        server.wait_healthy()
        self.replicas.append(server)
        return server

    def get_records(self) -> tuple[int, int]:
        """GetRecords calls so far: of the consumer, and of all the replicas together."""
        consumer, *replicas = (p.counts()["GetRecords"] for p in self.proxies)
        return consumer, sum(replicas)


async def measure(deployment: Deployment, plan: RelayPlan, writer: Writer) -> Measured:
    urls = [f"ws://127.0.0.1:{r.port}/graphql" for r in deployment.replicas]
    clients = list(
        await asyncio.gather(*(open_client(u) for u in urls for _ in range(plan.subscribers)))
    )
    tasks = [asyncio.create_task(c.run()) for c in clients]
    try:
        await prime(clients, writer, timeout=60)
        before, started = deployment.get_records(), time.monotonic()
        paced: list[int] = []
        for _ in range(plan.writes):
            paced += await writer.write()
            await asyncio.sleep(plan.interval_s)
        window = time.monotonic() - started
        after = deployment.get_records()
        by_consumer, by_replicas = after[0] - before[0], after[1] - before[1]
        await until(clients, paced, plan.settle_s)
        delays = [c.received[k] - writer.sent[k] for c in clients for k in paced if k in c.received]
        errors = [c.error for c in clients if c.error]
        if errors:
            raise RuntimeError(f"{len(errors)} subscriptions ended: {errors[0]}")
        missing = len(clients) * len(paced) - len(delays)
        calls_per_s = (by_consumer + by_replicas) / window
        return Measured(len(deployment.replicas), calls_per_s, by_replicas, delays, missing)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*(c.ws.close() for c in clients), return_exceptions=True)


def run_relay(stack: Stack, plan: RelayPlan) -> list[Figure]:
    """The relay's figures; each one an error figure if the phase could not run."""
    try:
        url = start_redis(stack)
        table = stack.table_name("relay")
        say(f"relay: gql table create --wait ({table}), gql derive, redis at {url}")
        stack.gql("table", "create", "--wait", table=table)
        with deployment(stack, table, url) as deploy:
            deploy.add_replica()
            writer = Writer(stack, table)
            say("relay: 1 replica")
            one = asyncio.run(measure(deploy, plan, writer))
            for _ in range(plan.replicas - 1):
                deploy.add_replica()
            say(f"relay: {plan.replicas} replicas x {plan.subscribers} subscribers")
            many = asyncio.run(measure(deploy, plan, writer))
            writer.pool.shutdown()
        return figures(plan, one, many)
    except (OSError, RuntimeError, redis.RedisError) as exc:
        return [_failed(key, f"{type(exc).__name__}: {exc}") for key in KEYS]


def figures(plan: RelayPlan, one: Measured, many: Measured) -> list[Figure]:
    if one.get_records_per_s == 0:
        raise RuntimeError("no GetRecords call was counted: is the consumer running?")
    who = f"{many.replicas} replicas x {plan.subscribers} subscribers"
    found = [
        Figure(
            "relay_get_records",
            f"GetRecords calls/s of the deployment, {many.replicas} replicas / 1 (through Redis)",
            "<=",
            1.2,
            ratio=many.get_records_per_s / one.get_records_per_s,
            summary=(
                f"{one.get_records_per_s:.1f}/s with 1 replica, "
                f"{many.get_records_per_s:.1f}/s with {many.replicas}; "
                f"{one.by_replicas + many.by_replicas} of them by replicas, the rest by gql derive"
            ),
        )
    ]
    if not many.delays:
        raise RuntimeError(f"no event reached the clients of {who}")
    for q, goal in ((0.5, 1.0), (0.99, 2.0)):
        value = percentile(many.delays, q)
        name = f"p{round(q * 100)}"
        figure = Figure(
            f"relay_{name}",
            f"boto3 write -> event through Redis, {name}, {who} (s)",
            "<=",
            goal,
            ratio=value,
            summary=f"{value * 1000:.0f} ms over {len(many.delays)} events, {many.missing} missing",
        )
        if many.missing:
            figure.warnings.append(f"{many.missing} events never arrived")
        found.append(figure)
    return found


def _failed(key: str, error: str) -> Figure:
    return Figure(key, f"the relay phase ({key})", "<=", 1.0, error=error)
