"""A deployment in miniature for the relay's tests: N `gql serve` replicas and one `gql derive`
on one DynamoDB Local table, with a real redis-server between them (GQL_REDIS_URL).

Each process gets a counting proxy of its own as its DynamoDB Streams endpoint
(bench/counting_proxy.py), so a test can tell which processes read the stream: with the relay
only the consumer does. Subscribers are graphql-transport-ws clients (tests/integration/
subscriber.py). Everything is stopped on exit.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.counting_proxy import CountingProxy
from tests.integration.conftest import Server, drop_table, local_env, run_ok, unique_table
from tests.integration.derive_process import DeriveProcess
from tests.integration.subscriber import Json, Subscriber
from tests.redis_server import RedisServer
from tests.timing import patient

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

# Priming writes have negative datacounts; what is checked leaves them out.


@dataclass
class Stack:
    env: dict[str, str]
    table: str
    redis: RedisServer
    derive: DeriveProcess
    replicas: list[Server] = field(default_factory=list)
    replica_proxies: list[CountingProxy] = field(default_factory=list)
    derive_proxy: CountingProxy | None = None

    def streams_calls(self) -> tuple[int, list[int]]:
        """GetRecords calls of the consumer, and of each replica."""
        assert self.derive_proxy is not None
        return (
            self.derive_proxy.counts()["GetRecords"],
            [sum(p.counts().values()) for p in self.replica_proxies],
        )


@contextlib.contextmanager
def relay_stack(
    dynamodb_local_url: str,
    dynamodb: DynamoDBClient,
    redis: RedisServer,
    log_dir: Path,
    *,
    replicas: int,
    **settings: str,
) -> Iterator[Stack]:
    table = unique_table("relay")
    env = local_env(dynamodb_local_url, table) | {"GQL_REDIS_URL": redis.url, **settings}
    run_ok("table", "create", "--wait", env=env)
    with contextlib.ExitStack() as exits:
        exits.callback(drop_table, dynamodb, table)
        derive_proxy = exits.enter_context(CountingProxy(dynamodb_local_url))
        derive = DeriveProcess(
            env | {"AWS_ENDPOINT_URL_DYNAMODB_STREAMS": derive_proxy.url}, log_dir / "derive.log"
        )
        stack = Stack(env, table, redis, derive, derive_proxy=derive_proxy)
        exits.callback(stack.derive.kill)
        stack.derive.start()
        for n in range(replicas):
            proxy = exits.enter_context(CountingProxy(dynamodb_local_url))
            stack.replica_proxies.append(proxy)
            replica_env = env | {"AWS_ENDPOINT_URL_DYNAMODB_STREAMS": proxy.url}
            directory = log_dir / f"replica-{n}"
            directory.mkdir()
            stack.replicas.append(exits.enter_context(Server(replica_env, directory)))
        yield stack


def sentinel_put(client: DynamoDBClient, table: str, device: str, n: int) -> None:
    client.put_item(
        TableName=table,
        Item={
            "device_id": {"S": device},
            "datacount": {"N": str(-n)},
            "info": {"M": {"info_timestamp": {"S": "1612519200"}}},
        },
    )


def is_sentinel(change: Json) -> bool:
    return bool(change["datacount"] < 0)


def prime_all(
    subscribers: list[Subscriber], write: Callable[[int], None], timeout: float = 60
) -> None:
    """Write sentinels until every subscriber has received one, then drain what came: from
    then on, every change appended reaches every subscriber."""
    waiting = list(subscribers)
    deadline = time.monotonic() + patient(timeout)
    n = 0
    while waiting:
        n += 1
        write(n)
        time.sleep(0.3)
        waiting = [s for s in waiting if not _received(s)]
        assert time.monotonic() < deadline, f"{len(waiting)} subscribers never got a change"
    for subscriber in subscribers:
        while subscriber.next_change(timeout=0.5) is not None:
            pass


def _received(subscriber: Subscriber) -> bool:
    got = False
    while (change := subscriber.next_change(timeout=0.05)) is not None:
        got = got or is_sentinel(change)
    return got


def collect_until_marker(
    subscriber: Subscriber, is_marker: Callable[[Json], bool], timeout: float = 90
) -> list[Json]:
    """Every change but sentinels up to the marker, and whatever follows within a second (a
    copy delivered late would be there)."""
    changes = subscriber.collect_until(is_marker, timeout=timeout)
    while (late := subscriber.next_change(timeout=1.0)) is not None:
        changes.append(late)
    return [c for c in changes if not is_sentinel(c)]


def identity(change: Json) -> tuple[Any, ...]:
    """What tells one change from another: its reading, kind and both images' temperature."""
    reading, previous = change["reading"] or {}, change["previous"] or {}
    return (
        change["deviceId"],
        change["datacount"],
        change["kind"],
        (reading.get("info") or {}).get("temperature1"),
        (previous.get("info") or {}).get("temperature1"),
    )
