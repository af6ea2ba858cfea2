"""The stream reader on DynamoDB Local's real stream (moto serves none).

Writes made through the store and by plain boto3 (as the tutorial's scripts make them) arrive
once each, in order, with their kind and images; a table without a suitable stream is refused
with the command that fixes it; a stream turned off or replaced under the reader is a gap.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from decimal import Decimal
from typing import TYPE_CHECKING

import pytest

from gql.config import Settings
from gql.errors import StreamDisabledError, StreamGapError
from gql.models import Change, ChangeKind, InfoPatch, ReadingInfo, ReadingKey
from gql.store.client import DynamoDB
from gql.store.readings import ReadingStore
from gql.store.stream import StreamReader, make_streams_client
from gql.store.tables import Tables
from tests.conftest import LOCAL_URL, local_client
from tests.timing import patient

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

pytestmark = pytest.mark.usefixtures("_tagged_local")

KEY_SCHEMA: list[dict[str, str]] = [
    {"AttributeName": "device_id", "KeyType": "HASH"},
    {"AttributeName": "datacount", "KeyType": "RANGE"},
]
ATTRIBUTES: list[dict[str, str]] = [
    {"AttributeName": "device_id", "AttributeType": "S"},
    {"AttributeName": "datacount", "AttributeType": "N"},
]


@pytest.fixture
def _tagged_local(request: pytest.FixtureRequest) -> None:
    request.node.user_properties.append(("backend", "dynamodb-local"))


@pytest.fixture
def local() -> DynamoDBClient:
    return local_client()


@pytest.fixture
def table(local: DynamoDBClient) -> Iterator[str]:
    """A table made by `Tables.create`, so with its stream on; deleted afterwards."""
    name = f"Stream-{uuid.uuid4().hex[:8]}"
    tables = Tables(DynamoDB(local, name), sleep=lambda _: None)
    tables.create(wait=True)
    yield name
    tables.delete()


def reader_for(local: DynamoDBClient, table: str) -> StreamReader:
    streams = make_streams_client(Settings(endpoint_url=LOCAL_URL))
    return StreamReader(DynamoDB(local, table), streams, rediscover_seconds=0.5)


def collect(reader: StreamReader, count: int, timeout: float = 10.0) -> list[Change]:
    """Poll until `count` changes came (failing after `patient(timeout)`), then once more for
    extras."""
    changes: list[Change] = []
    deadline = time.monotonic() + patient(timeout)
    while len(changes) < count:
        assert time.monotonic() < deadline, f"only {len(changes)} of {count} changes came"
        changes += reader.poll()
        time.sleep(0.02)
    changes += reader.poll()
    return changes


def poll_until_error(reader: StreamReader, timeout: float = 10.0) -> tuple[list[Change], Exception]:
    """What the reader delivered before it raised, and what it raised."""
    delivered: list[Change] = []
    timeout = patient(timeout)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            delivered += reader.poll()
        except Exception as exc:  # the test asserts what it is
            return delivered, exc
        time.sleep(0.02)
    pytest.fail(f"no error after {timeout:g} s; delivered {delivered}")


def legacy_item(device: str, datacount: int, temperature: str) -> dict[str, object]:
    """An item as the tutorial's create_item.py writes it: every value a string."""
    return {
        "device_id": {"S": device},
        "datacount": {"N": str(datacount)},
        "info": {"M": {"info_timestamp": {"S": "1612519200"}, "temperature1": {"S": temperature}}},
    }


def test_store_writes_boto3_writes_and_deletes_arrive_once_each_in_order(
    local: DynamoDBClient, table: str
) -> None:
    store = ReadingStore(local, table)
    reader = reader_for(local, table)
    reader.open()
    opened_at = time.time()
    key = ReadingKey("dev-1", 1)
    store.put(key, ReadingInfo("1612519200", temperature1=Decimal("20.5")))
    store.update(key, InfoPatch(set={"temperature1": Decimal("21.25")}))
    local.put_item(TableName=table, Item=legacy_item("dev-2", 7, "23.74"))  # type: ignore[arg-type]
    local.delete_item(TableName=table, Key={"device_id": {"S": "dev-1"}, "datacount": {"N": "1"}})

    changes = collect(reader, 4)
    reader.close()

    assert [(c.kind, c.key) for c in changes] == [
        (ChangeKind.INSERT, key),
        (ChangeKind.MODIFY, key),
        (ChangeKind.INSERT, ReadingKey("dev-2", 7)),
        (ChangeKind.REMOVE, key),
    ]
    insert, modify, legacy, remove = changes
    assert (insert.old, insert.new and insert.new.info.temperature1) == (None, Decimal("20.5"))
    assert modify.old == insert.new
    assert modify.new is not None
    assert (modify.new.info.temperature1, modify.new.version) == (Decimal("21.25"), 2)
    assert legacy.new is not None
    assert legacy.new.info.temperature1 == Decimal("23.74")
    assert (remove.new, remove.old) == (None, modify.new)
    assert [int(c.sequence) for c in changes] == sorted(int(c.sequence) for c in changes)
    # DynamoDB Local gives the creation time to the minute only.
    assert all(opened_at - 61 <= c.changed_at <= time.time() for c in changes)


