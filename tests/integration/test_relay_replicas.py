"""Four `gql serve` replicas and one `gql derive` on one DynamoDB Local table, with a real
redis-server between them: every subscriber on every replica gets every change exactly once,
in DynamoDB's order for each reading, whoever wrote it (the API on any replica, plain boto3),
and only the consumer reads the table's stream, also when it is killed and started again."""

from __future__ import annotations

import itertools
import signal
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.integration.conftest import Server, graphql
from tests.integration.relay_stack import (
    Stack,
    collect_until_marker,
    identity,
    prime_all,
    relay_stack,
    sentinel_put,
)
from tests.integration.subscriber import Json, Subscriber, SubscriptionEndedError
from tests.redis_server import RedisServer, running_redis

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

DEVICES = ("relay-a", "relay-b", "relay-c")
# The datacount of the last write of a test, on DEVICES[0]: a new one each time, as DynamoDB
# records no change for a put that leaves an item as it was.
MARKERS = itertools.count(900)
PUT = """mutation($r: ReadingInput!) { putReading(reading: $r) { __typename } }"""
UPDATE = """mutation($d: ID!, $n: Int!, $t: Float!) {
  updateReading(deviceId: $d, datacount: $n, info: {temperature1: $t}) { __typename } }"""

Expected = tuple[Any, ...]


@pytest.fixture(scope="module")
def redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    with running_redis(tmp_path_factory.mktemp("redis")) as server:
        yield server


@pytest.fixture(scope="module")
def stack(
    dynamodb_local_url: str,
    dynamodb: DynamoDBClient,
    redis: RedisServer,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Stack]:
    with relay_stack(
        dynamodb_local_url, dynamodb, redis, tmp_path_factory.mktemp("stack"), replicas=4
    ) as stack:
        yield stack


def boto3_put(client: DynamoDBClient, table: str, device: str, n: int, t: str) -> None:
    # As the tutorial's scripts write: the temperature a string, no version, no time index.
    info = {"info_timestamp": {"S": "1612519200"}, "temperature1": {"S": t}}
    client.put_item(
        TableName=table,
        Item={"device_id": {"S": device}, "datacount": {"N": str(n)}, "info": {"M": info}},
    )


def boto3_update(client: DynamoDBClient, table: str, device: str, n: int, t: str) -> None:
    client.update_item(
        TableName=table,
        Key={"device_id": {"S": device}, "datacount": {"N": str(n)}},
        UpdateExpression="SET info.temperature1 = :t",
        ExpressionAttributeValues={":t": {"N": t}},
    )


def write_everything(stack: Stack, dynamodb: DynamoDBClient) -> list[Expected]:
    """Inserts, updates and deletes, through the API of every replica and through boto3, in
    this order; the changes they make, as `identity` shows them."""
    expected: list[Expected] = []
    replicas = stack.replicas
    turn = 0
    for device in DEVICES:
        for n in (1, 2, 3):
            api = replicas[turn % len(replicas)]
            turn += 1
            info = {"infoTimestamp": "1612519200", "temperature1": n + 0.5}
            reading = {"deviceId": device, "datacount": n, "info": info}
            assert graphql(api, PUT, {"r": reading})["putReading"]["__typename"] == "Reading"
            expected.append((device, n, "INSERT", n + 0.5, None))
            boto3_update(dynamodb, stack.table, device, n, f"{n}.25")
            expected.append((device, n, "MODIFY", n + 0.25, n + 0.5))
            updated = graphql(replicas[turn % len(replicas)], UPDATE, {"d": device, "n": n, "t": 7})
            assert updated["updateReading"]["__typename"] == "Reading"
            expected.append((device, n, "MODIFY", 7.0, n + 0.25))
            if n == 3:
                dynamodb.delete_item(
                    TableName=stack.table,
                    Key={"device_id": {"S": device}, "datacount": {"N": "3"}},
                )
                expected.append((device, n, "REMOVE", None, 7.0))
        boto3_put(dynamodb, stack.table, device, 4, "23.74")  # a legacy string temperature
        expected.append((device, 4, "INSERT", 23.74, None))
    return expected


