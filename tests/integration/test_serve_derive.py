"""`gql serve --derive` on DynamoDB Local: the consumer in the server's process keeps devices,
stats and history current for writes made by anyone, and its own write of the time index is no
change a subscriber is told of (a real graphql-transport-ws client)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.integration.conftest import Server, drop_table, graphql, local_env, run_ok, unique_table
from tests.integration.subscriber import Subscriber, prime
from tests.timing import patient

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

DEVICE = "sensor-7"
SENTINEL = 999
DERIVED = """{ history { upTo backlog consuming }
  devices { edges { node { deviceId readingCount } } }
  device(deviceId: "sensor-7") { stats { count temperature1 { avg } } } }"""


@pytest.fixture
def env(dynamodb_local_url: str, dynamodb: DynamoDBClient) -> Iterator[dict[str, str]]:
    table = unique_table("serve-derive")
    env = local_env(dynamodb_local_url, table)
    run_ok("table", "create", "--wait", env=env)
    yield env
    drop_table(dynamodb, table)


def tutorial_put(client: DynamoDBClient, table: str, datacount: int, temperature: str) -> None:
    client.put_item(
        TableName=table,
        Item={
            "device_id": {"S": DEVICE},
            "datacount": {"N": str(datacount)},
            "info": {
                "M": {"info_timestamp": {"S": "1612519200"}, "temperature1": {"S": temperature}}
            },
        },
    )


def test_a_tutorial_write_is_derived_and_delivered_once_without_the_index_fix(
    env: dict[str, str], dynamodb: DynamoDBClient, tmp_path: Path
) -> None:
    table = env["GQL_TABLE"]
    with Server(env, tmp_path, "--derive") as server:
        with Subscriber(f"{server.url}/graphql", {"deviceId": DEVICE}) as subscriber:
            prime(subscriber, lambda n: tutorial_put(dynamodb, table, SENTINEL, f"{n}.5"))
            tutorial_put(dynamodb, table, 1, "23.74")
            written = time.time()
            deadline = time.monotonic() + patient(60)
            while True:
                data = graphql(server, DERIVED)
                history = data["history"]
                caught_up = history["upTo"] is not None and history["backlog"] == 0
                if caught_up and _seconds(history["upTo"]) > written:
                    break
                assert time.monotonic() < deadline, data
                time.sleep(0.2)
            # Derived, so the consumer's fix of recorded_at is made: everything the stream
            # gave the subscriber since has had a few polls to arrive.
            changes = []
            while (change := subscriber.next_change(timeout=patient(3))) is not None:
                changes.append(change)
        item = dynamodb.get_item(
            TableName=table, Key={"device_id": {"S": DEVICE}, "datacount": {"N": "1"}}
        )["Item"]

    # The sentinel's fixes, and this reading's, were no changes of a reading.
    ours = [(c["kind"], c["datacount"]) for c in changes if c["datacount"] != SENTINEL]
    assert ours == [("INSERT", 1)]
    assert item["recorded_at"] == {"N": "1612519200"}  # the consumer gave it the time index
    assert "version" not in item  # ... without making it a new version
    assert history["consuming"] is True
    assert data["devices"]["edges"] == [{"node": {"deviceId": DEVICE, "readingCount": 2}}]
    assert data["device"]["stats"]["count"] == 2


def _seconds(text: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(text).timestamp()
