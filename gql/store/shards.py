"""The shards of one stream being read: lineage, positions, and where to resume. Pure.

DynamoDB splits a shard into children when it closes (about every four hours, or when the
table's partitions split). A reading's changes move from the parent to a child, so a child is
read only once its parent is exhausted: that keeps every reading's changes in order.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

Start = Literal["LATEST", "TRIM_HORIZON"]


@dataclass
class Shard:
    shard_id: str
    parent_id: str | None
    # Where reading began: LATEST for the shards open when the reader opened (only changes
    # from then on), TRIM_HORIZON for shards found later (all of their changes are new).
    start: Start
    iterator: str | None = None
    last_sequence: str | None = None

    def resume(self) -> dict[str, str] | None:
        """GetShardIterator parameters that continue exactly after what was read, or None
        when that place is unknown (started at LATEST and nothing read since)."""
        if self.last_sequence is not None:
            return {
                "ShardIteratorType": "AFTER_SEQUENCE_NUMBER",
                "SequenceNumber": self.last_sequence,
            }
        if self.start == "TRIM_HORIZON":
            return {"ShardIteratorType": "TRIM_HORIZON"}
        return None


def is_closed(listing: Mapping[str, Any]) -> bool:
    """A shard of DescribeStream that takes no more changes (it has an ending number)."""
    return "EndingSequenceNumber" in listing.get("SequenceNumberRange", {})


class Shards:
    """The shards still to read, in the order they were found, and every shard id seen."""

    def __init__(self) -> None:
        self._open: dict[str, Shard] = {}
        self._seen: set[str] = set()

    def begin(self, listing: Iterable[Mapping[str, Any]]) -> list[Shard]:
        """The shards of a stream just opened: closed ones are the past and are left out."""
        self._open.clear()
        self._seen.clear()
        for entry in listing:
            self._seen.add(entry["ShardId"])
            if not is_closed(entry):
                self._add(entry, "LATEST")
        return list(self._open.values())

    def merge(self, listing: Iterable[Mapping[str, Any]]) -> list[Shard]:
        """Add the shards not seen before (to be read from their start); returns them."""
        found = []
        for entry in listing:
            if entry["ShardId"] not in self._seen:
                self._seen.add(entry["ShardId"])
                found.append(self._add(entry, "TRIM_HORIZON"))
        return found

    def readable(self) -> list[Shard]:
        """The shards that may be read now: those whose parent is not still being read."""
        return [s for s in self._open.values() if s.parent_id not in self._open]

    def finish(self, shard: Shard) -> None:
        """The shard is exhausted: its children may be read."""
        self._open.pop(shard.shard_id, None)

    def __len__(self) -> int:
        return len(self._open)

    def _add(self, entry: Mapping[str, Any], start: Start) -> Shard:
        shard = Shard(entry["ShardId"], entry.get("ParentShardId"), start)
        self._open[shard.shard_id] = shard
        return shard