def marker(stack: Stack, dynamodb: DynamoDBClient) -> Expected:
    n = next(MARKERS)
    boto3_put(dynamodb, stack.table, DEVICES[0], n, "1.5")
    return (DEVICES[0], n, "INSERT", 1.5, None)


def is_marker(change: Json) -> bool:
    return bool(change["deviceId"] == DEVICES[0] and change["datacount"] >= 900)


def by_reading(changes: list[Expected]) -> dict[tuple[str, int], list[Expected]]:
    grouped: dict[tuple[str, int], list[Expected]] = defaultdict(list)
    for change in changes:
        grouped[(change[0], change[1])].append(change)
    return dict(grouped)


def subscribe_everywhere(stack: Stack) -> list[tuple[Subscriber, str | None]]:
    """On every replica, one subscriber of every device and one of DEVICES[0]."""
    subscribers: list[tuple[Subscriber, str | None]] = []
    for replica in stack.replicas:
        url = f"{replica.url}/graphql"
        subscribers.append((Subscriber(url, {}), None))
        subscribers.append((Subscriber(url, {"deviceId": DEVICES[0]}), DEVICES[0]))
    return subscribers


def check_every_subscriber(
    subscribers: list[tuple[Subscriber, str | None]], expected: list[Expected]
) -> None:
    for subscriber, device in subscribers:
        wanted = [e for e in expected if device is None or e[0] == device]
        received = [identity(c) for c in collect_until_marker(subscriber, is_marker)]
        # Exactly once each, and each reading's changes in the order they were made.
        assert sorted(received, key=repr) == sorted(wanted, key=repr), (device, received)
        assert by_reading(received) == by_reading(wanted), device


def test_every_subscriber_of_every_replica_gets_every_change_once_in_order(
    stack: Stack, dynamodb: DynamoDBClient
) -> None:
    subscribers = subscribe_everywhere(stack)
    try:
        prime_all(
            [s for s, _ in subscribers],
            lambda n: sentinel_put(dynamodb, stack.table, DEVICES[0], n),
        )
        before = stack.streams_calls()
        expected = write_everything(stack, dynamodb)
        expected.append(marker(stack, dynamodb))
        check_every_subscriber(subscribers, expected)
        consumer_calls, replica_calls = stack.streams_calls()
    finally:
        for subscriber, _ in subscribers:
            subscriber.close()

    # One process reads the table's stream: the consumer. No replica made a single call.
    assert consumer_calls > before[0]
    assert replica_calls == [0, 0, 0, 0]
    # Each replica's /metrics: every change it relayed, with its lag, and what it delivered.
    for replica in stack.replicas:
        seen = scrape(replica)
        relayed = seen["gql_changes_relayed_total"]
        assert relayed >= len(expected), (replica.url, seen)
        assert seen["gql_relay_lag_seconds_count"] == relayed
        # Its two subscribers: one of every device, one of DEVICES[0].
        mine = len(expected) + len([e for e in expected if e[0] == DEVICES[0]])
        assert seen["gql_live_changes_delivered_total"] >= mine, (replica.url, seen)
        assert seen["gql_live_changes_dropped_total"] == 0


def scrape(replica: Server) -> dict[str, float]:
    """The unlabelled samples of a replica's /metrics, by name."""
    text = replica.http.get("/metrics").text
    return {
        sample.name: sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if not sample.labels
    }


