"""Bulk writes on several threads: every reading arrives, and the later duplicate wins."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

import pytest

from gql.errors import TableNotFoundError
from gql.models import Reading, ReadingInfo
from gql.store.bulk import BulkWriter
from gql.store.readings import ReadingStore

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


def reading(device: str, n: int, temperature: str) -> Reading:
    return Reading(device, n, ReadingInfo("1612519200", Decimal(temperature)), version=1)


def stored(client: DynamoDBClient, table: str) -> dict[tuple[str, int], str]:
    found: dict[tuple[str, int], str] = {}
    params: dict[str, object] = {"TableName": table, "ConsistentRead": True}
    while True:
        page = client.scan(**params)  # type: ignore[arg-type]
        for item in page["Items"]:
            key = (item["device_id"]["S"], int(item["datacount"]["N"]))
            found[key] = item["info"]["M"]["temperature1"]["N"]
        if "LastEvaluatedKey" not in page:
            return found
        params["ExclusiveStartKey"] = page["LastEvaluatedKey"]


@pytest.mark.parametrize("threads", [1, 3])
def test_every_reading_is_written_across_threads(
    store: ReadingStore, client: DynamoDBClient, threads: int
) -> None:
    readings = [reading(f"d{d}", n, f"{d}.{n}") for d in range(7) for n in range(1, 31)]
    advanced: list[int] = []

    written = BulkWriter(store, threads, progress=advanced.append).write(iter(readings))

    assert written == len(readings) == sum(advanced)
    assert stored(client, store.table) == {
        (r.device_id, r.datacount): str(r.info.temperature1) for r in readings
    }


def test_later_duplicate_wins_whatever_the_batches(
    store: ReadingStore, client: DynamoDBClient
) -> None:
    # The same ten keys written four times over, in different batches of 25: the file's last
    # values must be what the table holds.
    rounds = [[reading("dup", n, f"{r}.{n}") for n in range(10)] for r in range(4)]
    stream = [r for one_round in rounds for r in one_round]

    BulkWriter(store, 4).write(stream)

    assert stored(client, store.table) == {("dup", n): f"3.{n}" for n in range(10)}


def test_error_of_a_writer_is_raised_and_stops_the_rest(client: DynamoDBClient) -> None:
    missing = ReadingStore(client, "no-such-table", sleep=lambda _: None)
    readings = (reading("d", n, "1") for n in range(1000))

    with pytest.raises(TableNotFoundError):
        BulkWriter(missing, 3).write(readings)
