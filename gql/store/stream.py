"""The table's DynamoDB stream as a source of changes. The only user of DynamoDB Streams.

`StreamReader` follows every shard of the stream (a parent before its children, see
shards.py), keeps each shard's position so that a failed call is simply made again by the
next poll, and renews expired iterators from the last sequence number it read. When changes
may have been lost (data trimmed, the stream turned off or replaced, the table deleted) it
raises StreamGapError, and keeps raising it: the subscriber must re-read and start again.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import boto3

from gql.errors import (
    StoreError,
    StreamDisabledError,
    StreamGapError,
    TableNotFoundError,
)
from gql.models import Change
from gql.store.client import DynamoDB, client_config
from gql.store.records import record_of
from gql.store.shards import Shard, Shards
from gql.store.streamclient import ITERATOR_EXPIRED, DynamoDBStreams

if TYPE_CHECKING:
    from mypy_boto3_dynamodbstreams import DynamoDBStreamsClient

    from gql.config import Settings

log = logging.getLogger("gql.store.stream")

VIEW_TYPE = "NEW_AND_OLD_IMAGES"
# DescribeStream is limited to 10 calls a second per account: pause between its pages.
PAGE_PAUSE_SECONDS = 0.1
# Reading a shard to its end finds its children; read those in the same poll, a few levels deep.
MAX_PASSES = 4


def make_streams_client(settings: Settings) -> DynamoDBStreamsClient:
    """The DynamoDB Streams client: same region, profile, retries and timeouts as make_client."""
    session = boto3.session.Session(profile_name=settings.profile, region_name=settings.region)
    return session.client(
        "dynamodbstreams",
        config=client_config(settings),
        endpoint_url=settings.streams_endpoint_url,
    )


class StreamReader:
    """Changes of one table, read from its stream; open, poll, close from one thread at a time."""

    def __init__(
        self,
        db: DynamoDB,
        streams: DynamoDBStreamsClient,
        *,
        sleep: Callable[[float], None] = time.sleep,
        rediscover_seconds: float = 10.0,
    ) -> None:
        self.db = db
        self.table = db.table
        self.streams = DynamoDBStreams(streams, db.table)
        self._sleep = sleep
        self._rediscover_seconds = rediscover_seconds
        self._lock = threading.Lock()
        self._arn: str | None = None
        self._shards = Shards()
        self._discover_at = 0.0
        self._gap: StreamGapError | None = None

    def open(self) -> None:
        """Start reading at the stream's current end (LATEST of every open shard)."""
        with self._lock:
            self._reset()
            try:
                self._open()
            except StreamGapError:
                # The stream changed between DescribeTable and DescribeStream: look again.
                self._reset()
                self._open()

    def poll(self) -> list[Change]:
        """One round of GetRecords over the shards that may be read now; [] when nothing new."""
        with self._lock:
            if self._gap is not None:
                raise self._gap
            if self._arn is None:
                raise StoreError("the stream reader is not open")
            changes: list[Change] = []
            try:
                self._round(changes)
            except StreamGapError as gap:
                self._gap = gap
                if changes:
                    return changes  # what was read before the gap; the next poll raises it
                raise
            except StoreError:
                # Every position is where the failing call left it: the next poll makes that
                # call again, so what was read so far is delivered, and nothing twice.
                if changes:
                    return changes
                raise
            return changes

    def close(self) -> None:
        with self._lock:
            self._reset()

    # -- opening and finding shards ------------------------------------------------------

    def _reset(self) -> None:
        self._arn = None
        self._shards = Shards()
        self._discover_at = 0.0
        self._gap = None

    def _open(self) -> None:
        arn = self._stream_arn(opening=True)
        shards = self._shards.begin(self._list_shards(arn, opening=True))
        for shard in shards:
            shard.iterator = self._iterator(arn, shard, {"ShardIteratorType": "LATEST"})
        self._arn = arn
        self._discover_at = time.monotonic() + self._rediscover_seconds
        log.info("reading the stream of %s: %d open shard(s)", self.table, len(shards))

    def _stream_arn(self, *, opening: bool) -> str:
        table = self.db.call("describe_table", TableName=self.table)["Table"]
        spec = table.get("StreamSpecification") or {}
        arn = table.get("LatestStreamArn")
        if not spec.get("StreamEnabled") or not arn:
            if opening:
                raise StreamDisabledError(
                    f"table {self.table!r} has no stream: turn it on with `gql table stream on`"
                )
            raise StreamGapError(f"the stream of table {self.table!r} was turned off")
        if opening and spec.get("StreamViewType") != VIEW_TYPE:
            raise StreamDisabledError(
                f"the stream of table {self.table!r} records {spec.get('StreamViewType')}, and "
                f"live changes need {VIEW_TYPE}: `gql table stream on` replaces it with one that "
                "does"
            )
        if not opening and arn != self._arn:
            raise StreamGapError(f"the stream of table {self.table!r} was replaced by a new one")
        return str(arn)

    def _list_shards(self, arn: str, *, opening: bool) -> list[Mapping[str, Any]]:
        listing: list[Mapping[str, Any]] = []
        params: dict[str, Any] = {"StreamArn": arn}
        while True:
            page = self.streams.call("describe_stream", **params)["StreamDescription"]
            if page.get("StreamStatus") in ("DISABLING", "DISABLED"):
                if opening:
                    raise StreamDisabledError(
                        f"the stream of table {self.table!r} is being turned off: turn it on "
                        "with `gql table stream on`"
                    )
                raise StreamGapError(f"the stream of table {self.table!r} was turned off")
            listing.extend(page.get("Shards", []))
            last = page.get("LastEvaluatedShardId")
            if not last:
                return listing
            params["ExclusiveStartShardId"] = last
            self._sleep(PAGE_PAUSE_SECONDS)

    def _discover(self) -> None:
        self._discover_at = 0.0  # until this succeeds, every poll tries again
        assert self._arn is not None
        try:
            self._stream_arn(opening=False)
        except TableNotFoundError as exc:
            raise StreamGapError(f"table {self.table!r} was deleted") from exc
        found = self._shards.merge(self._list_shards(self._arn, opening=False))
        for shard in found:
            log.info("new shard %s (parent %s) of %s", shard.shard_id, shard.parent_id, self.table)
        self._discover_at = time.monotonic() + self._rediscover_seconds

    # -- reading -------------------------------------------------------------------------

    def _round(self, changes: list[Change]) -> None:
        if time.monotonic() >= self._discover_at:
            self._discover()
        for _ in range(MAX_PASSES):
            ended = False
            for shard in self._shards.readable():
                ended = self._read(shard, changes) or ended
            if not ended:
                return
            # A shard ended: the stream may have been turned off, or the shard split.
            self._discover()

    def _read(self, shard: Shard, changes: list[Change]) -> bool:
        """Append the shard's next records to `changes`; True when the shard has ended."""
        if shard.iterator is None:
            shard.iterator = self._renewed(shard)
        try:
            response = self.streams.call("get_records", ShardIterator=shard.iterator)
        except StoreError as exc:
            if exc.reason != ITERATOR_EXPIRED:
                raise
            shard.iterator = None
            shard.iterator = self._renewed(shard)
            response = self.streams.call("get_records", ShardIterator=shard.iterator)
        records = response.get("Records", [])
        for record in records:
            change = self._change(record)
            if change is not None:
                changes.append(change)
        if records:
            shard.last_sequence = str(records[-1]["dynamodb"]["SequenceNumber"])
        shard.iterator = response.get("NextShardIterator")
        if shard.iterator is None:
            self._shards.finish(shard)
            return True
        return False

    def _renewed(self, shard: Shard) -> str:
        where = shard.resume()
        if where is None:
            # Started at LATEST and read nothing since: where it was is known to no one, and
            # taking LATEST again would skip whatever was written while the iterator lapsed.
            raise StreamGapError(
                f"the stream of table {self.table!r} could not be resumed where it was"
            )
        assert self._arn is not None
        log.info("renewing the iterator of shard %s with %s", shard.shard_id, where)
        return self._iterator(self._arn, shard, where)

    def _iterator(self, arn: str, shard: Shard, where: Mapping[str, str]) -> str:
        response = self.streams.call(
            "get_shard_iterator", StreamArn=arn, ShardId=shard.shard_id, **where
        )
        return str(response["ShardIterator"])

    def _change(self, record: Mapping[str, Any]) -> Change | None:
        try:
            parsed = record_of(record)
        except (KeyError, TypeError, ValueError, ArithmeticError):
            # Every item of the table has the reading's key; anything else is not a reading.
            log.warning("skipped a stream record that is not a reading: %s", record.get("eventID"))
            return None
        # The consumer setting the time index changed no reading: nothing to tell subscribers.
        return None if parsed.index_only else parsed.change
