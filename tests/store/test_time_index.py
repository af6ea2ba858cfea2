"""The time index: recorded_at written with every write, the GSI, `index on`, the history table.

On moto and on DynamoDB Local (the `client` and `table` fixtures of tests/conftest.py).
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest

from gql.models import InfoPatch, Reading, ReadingInfo, ReadingKey
from gql.store.batch import AtomicBatch
from gql.store.client import DynamoDB
from gql.store.migrate import LegacyMigration
from gql.store.readings import ReadingStore
from gql.store.records import record_of
from gql.store.tables import Tables
from gql.store.timeindex import INDEX, NOT_A_TIME, IndexFix
from tests.timing import patient

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


def stored(client: DynamoDBClient, table: str, key: ReadingKey) -> dict[str, Any]:
    item: dict[str, Any] = client.get_item(
        TableName=table,
        Key={"device_id": {"S": key.device_id}, "datacount": {"N": str(key.datacount)}},
        ConsistentRead=True,
    )["Item"]
    return item


def indexed(client: DynamoDBClient, table: str, device: str, start: int, end: int) -> list[int]:
    """The datacounts the index holds for the device in [start, end]."""
    response = client.query(
        TableName=table,
        IndexName=INDEX,
        KeyConditionExpression="device_id = :d AND recorded_at BETWEEN :a AND :b",
        ExpressionAttributeValues={
            ":d": {"S": device},
            ":a": {"N": str(start)},
            ":b": {"N": str(end)},
        },
    )
    return [int(item["datacount"]["N"]) for item in response["Items"]]


def test_every_write_of_the_store_writes_the_numeric_copy_of_the_timestamp(
    store: ReadingStore, client: DynamoDBClient, table: str
) -> None:
    a, b, c = ReadingKey("d", 1), ReadingKey("d", 2), ReadingKey("d", 3)
    store.put(a, ReadingInfo("1612519200", temperature1=Decimal(1)))
    store.batch_put([Reading("d", 2, ReadingInfo("1612519260.5"))])
    AtomicBatch(store.db).put([Reading("d", 3, ReadingInfo("not a time"))])

    assert stored(client, table, a)["recorded_at"] == {"N": "1612519200"}
    assert stored(client, table, b)["recorded_at"] == {"N": "1612519260.5"}
    assert stored(client, table, c)["recorded_at"] == {"N": str(NOT_A_TIME)}

    store.update(a, InfoPatch(set={"temperature1": Decimal(2)}))
    assert stored(client, table, a)["recorded_at"] == {"N": "1612519200"}
    store.update(a, InfoPatch(set={"info_timestamp": "1612600000"}))
    assert stored(client, table, a)["recorded_at"] == {"N": "1612600000"}
    store.update(c, InfoPatch(set={"info_timestamp": "1612519300"}))

    assert indexed(client, table, "d", 1612519200, 1612600000) == [2, 3, 1]


def test_migrating_a_legacy_reading_gives_it_the_time_index_too(
    store: ReadingStore, client: DynamoDBClient, table: str
) -> None:
    legacy = {
        "device_id": {"S": "d"},
        "datacount": {"N": "1"},
        "info": {"M": {"info_timestamp": {"S": "1612519200"}, "temperature1": {"S": "23.74"}}},
    }
    client.put_item(TableName=table, Item=legacy)  # type: ignore[arg-type]

    LegacyMigration(store.db).run()

    item = stored(client, table, ReadingKey("d", 1))
    assert item["recorded_at"] == {"N": "1612519200"}
    assert item["info"]["M"]["temperature1"] == {"N": "23.74"}


def test_a_record_says_what_its_new_image_lacks_and_whether_only_the_index_changed() -> None:
    key_item = {"device_id": {"S": "d"}, "datacount": {"N": "1"}}
    info = {"M": {"info_timestamp": {"S": "1612519200"}}}
    tutorial = {**key_item, "info": info}
    indexed_item = {**tutorial, "recorded_at": {"N": "1612519200"}}

    def record(old: dict[str, Any] | None, new: dict[str, Any] | None) -> dict[str, Any]:
        data: dict[str, Any] = {"Keys": key_item, "SequenceNumber": "7"}
        if old is not None:
            data["OldImage"] = old
        if new is not None:
            data["NewImage"] = new
        name = "MODIFY" if old and new else ("INSERT" if new else "REMOVE")
        return {"eventName": name, "dynamodb": data}

    put = record_of(record(None, tutorial))
    assert put.fix == IndexFix(ReadingKey("d", 1), Decimal(1612519200), {"S": "1612519200"})
    assert not put.index_only
    fixed = record_of(record(tutorial, indexed_item))
    assert (fixed.fix, fixed.index_only) == (None, True)
    rewritten = record_of(record(indexed_item, tutorial))  # the tutorial wrote it again
    assert rewritten.index_only
    assert rewritten.fix is not None
    assert record_of(record(indexed_item, None)).fix is None


def test_create_makes_the_history_table_too_and_delete_removes_both(
    client: DynamoDBClient,
) -> None:
    name = f"Both-{uuid.uuid4().hex[:8]}"
    tables = Tables(DynamoDB(client, name), history=f"{name}History", sleep=lambda _: None)

    created, info = tables.create(wait=True)
    history = tables.describe_history()

    assert (created, info.index) == (True, "ACTIVE")
    assert (history.name, history.status) == (f"{name}History", "ACTIVE")
    assert history.lines() == [f"history:    {name}History, ACTIVE, 0 items"]
    assert tables.create(wait=True)[0] is False
    assert tables.delete(wait=True) is True
    assert tables.describe_or_none() is None
    assert tables.describe_history().status == "missing"


@pytest.fixture
def old_table(client: DynamoDBClient) -> Iterator[str]:
    """A table as round 2 made it: a stream, no time index."""
    name = f"Old-{uuid.uuid4().hex[:8]}"
    client.create_table(
        TableName=name,
        KeySchema=[
            {"AttributeName": "device_id", "KeyType": "HASH"},
            {"AttributeName": "datacount", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": "device_id", "AttributeType": "S"},
            {"AttributeName": "datacount", "AttributeType": "N"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    yield name
    client.delete_table(TableName=name)


def test_index_on_adds_the_time_index_to_a_table_that_had_none(
    client: DynamoDBClient, old_table: str
) -> None:
    lock = threading.Lock()
    store = ReadingStore(client, old_table, lock=lock)
    store.put(ReadingKey("d", 1), ReadingInfo("1612519200"))
    tables = Tables(DynamoDB(client, old_table, lock=lock), sleep=lambda _: None)
    assert tables.describe().index is None
    assert "gql table index on" in tables.describe().index_line()

    outcome, info = tables.index_on(timeout=patient(60))

    assert (outcome, info.index) == ("added", "ACTIVE")
    assert tables.index_on(timeout=patient(60))[0] == "already-on"
    assert indexed(client, old_table, "d", 0, 2 * 10**9) == [1]
