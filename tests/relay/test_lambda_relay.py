"""The Lambda handler with GQL_REDIS_URL: it appends every derived change of a batch to the
Redis stream, as `gql derive` does, and a batch Lambda delivers again appends nothing twice.
Against DynamoDB Local's real stream records (in Lambda's event shape) and a real redis-server.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from gql.config import Settings
from gql.derive import lambdas
from gql.derive.lambdas import lambda_handler
from gql.models import ChangeKind, ReadingInfo, ReadingKey
from gql.relay import RelaySource
from gql.store import DynamoDB, ReadingStore, Tables, make_streams_client
from tests.conftest import LOCAL_URL, NO_LOCAL, local_client
from tests.derive.recording import lambda_events, tutorial_item
from tests.integration.conftest import local_env, unique_table
from tests.redis_server import RedisServer, running_redis
from tests.relay.test_relay import read_all

T0 = 1_612_519_200


@pytest.fixture
def redis(tmp_path: Path) -> Iterator[RedisServer]:
    with running_redis(tmp_path / "redis") as server:
        yield server


@pytest.fixture
def table(request: pytest.FixtureRequest) -> Iterator[str]:
    if not LOCAL_URL:
        pytest.skip(NO_LOCAL)
    request.node.user_properties.append(("backend", "dynamodb-local"))
    name = unique_table("LambdaRelay")
    tables = Tables(DynamoDB(local_client(), name), history=f"{name}History")
    tables.create(wait=True)
    yield name
    tables.delete()


async def test_the_lambda_handler_appends_each_change_once_to_redis(
    table: str, redis: RedisServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert LOCAL_URL is not None
    for name, value in local_env(LOCAL_URL, table).items():
        if name.startswith(("AWS_", "GQL_")):
            monkeypatch.setenv(name, value)  # the function's configuration
    monkeypatch.setenv("GQL_REDIS_URL", redis.url)
    monkeypatch.setattr(lambdas, "_runtime", None)
    client = local_client()
    store = ReadingStore(client, table)
    store.put(ReadingKey("a", 1), ReadingInfo(str(T0), temperature1=Decimal("20.5")))
    client.put_item(TableName=table, Item=tutorial_item("b", 1, str(T0 + 9), temperature1="23.74"))
    client.delete_item(TableName=table, Key={"device_id": {"S": "a"}, "datacount": {"N": "1"}})
    streams = make_streams_client(Settings(endpoint_url=LOCAL_URL))
    records = lambda_events(client, streams, table)
    assert len(records) >= 3

    source = RelaySource.from_url(redis.url, table, block_seconds=0.2)
    await source.open()
    try:
        first = lambda_handler({"Records": records}, None)
        relayed = await read_all(source, 3)
        again = lambda_handler({"Records": records}, None)  # Lambda retrying the batch
        repeated = await read_all(source, 0)
    finally:
        await source.aclose()

    assert first == {"batchItemFailures": []}
    assert again == {"batchItemFailures": []}
    # The consumer's index fix of b/1 (the tutorial's write has no recorded_at) is derived
    # but never relayed: only the three changes the writers made, in the stream's order, each
    # once, with their sequence numbers and the legacy string temperature as a number.
    assert [(c.kind, c.key) for c in relayed] == [
        (ChangeKind.INSERT, ReadingKey("a", 1)),
        (ChangeKind.INSERT, ReadingKey("b", 1)),
        (ChangeKind.REMOVE, ReadingKey("a", 1)),
    ]
    assert [c.sequence for c in relayed] == [r["dynamodb"]["SequenceNumber"] for r in records[:3]]
    legacy = relayed[1].new
    assert legacy is not None
    assert legacy.info.temperature1 == Decimal("23.74")
    assert repeated == []
