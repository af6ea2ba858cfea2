"""Redis restarted while changes are written, under `gql serve` replicas and `gql derive`: a
Redis that keeps its data lets every subscription go on with nothing missing and nothing twice;
one that keeps nothing ends them with STREAM_GAP. Never a silent hole."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

from tests.integration.relay_stack import (
    collect_until_marker,
    prime_all,
    relay_stack,
    sentinel_put,
)
from tests.integration.subscriber import Json, Subscriber, SubscriptionEndedError
from tests.redis_server import running_redis

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

DEVICE = "restart-1"
MARKER = 10_000


def put(client: DynamoDBClient, table: str, n: int) -> None:
    info = {"info_timestamp": {"S": "1612519200"}, "temperature1": {"N": f"{n}.5"}}
    client.put_item(
        TableName=table,
        Item={"device_id": {"S": DEVICE}, "datacount": {"N": str(n)}, "info": {"M": info}},
    )


def write_during(client: DynamoDBClient, table: str, restart: threading.Event) -> list[int]:
    """60 writes, a little apart; `restart` is set after the 20th."""
    written = []
    for n in range(60):
        put(client, table, n)
        written.append(n)
        if n == 20:
            restart.set()
        time.sleep(0.05)
    return written


def test_a_redis_that_keeps_its_data_restarted_during_writes_loses_and_repeats_nothing(
    dynamodb_local_url: str, dynamodb: DynamoDBClient, tmp_path: Path
) -> None:
    with (
        running_redis(tmp_path / "redis", persistent=True) as redis,
        relay_stack(dynamodb_local_url, dynamodb, redis, tmp_path, replicas=2) as stack,
    ):
        subscribers = [Subscriber(f"{r.url}/graphql", {"deviceId": DEVICE}) for r in stack.replicas]
        try:
            prime_all(subscribers, lambda n: sentinel_put(dynamodb, stack.table, DEVICE, n))
            restart = threading.Event()
            written: list[int] = []
            writer = threading.Thread(
                target=lambda: written.extend(write_during(dynamodb, stack.table, restart))
            )
            writer.start()
            restart.wait(timeout=60)
            redis.restart(down_seconds=1.0)  # SIGKILL: what is synced is what comes back
            writer.join()
            put(dynamodb, stack.table, MARKER)
            received = [
                [c["datacount"] for c in collect_until_marker(s, _is_marker)] for s in subscribers
            ]
        finally:
            for subscriber in subscribers:
                subscriber.close()

    assert len(written) == 60
    for got in received:
        assert got == [*written, MARKER]  # each once, in the order written


def test_a_redis_restarted_empty_during_writes_ends_subscriptions_with_stream_gap(
    dynamodb_local_url: str, dynamodb: DynamoDBClient, tmp_path: Path
) -> None:
    with (
        running_redis(tmp_path / "redis") as redis,
        relay_stack(dynamodb_local_url, dynamodb, redis, tmp_path, replicas=2) as stack,
    ):
        subscribers = [Subscriber(f"{r.url}/graphql", {"deviceId": DEVICE}) for r in stack.replicas]
        try:
            prime_all(subscribers, lambda n: sentinel_put(dynamodb, stack.table, DEVICE, n))
            restart = threading.Event()
            writer = threading.Thread(target=write_during, args=(dynamodb, stack.table, restart))
            writer.start()
            restart.wait(timeout=60)
            redis.restart(down_seconds=1.0)  # no persistence: the stream is gone
            writer.join()
            put(dynamodb, stack.table, MARKER)
            endings = [_ending(s) for s in subscribers]
            # A new subscription after the gap gets what is written from then on.
            with Subscriber(f"{stack.replicas[0].url}/graphql", {"deviceId": DEVICE}) as again:
                prime_all([again], lambda n: sentinel_put(dynamodb, stack.table, DEVICE, n))
                put(dynamodb, stack.table, MARKER + 1)
                after = [c["datacount"] for c in collect_until_marker(again, _is_marker)]
        finally:
            for subscriber in subscribers:
                subscriber.close()

    for delivered, codes in endings:
        assert codes == ["STREAM_GAP"]
        assert delivered == sorted(set(delivered))  # what came before the gap: once, in order
    assert after == [MARKER + 1]


def _is_marker(change: Json) -> bool:
    return bool(change["datacount"] >= MARKER)


def _ending(subscriber: Subscriber) -> tuple[list[int], list[str | None]]:
    """What a subscription delivered before it ended, and the codes it ended with."""
    delivered: list[int] = []
    try:
        for _ in range(1000):
            change = subscriber.collect_until(lambda c: True, timeout=60)[0]
            if change["datacount"] >= 0:
                delivered.append(change["datacount"])
    except SubscriptionEndedError as ended:
        return delivered, ended.codes
    raise AssertionError(f"the subscription did not end; it delivered {delivered}")
