"""Where the consumer stands in each shard of the stream, and its checkpoints. Pure.

A shard's position has two parts: what was read (moves with every GetRecords) and what was
derived (moves on commit, and is what the checkpoint stores). On a failure the reader goes
back to the derived position, so a batch that was read but not derived is read again.

`caught_up` is when a read of the shard last took everything the shard held after what was
derived (it found nothing more, or fewer records than it asked for): once derived, every change
the shard recorded before that instant is reflected. The least of it over the shards still
being read is the consumer's `upTo`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from gql.store.historycodec import META, Item


@dataclass
class Position:
    shard_id: str
    parent_id: str | None
    derived: str | None = None  # the last sequence number derived (checkpointed)
    read: str | None = None  # the last sequence number read, derived or not
    iterator: str | None = None
    ended: bool = False  # the shard is closed and was read to its end
    done: bool = False  # ended, and all of it derived
    caught_up: float | None = None  # derived
    drained_at: float | None = None  # read: a read at this time took all there was
    dirty: bool = False  # what was derived changed since the last checkpoint

    def resume(self) -> dict[str, str]:
        """GetShardIterator parameters that continue after what was derived."""
        if self.derived is not None:
            return {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": self.derived}
        return {"ShardIteratorType": "TRIM_HORIZON"}

    def rewind(self) -> None:
        self.read, self.iterator, self.ended, self.drained_at = self.derived, None, False, None

    def commit(self) -> None:
        if self.read != self.derived or self.ended != self.done:
            self.dirty = True
        self.derived, self.done = self.read, self.ended
        if self.drained_at is not None:
            # Not worth a checkpoint of its own: the status carries it (gql/derive/consumer.py).
            self.caught_up, self.drained_at = self.drained_at, None


def checkpoint_prefix(stream_arn: str) -> str:
    return f"c#{stream_arn}#"


def checkpoint_to_item(stream_arn: str, position: Position) -> Item:
    item: Item = {
        "pk": {"S": META},
        "sk": {"S": checkpoint_prefix(stream_arn) + position.shard_id},
        "done": {"BOOL": position.done},
    }
    if position.derived is not None:
        item["seq"] = {"S": position.derived}
    if position.caught_up is not None:
        item["caught"] = {"N": repr(position.caught_up)}
    return item


def checkpoint_from_item(item: Mapping[str, Any]) -> tuple[str, str | None, bool, float | None]:
    """(shard id, last sequence derived, done, caught up at) of a checkpoint item."""
    shard_id = item["sk"]["S"].rpartition("#")[2]
    sequence = item.get("seq", {}).get("S")
    caught = item.get("caught", {}).get("N")
    return shard_id, sequence, bool(item["done"]["BOOL"]), float(caught) if caught else None


def up_to(positions: Mapping[str, Position]) -> float | None:
    """The least `caught_up` over the shards not done; None while one has never caught up."""
    open_ = [p for p in positions.values() if not p.done]
    if not open_ or any(p.caught_up is None for p in open_):
        return None
    return min(p.caught_up for p in open_ if p.caught_up is not None)


def readable(positions: Mapping[str, Position]) -> list[Position]:
    """Shards that may be read now: not done, and whose parent (if still known) is done, so
    that a reading's changes are read in order across a shard split."""
    return [
        p
        for p in positions.values()
        if not p.done
        and (p.parent_id is None or p.parent_id not in positions or positions[p.parent_id].done)
    ]
