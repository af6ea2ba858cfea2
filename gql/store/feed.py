"""The table's stream read for the consumer: from its checkpoints, every shard, in order.

Unlike the live reader (stream.py), which starts at the stream's end and may lose nothing
only while it runs, the feed resumes after what was derived (checkpoints in the history table,
gql/store/positions.py), reads shards it has not seen from their start (TRIM_HORIZON), closed
ones included, and a child only once its parent is done. `poll` reads; `commit` says that what
was read is derived and checkpoints it; `rewind` goes back to what was derived, so a batch
whose derivation failed is read again. Records that are not a reading's are skipped, logged.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from gql.errors import StoreError, StreamDisabledError, StreamGapError
from gql.store.client import DynamoDB
from gql.store.historycodec import META
from gql.store.positions import (
    Position,
    checkpoint_from_item,
    checkpoint_prefix,
    checkpoint_to_item,
    readable,
    up_to,
)
from gql.store.records import StreamRecord, record_of
from gql.store.streamclient import ITERATOR_EXPIRED, DynamoDBStreams

if TYPE_CHECKING:
    from mypy_boto3_dynamodbstreams import DynamoDBStreamsClient

log = logging.getLogger("gql.derive")

REDISCOVER_SECONDS = 10.0
# A GetRecords answer this much smaller than its 1 MB cap was not cut short by the cap.
WHOLE_BYTES = 512 * 1024
FLUSH_SECONDS = 30.0  # checkpoints are rewritten at least this often (their caught-up time)


@dataclass
class Round:
    """What one poll read: records in shard order, and how many shards may hold more."""

    records: list[StreamRecord] = field(default_factory=list)
    skipped: int = 0  # records that are not a reading's
    unread: int = 0  # shards whose read may have left records behind (a full answer)


class StreamFeed:
    def __init__(
        self,
        readings: DynamoDB,
        streams: DynamoDBStreamsClient,
        history: DynamoDB,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.readings = readings
        self.streams = DynamoDBStreams(streams, readings.table)
        self.history = history
        self._clock = clock
        self.arn: str | None = None
        self.positions: dict[str, Position] = {}
        self._discover_at = 0.0
        self._flushed_at = 0.0
        self.gaps = 0  # times changes were found trimmed before they were read

    # -- opening -----------------------------------------------------------------------------

    def open(self) -> None:
        """Find the stream and its shards, and where the checkpoints say to resume."""
        table = self.readings.call("describe_table", TableName=self.readings.table)["Table"]
        arn = table.get("LatestStreamArn")
        if not (table.get("StreamSpecification") or {}).get("StreamEnabled") or not arn:
            raise StreamDisabledError(
                f"table {self.readings.table!r} has no stream to derive from: turn it on with "
                "`gql table stream on`, then run `gql derive rebuild` for what it missed"
            )
        self.arn = str(arn)
        self.positions = {}
        for item in self._checkpoints():
            shard_id, sequence, done, caught = checkpoint_from_item(item)
            self.positions[shard_id] = Position(
                shard_id,
                None,
                derived=sequence,
                read=sequence,
                done=done,
                ended=done,
                caught_up=caught,
            )
        self._discover()
        log.info(
            "deriving from the stream of %s: %d shard(s), %d with a checkpoint",
            self.readings.table,
            len(self.positions),
            sum(p.derived is not None or p.done for p in self.positions.values()),
        )

    def _checkpoints(self) -> list[dict[str, Any]]:
        assert self.arn is not None
        params: dict[str, Any] = {
            "TableName": self.history.table,
            "KeyConditionExpression": "pk = :p AND begins_with(sk, :c)",
            "ExpressionAttributeValues": {
                ":p": {"S": META},
                ":c": {"S": checkpoint_prefix(self.arn)},
            },
            "ConsistentRead": True,
        }
        items: list[dict[str, Any]] = []
        while True:
            response = self.history.call("query", **params)
            items += response.get("Items", [])
            if "LastEvaluatedKey" not in response:
                return items
            params["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def _discover(self) -> None:
        assert self.arn is not None
        listing: list[dict[str, Any]] = []
        params: dict[str, Any] = {"StreamArn": self.arn}
        while True:
            page = self.streams.call("describe_stream", **params)["StreamDescription"]
            listing += page.get("Shards", [])
            if not page.get("LastEvaluatedShardId"):
                break
            params["ExclusiveStartShardId"] = page["LastEvaluatedShardId"]
        for entry in listing:
            known = self.positions.get(entry["ShardId"])
            parent = entry.get("ParentShardId")
            if known is not None:
                known.parent_id = parent
                continue
            # A shard not seen before is read from its start. Until it is read to its end, it
            # is as far along as its parent was.
            above = self.positions.get(parent) if parent is not None else None
            inherited = above.caught_up if above is not None else None
            self.positions[entry["ShardId"]] = Position(
                entry["ShardId"], parent, caught_up=inherited
            )
        self._discover_at = time.monotonic() + REDISCOVER_SECONDS

    # -- reading -----------------------------------------------------------------------------

    def poll(self, limit: int = 1000) -> Round:
        """Read every shard that may be read, once: up to `limit` records from each."""
        if self.arn is None:
            raise StoreError("the stream feed is not open")
        if time.monotonic() >= self._discover_at:
            self._discover()
        found = Round()
        for position in readable(self.positions):
            started = self._clock()
            raw, whole = self._read(position, limit)
            if not whole:
                found.unread += 1
            elif not position.ended:
                # The read took everything the shard held when it was made: once these records
                # are derived, every change the shard recorded before `started` is reflected.
                # (Waiting for a read that finds nothing would hold upTo back for as long as
                # writes keep coming.)
                position.drained_at = started
            for record in raw:
                try:
                    found.records.append(record_of(record))
                except (KeyError, TypeError, ValueError, ArithmeticError):
                    log.warning(
                        "skipped a stream record that is not a reading: %s", record.get("eventID")
                    )
                    found.skipped += 1
        return found

    def _read(self, position: Position, limit: int) -> tuple[list[dict[str, Any]], bool]:
        """The records of one GetRecords, and whether they are all the shard held: fewer than
        `limit`, in an answer well under GetRecords' 1 MB cap (which may cut a read short)."""
        if position.iterator is None:
            position.iterator = self._iterator(position)
        try:
            response = self.streams.call(
                "get_records", ShardIterator=position.iterator, Limit=limit
            )
        except StoreError as exc:
            if exc.reason != ITERATOR_EXPIRED:
                raise
            position.iterator = self._iterator(position)
            response = self.streams.call(
                "get_records", ShardIterator=position.iterator, Limit=limit
            )
        records: list[dict[str, Any]] = response.get("Records", [])
        if records:
            position.read = str(records[-1]["dynamodb"]["SequenceNumber"])
        position.iterator = response.get("NextShardIterator")
        if position.iterator is None:
            position.ended = True
            self._discover_at = 0.0  # its children are to be found
        return records, not records or (len(records) < limit and _size(response) < WHOLE_BYTES)

    def _iterator(self, position: Position) -> str:
        assert self.arn is not None
        where = (
            {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": position.read}
            if position.read is not None
            else position.resume()
        )
        try:
            response = self.streams.call(
                "get_shard_iterator", StreamArn=self.arn, ShardId=position.shard_id, **where
            )
        except StreamGapError as exc:
            # Changes were trimmed before they were derived (the consumer was stopped for longer
            # than the stream keeps them): go on from what is left, and say how to repair.
            log.error(
                "shard %s of %s: %s; deriving from the oldest change left. The history misses "
                "what was lost: run `gql derive rebuild` to recompute it from the readings",
                position.shard_id,
                self.readings.table,
                exc.message,
            )
            position.read = position.derived = None
            self.gaps += 1
            response = self.streams.call(
                "get_shard_iterator",
                StreamArn=self.arn,
                ShardId=position.shard_id,
                ShardIteratorType="TRIM_HORIZON",
            )
        return str(response["ShardIterator"])

    # -- committing --------------------------------------------------------------------------

    def commit(self) -> None:
        """What was read is derived: checkpoint the shards that moved."""
        for position in self.positions.values():
            position.commit()
        due = self._clock() - self._flushed_at >= FLUSH_SECONDS
        changed = [p for p in self.positions.values() if p.dirty or (due and p.caught_up)]
        if not changed:
            return
        assert self.arn is not None
        for start in range(0, len(changed), 25):
            requests = [
                {"PutRequest": {"Item": checkpoint_to_item(self.arn, p)}}
                for p in changed[start : start + 25]
            ]
            request: dict[str, Any] = {self.history.table: requests}
            while request:
                request = (
                    self.history.call("batch_write_item", RequestItems=request).get(
                        "UnprocessedItems"
                    )
                    or {}
                )
        for position in changed:
            position.dirty = False
        if due:
            self._flushed_at = self._clock()

    def rewind(self) -> None:
        """Forget what was read and not derived: the next poll reads it again."""
        for position in self.positions.values():
            position.rewind()

    @property
    def up_to(self) -> float | None:
        return up_to(self.positions)


def _size(response: dict[str, Any]) -> int:
    """The answer's length on the wire; the cap's size when the transport did not say."""
    headers = response.get("ResponseMetadata", {}).get("HTTPHeaders", {})
    try:
        return int(headers["content-length"])
    except (KeyError, TypeError, ValueError):
        return WHOLE_BYTES
