"""Reads and conditional writes of the history table's rollups (gql/store/historycodec.py).

Reads are strongly consistent: a recomputation must see every rollup written before it read
their versions. Every write is conditional on the item's version still being the one read: a
recomputation that lost that race reads again and recomputes.

A version is a random number, not a counter, and an emptied rollup is kept as an empty item
(count 0) instead of being deleted: a recomputation that read version v (or "absent") must
fail if anything was written in between, even if the item went back to a state it had before
(emptied and filled again, deleted and created again), since its other reads may be older.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from gql.errors import ConditionFailedError, ThrottledError
from gql.history import Level, Period, Rollup, following
from gql.store.client import DynamoDB
from gql.store.historycodec import (
    Item,
    level_bounds,
    open_attributes,
    registry_key,
    rollup_attributes,
    rollup_key,
    version_of,
)
from gql.store.parallel import at_once

MOST_RUNS = 8  # Queries per level when a recomputation reads stored rollups
_NOMINAL = {
    Level.FIVE_MINUTES: 300,
    Level.HOUR: 3600,
    Level.DAY: 86_400,
    Level.MONTH: 31 * 86_400,
    Level.YEAR: 366 * 86_400,
}


class ConflictError(Exception):
    """An item changed since it was read: recompute from fresh reads."""


def new_version() -> int:
    return secrets.randbelow(2**62) + 1  # never 0, which stands for "absent"


@dataclass(frozen=True)
class Write:
    """One item to put (an empty rollup too: count 0), on the condition that its version is
    still `version` (0: that it does not exist); it then has version `written`."""

    key: Item
    rollup: Rollup
    version: int
    extra: Item | None = None  # further attributes (the registry entry's device id)
    written: int = field(default_factory=new_version)

    def item(self) -> Item:
        """The item as the Put writes it."""
        return {
            **self.key,
            **rollup_attributes(self.rollup),
            **(self.extra or {}),
            "v": {"N": str(self.written)},
        }


class RollupTable:
    def __init__(self, db: DynamoDB) -> None:
        self.db = db

    def children_of(
        self, device_id: str, level: Level, starts: Iterable[int], gap: int
    ) -> list[Item]:
        """The stored rollups of the level below `level` inside the periods of `level` that
        start at `starts`, read in runs (runs closer than `gap` periods are read as one), the
        runs at once."""
        child = level.child
        assert child is not None

        def read(low: str, high: str) -> list[Item]:
            values = {":d": {"S": device_id}, ":a": {"S": low}, ":b": {"S": high}}
            return list(self.query("pk = :d AND sk BETWEEN :a AND :b", values))

        bounds = [level_bounds(child, s, e) for s, e in runs(level, starts, gap, most=MOST_RUNS)]
        calls = [partial(read, low, high) for low, high in bounds]
        return [item for items in at_once("history-read", calls) for item in items]

    def all_of_level(self, device_id: str, level: Level) -> Iterator[Item]:
        yield from self.query(
            "pk = :d AND begins_with(sk, :p)",
            {":d": {"S": device_id}, ":p": {"S": f"{level.value}#"}},
        )

    def whole_device(self, device_id: str, *, most: int) -> list[Item] | None:
        """Every rollup of the device (its partition), in one Query; None when it has more
        than `most`."""
        response = self.db.call(
            "query",
            TableName=self.db.table,
            KeyConditionExpression="pk = :d",
            ExpressionAttributeValues={":d": {"S": device_id}},
            ConsistentRead=True,
            Limit=most,
        )
        if response.get("LastEvaluatedKey") is not None:
            return None
        return list(response.get("Items", []))

    def query(self, condition: str, values: dict[str, Any]) -> Iterator[Item]:
        params: dict[str, Any] = {
            "TableName": self.db.table,
            "KeyConditionExpression": condition,
            "ExpressionAttributeValues": values,
            "ConsistentRead": True,
        }
        while True:
            response = self.db.call("query", **params)
            yield from response.get("Items", [])
            start = response.get("LastEvaluatedKey")
            if start is None:
                return
            params["ExclusiveStartKey"] = start

    def get(self, keys: list[Item]) -> list[Item]:
        """Items by key, read consistently; missing ones are left out."""
        found: list[Item] = []
        for chunk_start in range(0, len(keys), 100):
            request: dict[str, Any] = {
                self.db.table: {
                    "Keys": keys[chunk_start : chunk_start + 100],
                    "ConsistentRead": True,
                }
            }
            for _ in range(10):
                response = self.db.call("batch_get_item", RequestItems=request)
                found.extend(response.get("Responses", {}).get(self.db.table, []))
                request = response.get("UnprocessedKeys") or {}
                if not request:
                    break
            else:
                raise ThrottledError("history read: DynamoDB left keys unprocessed; retry later")
        return found

    def write(self, writes: list[Write]) -> None:
        """Apply the writes, level by level from the finest, each level's items at once;
        ConflictError when an item was not at the version read. Items written before a
        conflict are right as of what was read: the recomputation that follows finds them
        unchanged."""
        levels: dict[str, list[Write]] = {}
        for write in writes:
            levels.setdefault(write.key["sk"]["S"].partition("#")[0], []).append(write)
        for group in levels.values():
            at_once("history-write", [partial(self._write, w) for w in group], threads=8)

    def _write(self, write: Write) -> None:
        # One conditional request per item: TransactWriteItems would cost twice the capacity
        # on DynamoDB, and in-process moto copies every table for each transaction.
        condition: dict[str, Any] = {"ExpressionAttributeNames": {"#v": "v"}}
        if write.version == 0:
            condition["ConditionExpression"] = "attribute_not_exists(#v)"
        else:
            condition["ConditionExpression"] = "#v = :v"
            condition["ExpressionAttributeValues"] = {":v": {"N": str(write.version)}}
        try:
            self.db.call("put_item", TableName=self.db.table, Item=write.item(), **condition)
        except ConditionFailedError as exc:
            if exc.retried and self._written(write):
                return  # our own first attempt was applied, and its answer lost
            raise ConflictError from exc

    def _written(self, write: Write) -> bool:
        found = self.get([write.key])
        return bool(found) and version_of(found[0]) == write.written


def runs(
    level: Level, starts: Iterable[int], gap: int, most: int | None = None
) -> list[tuple[int, int]]:
    """Sorted period starts as [start, end) runs, joining runs less than `gap` periods apart;
    with `most`, the gap doubles until there are at most that many runs: reading the periods
    between far-apart ones too costs a few items, a request each would cost a round trip."""
    ordered = sorted(set(starts))
    while True:
        found: list[tuple[int, int]] = []
        reach = gap * _NOMINAL[level]
        for start in ordered:
            end = following(level, start)
            if found and start - found[-1][1] < reach:
                found[-1] = (found[-1][0], end)
            else:
                found.append((start, end))
        if most is None or len(found) <= most:
            return found
        gap *= 2


def write_for(device_id: str, period: Period | None, rollup: Rollup, stored: Item | None) -> Write:
    return Write(rollup_key(device_id, period), rollup, version_of(stored))


def registry_write(
    device_id: str,
    total: Rollup,
    stored: Item | None,
    head: int | None = None,
    opened: Mapping[Level, Rollup] | None = None,
) -> Write:
    """The registry entry: the device's total, and the open periods of its head, if any."""
    extra: Item = {"device": {"S": device_id}}
    if head is not None:
        extra.update(open_attributes(head, opened or {}))
    return Write(registry_key(device_id), total, version_of(stored), extra)
