"""Stream records made by hand, in Lambda's event shape, for backends without a stream (moto).

`Recorder` makes each write with plain boto3 (or through a store), reading the item before and
after it consistently, and keeps the record DynamoDB Streams would have made: the keys, both
images, a growing sequence number. `Oracle` computes, from a full scan of the readings, what
every rollup and registry entry must hold, so tests compare the history table against it.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from gql.history import LEVELS, Period, Rollup, floor, period_of, recorded_seconds, rollup_of
from gql.models import Reading, ReadingKey
from gql.store.codec import from_item, key_to_item
from gql.store.historycodec import (
    NONE,
    open_rollups,
    registry_sort_key,
    rollup_from_item,
    rollup_sort_key,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

Record = dict[str, Any]
_sequence = itertools.count(10**20)


class Recorder:
    def __init__(self, client: DynamoDBClient, table: str) -> None:
        self.client = client
        self.table = table
        self.records: list[Record] = []

    def item(self, key: ReadingKey) -> dict[str, Any] | None:
        found: dict[str, Any] | None = self.client.get_item(
            TableName=self.table, Key=key_to_item(key), ConsistentRead=True
        ).get("Item")
        return found

    def write(self, key: ReadingKey, action: Callable[[], object]) -> None:
        before = self.item(key)
        action()
        after = self.item(key)
        if before == after:
            return  # DynamoDB Streams records nothing for a write that changed nothing
        data: dict[str, Any] = {
            "Keys": key_to_item(key),
            "SequenceNumber": str(next(_sequence)),
            "ApproximateCreationDateTime": 1_700_000_000,
            "StreamViewType": "NEW_AND_OLD_IMAGES",
        }
        if before is not None:
            data["OldImage"] = before
        if after is not None:
            data["NewImage"] = after
        name = "MODIFY" if before and after else ("INSERT" if after else "REMOVE")
        self.records.append(
            {"eventID": data["SequenceNumber"], "eventName": name, "dynamodb": data}
        )

    def put(self, item: dict[str, Any]) -> None:
        key = ReadingKey(item["device_id"]["S"], int(item["datacount"]["N"]))
        self.write(key, lambda: self.client.put_item(TableName=self.table, Item=item))

    def delete(self, key: ReadingKey) -> None:
        self.write(key, lambda: self.client.delete_item(TableName=self.table, Key=key_to_item(key)))

    def take(self) -> list[Record]:
        records, self.records = self.records, []
        return records


def tutorial_item(
    device: str, datacount: int, timestamp: str, **temperatures: str
) -> dict[str, Any]:
    """As the tutorial's create_item.py writes it: strings, no version, no recorded_at."""
    info: dict[str, Any] = {"info_timestamp": {"S": timestamp}}
    info.update({name: {"S": value} for name, value in temperatures.items()})
    return {"device_id": {"S": device}, "datacount": {"N": str(datacount)}, "info": {"M": info}}


def scan(client: DynamoDBClient, table: str) -> list[Reading]:
    readings: list[Reading] = []
    params: dict[str, Any] = {"TableName": table, "ConsistentRead": True}
    while True:
        page = client.scan(**params)
        readings += [from_item(item) for item in page["Items"]]
        if "LastEvaluatedKey" not in page:
            return readings
        params["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def expected_history(readings: list[Reading]) -> dict[tuple[str, str], Rollup]:
    """(pk, sk) -> rollup, for every rollup and registry entry the readings imply."""
    groups: dict[tuple[str, str], list[Reading]] = {}
    for reading in readings:
        seconds = recorded_seconds(reading.info.info_timestamp)
        keys = [("#", registry_sort_key(reading.device_id))]
        if seconds is None:
            keys.append((reading.device_id, NONE))
        else:
            keys += [
                (reading.device_id, rollup_sort_key(period_of(level, seconds))) for level in LEVELS
            ]
        for key in keys:
            groups.setdefault(key, []).append(reading)
    return {key: rollup_of(group) for key, group in groups.items()}


def stored_history(client: DynamoDBClient, history: str) -> dict[tuple[str, str], Rollup]:
    """Every rollup the history table holds, by (device, sort key): the items, with the open
    periods of each registry entry in place of their own (stale) items."""
    found: dict[tuple[str, str], Rollup] = {}
    held: dict[tuple[str, str], Rollup] = {}
    params: dict[str, Any] = {"TableName": history, "ConsistentRead": True}
    while True:
        page = client.scan(**params)
        for item in page["Items"]:
            pk, sk = item["pk"]["S"], item["sk"]["S"]
            if pk == "#" and not sk.startswith("r#"):
                continue  # statuses and checkpoints
            found[(pk, sk)] = rollup_from_item(item)
            if pk == "#":
                device = item["device"]["S"]
                for period, rollup in open_rollups(item).items():
                    held[(device, rollup_sort_key(period))] = rollup
        if "LastEvaluatedKey" not in page:
            break
        params["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    found.update(held)
    # An emptied rollup is kept, empty, with its version.
    return {key: rollup for key, rollup in found.items() if rollup.count}


def five(seconds: int) -> Period:
    return Period(LEVELS[0], floor(LEVELS[0], Decimal(seconds)))


def lambda_events(client: DynamoDBClient, streams: Any, table: str) -> list[Record]:
    """Every record of the table's stream so far, in Lambda's event shape, in stream order
    (shard by shard, a parent before its children)."""
    arn = client.describe_table(TableName=table)["Table"]["LatestStreamArn"]
    shards = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
    records: list[Record] = []
    for shard in shards:
        iterator = streams.get_shard_iterator(
            StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        while iterator:
            page = streams.get_records(ShardIterator=iterator, Limit=1000)
            for record in page["Records"]:
                data = dict(record["dynamodb"])
                data["ApproximateCreationDateTime"] = data[
                    "ApproximateCreationDateTime"
                ].timestamp()
                records.append(
                    {
                        "eventID": record["eventID"],
                        "eventName": record["eventName"],
                        "eventVersion": "1.1",
                        "eventSource": "aws:dynamodb",
                        "awsRegion": "us-east-1",
                        "dynamodb": data,
                        "eventSourceARN": arn,
                    }
                )
            if not page["Records"]:
                break  # an open shard: nothing more for now
            iterator = page.get("NextShardIterator")
    return records