def test_a_write_of_the_time_index_alone_is_not_a_change_of_the_reading(
    local: DynamoDBClient, table: str
) -> None:
    reader = reader_for(local, table)
    reader.open()
    local.put_item(TableName=table, Item=legacy_item("tut", 1, "23.74"))  # type: ignore[arg-type]
    key = {"device_id": {"S": "tut"}, "datacount": {"N": "1"}}
    # What the consumer does to a reading the tutorial wrote (gql/store/timeindex.py).
    local.update_item(
        TableName=table,
        Key=key,
        UpdateExpression="SET recorded_at = :t",
        ExpressionAttributeValues={":t": {"N": "1612519200"}},
    )
    local.delete_item(TableName=table, Key=key)

    changes = collect(reader, 2)

    assert [c.kind for c in changes] == [ChangeKind.INSERT, ChangeKind.REMOVE]


def test_changes_made_before_open_are_not_delivered(local: DynamoDBClient, table: str) -> None:
    local.put_item(TableName=table, Item=legacy_item("before", 1, "1.0"))  # type: ignore[arg-type]
    reader = reader_for(local, table)
    reader.open()
    local.put_item(TableName=table, Item=legacy_item("after", 1, "2.0"))  # type: ignore[arg-type]

    assert [c.key.device_id for c in collect(reader, 1)] == ["after"]


def test_a_table_without_a_stream_is_refused_naming_the_command(local: DynamoDBClient) -> None:
    name = f"Tutorial-{uuid.uuid4().hex[:8]}"
    local.create_table(
        TableName=name,
        KeySchema=KEY_SCHEMA,  # type: ignore[arg-type]
        AttributeDefinitions=ATTRIBUTES,  # type: ignore[arg-type]
        ProvisionedThroughput={"ReadCapacityUnits": 10, "WriteCapacityUnits": 10},
    )
    try:
        with pytest.raises(StreamDisabledError, match=r"has no stream.*`gql table stream on`"):
            reader_for(local, name).open()
    finally:
        local.delete_table(TableName=name)


def test_a_keys_only_stream_is_refused_naming_the_command(
    local: DynamoDBClient, table: str
) -> None:
    local.update_table(TableName=table, StreamSpecification={"StreamEnabled": False})
    local.update_table(
        TableName=table, StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"}
    )

    with pytest.raises(StreamDisabledError, match=r"KEYS_ONLY.*`gql table stream on`"):
        reader_for(local, table).open()


def test_turning_the_stream_off_delivers_what_came_before_then_a_gap(
    local: DynamoDBClient, table: str
) -> None:
    reader = reader_for(local, table)
    reader.open()
    local.put_item(TableName=table, Item=legacy_item("dev", 1, "1.0"))  # type: ignore[arg-type]
    local.update_table(TableName=table, StreamSpecification={"StreamEnabled": False})

    delivered, error = poll_until_error(reader)

    assert [c.key for c in delivered] == [ReadingKey("dev", 1)]
    assert isinstance(error, StreamGapError)
    assert "turned off" in str(error)


def test_a_stream_turned_off_and_on_again_is_a_gap(local: DynamoDBClient, table: str) -> None:
    reader = reader_for(local, table)
    reader.open()
    Tables(DynamoDB(local, table), sleep=lambda _: None).stream_off()
    Tables(DynamoDB(local, table), sleep=lambda _: None).stream_on()

    delivered, error = poll_until_error(reader)

    assert delivered == []
    assert isinstance(error, StreamGapError)
    assert "replaced" in str(error)


def test_table_stream_off_and_on_round_trip(local: DynamoDBClient, table: str) -> None:
    tables = Tables(DynamoDB(local, table), sleep=lambda _: None)
    first_arn = tables.describe().stream_arn

    off, off_info = tables.stream_off()
    again_off, _ = tables.stream_off()
    on, on_info = tables.stream_on()
    again_on, again_info = tables.stream_on()

    assert (off, again_off, on, again_on) == (
        "turned-off",
        "already-off",
        "turned-on",
        "already-on",
    )
    assert (off_info.stream_view, off_info.stream_arn) == (None, None)
    assert on_info.stream_view == "NEW_AND_OLD_IMAGES"
    assert on_info.stream_arn == local.describe_table(TableName=table)["Table"]["LatestStreamArn"]
    assert on_info.stream_arn != first_arn
    assert again_info == on_info
