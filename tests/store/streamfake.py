"""A hand-written DynamoDB Streams, for what DynamoDB Local cannot be made to do on demand.

`FakeStreams` answers describe_stream / get_shard_iterator / get_records like the real
service: shards with parents, iterators that are tokens for a position, trimmed records,
expired iterators. Faults are queued per operation (`fail_next`) as the real botocore
exceptions. `FakeTables` answers describe_table with the stream's ARN and specification.
Both are passed to the reader in place of boto3 clients; nothing is patched.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, cast

from botocore.exceptions import ClientError

from gql.models import Change
from gql.store.client import DynamoDB
from gql.store.stream import StreamReader

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodbstreams import DynamoDBStreamsClient

TABLE = "Devices"
ARN = "arn:aws:dynamodb:us-east-1:000000000000:table/Devices/stream/2026-12-01T00:00:00.000"
WHEN = datetime(2026, 12, 1, 14, 30, 15, tzinfo=UTC)

Seen = list[tuple[str, int]]


def client_error(code: str, operation: str, message: str = "") -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}}, operation)


@dataclass
class FakeShard:
    shard_id: str
    parent_id: str | None
    records: list[dict[str, Any]] = field(default_factory=list)
    closed: bool = False
    trimmed: int = 0  # records before this index are gone (older than 24 hours)


class FakeStreams:
    def __init__(self, arn: str = ARN, *, page_size: int = 1000) -> None:
        self.arn = arn
        self.shards: dict[str, FakeShard] = {}
        self.page_size = page_size
        self.describe_page_size = 100
        # Per operation, what its next calls do: raise the error, or answer (None).
        self.fail_next: dict[str, list[Exception | None]] = {}
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self._expired: set[str] = set()
        self._issued: set[str] = set()
        self._sequence = 0

    def as_client(self) -> DynamoDBStreamsClient:
        return cast("DynamoDBStreamsClient", self)

    # -- setting the scene ---------------------------------------------------------------

    def add_shard(self, shard_id: str, parent_id: str | None = None) -> FakeShard:
        shard = FakeShard(shard_id, parent_id)
        self.shards[shard_id] = shard
        return shard

    def write(self, shard_id: str, device: str, datacount: int, kind: str = "INSERT") -> str:
        """A change of reading (device, datacount) recorded in the shard; its sequence number."""
        self._sequence += 1
        sequence = f"{self._sequence:021d}"
        image = {
            "device_id": {"S": device},
            "datacount": {"N": str(datacount)},
            "info": {"M": {"info_timestamp": {"S": "1612519200"}, "temperature1": {"S": "1.5"}}},
        }
        data: dict[str, Any] = {
            "ApproximateCreationDateTime": WHEN,
            "Keys": {"device_id": image["device_id"], "datacount": image["datacount"]},
            "SequenceNumber": sequence,
            "StreamViewType": "NEW_AND_OLD_IMAGES",
        }
        if kind != "REMOVE":
            data["NewImage"] = image
        if kind != "INSERT":
            data["OldImage"] = image
        self.shards[shard_id].records.append({"eventName": kind, "dynamodb": data})
        return sequence

    def expire_iterators(self, shard_id: str | None = None) -> None:
        """Every iterator handed out so far (of one shard, or of all) lapses."""
        self._expired |= {i for i in self._issued if shard_id in (None, i.split("|")[0])}

    def fail(self, operation: str, *errors: Exception | None) -> None:
        self.fail_next.setdefault(operation, []).extend(errors)

    # -- the API -------------------------------------------------------------------------

    def describe_stream(self, **params: Any) -> dict[str, Any]:
        self._enter("describe_stream", params)
        ids = list(self.shards)
        start = (
            ids.index(params["ExclusiveStartShardId"]) + 1
            if "ExclusiveStartShardId" in params
            else 0
        )
        page = ids[start : start + self.describe_page_size]
        description: dict[str, Any] = {
            "StreamArn": self.arn,
            "StreamStatus": "ENABLED",
            "Shards": [self._listing(self.shards[i]) for i in page],
        }
        if start + self.describe_page_size < len(ids):
            description["LastEvaluatedShardId"] = page[-1]
        return {"StreamDescription": description}

    def get_shard_iterator(self, **params: Any) -> dict[str, Any]:
        self._enter("get_shard_iterator", params)
        shard = self._shard(params["ShardId"], "GetShardIterator")
        kind = params["ShardIteratorType"]
        if kind == "LATEST":
            position = len(shard.records)
        elif kind == "TRIM_HORIZON":
            position = shard.trimmed
        else:
            numbers = [r["dynamodb"]["SequenceNumber"] for r in shard.records]
            index = numbers.index(params["SequenceNumber"])
            if index < shard.trimmed:
                raise client_error("TrimmedDataAccessException", "GetShardIterator")
            position = index + 1 if kind == "AFTER_SEQUENCE_NUMBER" else index
        return {"ShardIterator": self._issue(shard, position)}

    def get_records(self, **params: Any) -> dict[str, Any]:
        self._enter("get_records", params)
        iterator = params["ShardIterator"]
        if iterator in self._expired:
            raise client_error("ExpiredIteratorException", "GetRecords", "Iterator expired")
        shard_id, position_text, _ = iterator.split("|")
        shard = self._shard(shard_id, "GetRecords")
        position = int(position_text)
        if position < shard.trimmed:
            raise client_error("TrimmedDataAccessException", "GetRecords")
        records = shard.records[position : position + self.page_size]
        position += len(records)
        response: dict[str, Any] = {"Records": records}
        if not (shard.closed and position >= len(shard.records)):
            response["NextShardIterator"] = self._issue(shard, position)
        return response

    # -- internals -----------------------------------------------------------------------

    def _enter(self, operation: str, params: dict[str, Any]) -> None:
        self.calls.append((operation, params))
        queued = self.fail_next.get(operation)
        error = queued.pop(0) if queued else None
        if error is not None:
            raise error

    def _shard(self, shard_id: str, operation: str) -> FakeShard:
        if shard_id not in self.shards:
            raise client_error("ResourceNotFoundException", operation, "Shard does not exist")
        return self.shards[shard_id]

    def _issue(self, shard: FakeShard, position: int) -> str:
        iterator = f"{shard.shard_id}|{position}|{len(self._issued)}"
        self._issued.add(iterator)
        return iterator

    def _listing(self, shard: FakeShard) -> dict[str, Any]:
        numbers: dict[str, str] = {"StartingSequenceNumber": "0"}
        if shard.closed:
            numbers["EndingSequenceNumber"] = str(self._sequence)
        listing: dict[str, Any] = {"ShardId": shard.shard_id, "SequenceNumberRange": numbers}
        if shard.parent_id is not None:
            listing["ParentShardId"] = shard.parent_id
        return listing


class FakeTables:
    """describe_table of a table whose stream can be turned off, replaced, or deleted."""

    def __init__(self, arn: str = ARN) -> None:
        self.meta = SimpleNamespace(events=SimpleNamespace(register=lambda *_, **__: None))
        self.spec: dict[str, Any] | None = {
            "StreamEnabled": True,
            "StreamViewType": "NEW_AND_OLD_IMAGES",
        }
        self.arn = arn
        self.exists = True

    def describe_table(self, **params: Any) -> dict[str, Any]:
        if not self.exists:
            raise client_error("ResourceNotFoundException", "DescribeTable")
        table: dict[str, Any] = {"TableName": params["TableName"], "LatestStreamArn": self.arn}
        if self.spec is not None:
            table["StreamSpecification"] = self.spec
        return {"Table": table}

    def as_db(self) -> DynamoDB:
        return DynamoDB(cast("DynamoDBClient", self), TABLE)


# -- reading through the fakes ------------------------------------------------------------


def reader(tables: FakeTables, streams: FakeStreams, *, rediscover: float = 3600) -> StreamReader:
    opened = StreamReader(
        tables.as_db(), streams.as_client(), sleep=lambda _: None, rediscover_seconds=rediscover
    )
    opened.open()
    return opened


def keys(changes: list[Change]) -> Seen:
    return [(c.key.device_id, c.key.datacount) for c in changes]


def drain(source: StreamReader, polls: int = 10) -> Seen:
    seen: Seen = []
    for _ in range(polls):
        seen += keys(source.poll())
    return seen


def iterator_requests(streams: FakeStreams) -> list[tuple[str, str | None]]:
    return [
        (p["ShardIteratorType"], p.get("SequenceNumber"))
        for op, p in streams.calls
        if op == "get_shard_iterator"
    ]