def test_a_consumer_killed_and_started_again_during_writes_loses_and_repeats_nothing(
    stack: Stack, dynamodb: DynamoDBClient
) -> None:
    subscribers = subscribe_everywhere(stack)
    written: list[Expected] = []
    done = threading.Event()

    def write() -> None:
        for n in range(100, 160):
            device = DEVICES[n % len(DEVICES)]
            boto3_put(dynamodb, stack.table, device, n, f"{n}.5")
            written.append((device, n, "INSERT", n + 0.5, None))
            time.sleep(0.03)
        done.set()

    try:
        prime_all(
            [s for s, _ in subscribers],
            lambda n: sentinel_put(dynamodb, stack.table, DEVICES[0], n),
        )
        writer = threading.Thread(target=write)
        writer.start()
        kills = 0
        while not done.is_set() or kills < 2:
            time.sleep(0.6)
            stack.derive.kill()  # SIGKILL: no checkpoint of the batch under way
            kills += 1
            stack.derive.start()
        writer.join()
        written.append(marker(stack, dynamodb))
        check_every_subscriber(subscribers, written)
    finally:
        for subscriber, _ in subscribers:
            subscriber.close()
    assert stack.derive.starts >= 3, stack.derive.output()[-3000:]


def test_a_replica_whose_place_was_trimmed_ends_its_subscriptions_with_stream_gap(
    dynamodb_local_url: str, dynamodb: DynamoDBClient, tmp_path: Path
) -> None:
    with (
        running_redis(tmp_path / "redis") as redis,
        relay_stack(
            dynamodb_local_url,
            dynamodb,
            redis,
            tmp_path,
            replicas=2,
            GQL_REDIS_STREAM_MAXLEN="100",
        ) as stack,
    ):
        stopped, running = stack.replicas
        behind = Subscriber(f"{stopped.url}/graphql", {"deviceId": DEVICES[1]})
        current = Subscriber(f"{running.url}/graphql", {"deviceId": DEVICES[1]})
        try:
            prime_all(
                [behind, current], lambda n: sentinel_put(dynamodb, stack.table, DEVICES[1], n)
            )
            assert stopped.process is not None
            stopped.process.send_signal(signal.SIGSTOP)
            received: list[Json] = []
            try:
                # 300 changes, 25 at a time: the replica that runs reads each 25 before the
                # next come, while Redis trims the stream to about 100 behind the stopped one.
                for start in range(0, 300, 25):
                    put_many(dynamodb, stack.table, range(start, start + 25))
                    received += current.collect_until(all_of(range(start, start + 25)), timeout=60)
            finally:
                stopped.process.send_signal(signal.SIGCONT)
            ended = _ending(behind)
        finally:
            behind.close()
            current.close()

    # ... on the replica that kept up, all of them, once each.
    assert sorted(c["datacount"] for c in received if c["datacount"] >= 0) == list(range(300))
    assert ended == ["STREAM_GAP"]


def all_of(numbers: range) -> Callable[[Json], bool]:
    """True once every datacount of `numbers` has come, counting from the first call (a batch
    write's items arrive in any order)."""
    wanted = set(numbers)
    seen: set[int] = set()

    def done(change: Json) -> bool:
        seen.add(change["datacount"])
        return seen >= wanted

    return done


def put_many(client: DynamoDBClient, table: str, numbers: range) -> None:
    info = {"info_timestamp": {"S": "1612519200"}, "temperature1": {"N": "1.5"}}
    requests: list[Any] = [
        {
            "PutRequest": {
                "Item": {
                    "device_id": {"S": DEVICES[1]},
                    "datacount": {"N": str(n)},
                    "info": {"M": info},
                }
            }
        }
        for n in numbers
    ]
    pending: Any = {table: requests}
    while pending:
        pending = client.batch_write_item(RequestItems=pending).get("UnprocessedItems")


def _ending(subscriber: Subscriber) -> list[str | None]:
    """The codes the subscription ended with (it may deliver what it still had first)."""
    try:
        subscriber.collect_until(lambda c: False, timeout=60)
    except SubscriptionEndedError as ended:
        return ended.codes
    except AssertionError as exc:
        raise AssertionError(f"the subscription did not end: {exc}") from None
    raise AssertionError("not reached")
