"""Two `gql serve` processes on one DynamoDB Local table: a subscriber on the second receives a
write made through the first, and one made with plain boto3.

Each replica reads the table's stream itself (there is no other link between them), so this is
the scale-out story of the README in miniature. The table is made by `gql table create --wait`,
which turns its stream on.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

from gql.schema import sdl
from tests.integration.conftest import (
    Server,
    drop_table,
    graphql,
    local_env,
    run_ok,
    unique_table,
)
from tests.integration.subscriber import Json, Subscriber, prime

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

pytestmark = pytest.mark.skipif(
    "readingChanges" not in sdl(), reason="this build serves no Subscription.readingChanges"
)

DEVICE = "20001"
SENTINEL = 0  # the datacount of the priming writes, left out of what is checked
PUT = """
mutation Put($reading: ReadingInput!) {
  putReading(reading: $reading) { __typename ... on Reading { version } }
}
"""


@pytest.fixture(scope="module")
def env(dynamodb_local_url: str, dynamodb: DynamoDBClient) -> Iterator[dict[str, str]]:
    table = unique_table("replicas")
    env = local_env(dynamodb_local_url, table)
    try:
        run_ok("table", "create", "--wait", env=env)
        yield env
    finally:
        drop_table(dynamodb, table)


@pytest.fixture(scope="module")
def replicas(
    env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Server, Server]]:
    with (
        Server(env, tmp_path_factory.mktemp("first")) as first,
        Server(env, tmp_path_factory.mktemp("second")) as second,
    ):
        yield first, second


def boto3_put(client: DynamoDBClient, table: str, datacount: int, temperature: str) -> None:
    # As the tutorial's create_item.py writes: the temperature as a string, no version.
    client.put_item(
        TableName=table,
        Item={
            "device_id": {"S": DEVICE},
            "datacount": {"N": str(datacount)},
            "info": {
                "M": {"info_timestamp": {"S": "1612522800"}, "temperature1": {"S": temperature}}
            },
        },
    )


def key(change: Json) -> tuple[str, str, int]:
    return change["kind"], change["deviceId"], change["datacount"]


def test_a_subscriber_on_one_replica_sees_writes_through_the_other_and_by_boto3(
    replicas: tuple[Server, Server], env: dict[str, str], dynamodb: DynamoDBClient
) -> None:
    first, second = replicas
    table = env["GQL_TABLE"]
    # A subscriber on each: two readers on the stream's shard, the most AWS advises.
    with (
        Subscriber(f"{second.url}/graphql", {"deviceId": DEVICE}) as on_second,
        Subscriber(f"{first.url}/graphql", {"deviceId": DEVICE}) as on_first,
    ):
        for subscriber in (on_second, on_first):
            prime(subscriber, lambda n: boto3_put(dynamodb, table, SENTINEL, f"{n}.5"))

        reading: dict[str, Any] = {
            "deviceId": DEVICE,
            "datacount": 1,
            "info": {"infoTimestamp": "1612519200", "temperature1": 21.5},
        }
        put = graphql(first, PUT, {"reading": reading})["putReading"]
        assert put == {"__typename": "Reading", "version": 1}
        boto3_put(dynamodb, table, 2, "23.74")

        received = {
            name: [
                c
                for c in subscriber.collect_until(lambda c: c["datacount"] == 2, timeout=30)
                if c["datacount"] != SENTINEL
            ]
            for name, subscriber in (("second", on_second), ("first", on_first))
        }

    for name, changes in received.items():
        assert [key(c) for c in changes] == [("INSERT", DEVICE, 1), ("INSERT", DEVICE, 2)], name
        through_api, by_boto3 = changes
        assert through_api["reading"]["version"] == 1
        assert through_api["reading"]["info"]["temperature1"] == 21.5
        assert through_api["previous"] is None
        # The tutorial's string temperature arrives as a number, and there is no version.
        assert by_boto3["reading"]["info"]["temperature1"] == 23.74
        assert by_boto3["reading"]["version"] is None
    for server in replicas:
        assert server.process is not None
        assert server.process.poll() is None, server.stderr_tail()
