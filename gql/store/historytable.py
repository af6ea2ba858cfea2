"""What the API and the consumers read and report in the history table (historycodec.py).

Reads are strongly consistent: once a status says a change is reflected, every read after it
sees the rollups that reflect it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from gql.errors import TableNotFoundError, ThrottledError
from gql.history import Level, Period, Rollup
from gql.store.client import DynamoDB
from gql.store.historycodec import (
    META,
    Entry,
    Item,
    Status,
    entry_from_item,
    level_bounds,
    period_of_sort_key,
    registry_key,
    rollup_from_item,
    rollup_key,
    status_from_item,
    status_to_item,
)


class HistoryTable:
    def __init__(
        self,
        db: DynamoDB,
        *,
        clock: Callable[[], float] = time.monotonic,
        known_seconds: float = 30.0,
        unknown_seconds: float = 2.0,
    ) -> None:
        self.db = db
        # Called before every read for the API: a history kept in this very process (the
        # embedded backend's) first derives the writes already made (gql/derive/inprocess.py).
        self.settle: Callable[[], None] | None = None
        self._clock = clock
        self._ttl = (unknown_seconds, known_seconds)
        self._derived: tuple[bool, float] | None = None  # (answer, until)

    def derived(self) -> bool:
        """Whether a consumer or a rebuild has ever reported here, i.e. whether the derived
        history (time index attribute, rollups, registry) is kept. Until then, queries read
        the readings themselves, as round 2 did. Remembered for a while: it rarely changes."""
        now = self._clock()
        if self._derived is not None and now < self._derived[1]:
            return self._derived[0]
        try:
            answer = bool(self.statuses())
        except TableNotFoundError:
            answer = False
        self._derived = (answer, now + self._ttl[answer])
        return answer

    # -- statuses ----------------------------------------------------------------------------

    def report(self, status: Status) -> None:
        self.db.call("put_item", TableName=self.db.table, Item=status_to_item(status))

    def statuses(self) -> list[Status]:
        self._settle()
        items = self._query(
            "pk = :p AND begins_with(sk, :s)", {":p": {"S": META}, ":s": {"S": "s#"}}
        )
        return [status_from_item(item) for item in items]

    # -- the registry ------------------------------------------------------------------------

    def devices(self, *, after: str | None, first: int) -> tuple[list[Entry], bool]:
        """Up to `first` registry entries in device id order after `after`; and whether more.
        The entries of devices without readings (kept, empty: gql/store/rolluptable.py) are
        left out."""
        self._settle()
        params: dict[str, Any] = {
            "TableName": self.db.table,
            "KeyConditionExpression": "pk = :p AND begins_with(sk, :r)",
            "FilterExpression": "#n > :none",
            "ExpressionAttributeNames": {"#n": "n"},
            "ExpressionAttributeValues": {
                ":p": {"S": META},
                ":r": {"S": "r#"},
                ":none": {"N": "0"},
            },
            "ConsistentRead": True,
            "Limit": first + 1,  # one more than asked makes hasNextPage exact
        }
        if after is not None:
            params["ExclusiveStartKey"] = registry_key(after)
        entries: list[Entry] = []
        while len(entries) <= first:
            response = self.db.call("query", **params)
            entries += [entry_from_item(item) for item in response.get("Items", [])]
            if "LastEvaluatedKey" not in response:
                break
            params["ExclusiveStartKey"] = response["LastEvaluatedKey"]
            params["Limit"] = first + 1 - len(entries)
        return entries[:first], len(entries) > first

    def entries(self, device_ids: Iterable[str], *, with_open: bool = False) -> dict[str, Entry]:
        """The registry entries of these devices (with the open periods they hold, if asked);
        a device without one is left out."""
        self._settle()
        found: dict[str, Entry] = {}
        for item in self.get([registry_key(d) for d in dict.fromkeys(device_ids)]):
            entry = entry_from_item(item, with_open=with_open)
            found[entry.device_id] = entry
        return found

    # -- rollups -----------------------------------------------------------------------------

    def rollups(
        self, device_id: str, level: Level, start: int, end: int, *, limit: Callable[[], int]
    ) -> Iterator[list[tuple[Period, Rollup]]]:
        """The stored rollups of `level` starting in [start, end), in time order, a page at a
        time; each page asks for at most `limit()` items, so a caller can stop between them."""
        self._settle()
        low, high = level_bounds(level, start, end)
        values = {":d": {"S": device_id}, ":a": {"S": low}, ":b": {"S": high}}
        for items in self._pages("pk = :d AND sk BETWEEN :a AND :b", values, limit):
            page = []
            for item in items:
                period = period_of_sort_key(item["sk"]["S"])
                assert period is not None
                page.append((period, rollup_from_item(item)))
            yield page

    def untimed(self, device_id: str) -> Rollup:
        """The rollup of the device's readings whose timestamp is not a time."""
        items = self.get([rollup_key(device_id, None)])
        return rollup_from_item(items[0]) if items else Rollup()

    # -- plumbing ----------------------------------------------------------------------------

    def _settle(self) -> None:
        if self.settle is not None:
            self.settle()

    def get(self, keys: list[Item]) -> list[Item]:
        found: list[Item] = []
        for start in range(0, len(keys), 100):
            request: dict[str, Any] = {
                self.db.table: {"Keys": keys[start : start + 100], "ConsistentRead": True}
            }
            for _ in range(10):
                response = self.db.call("batch_get_item", RequestItems=request)
                found += response.get("Responses", {}).get(self.db.table, [])
                request = response.get("UnprocessedKeys") or {}
                if not request:
                    break
            else:
                raise ThrottledError("history read: DynamoDB left keys unprocessed; retry later")
        return found

    def _query(self, condition: str, values: dict[str, Any]) -> Iterator[Item]:
        for page in self._pages(condition, values, None):
            yield from page

    def _pages(
        self, condition: str, values: dict[str, Any], limit: Callable[[], int] | None
    ) -> Iterator[list[Item]]:
        params: dict[str, Any] = {
            "TableName": self.db.table,
            "KeyConditionExpression": condition,
            "ExpressionAttributeValues": values,
            "ConsistentRead": True,
        }
        while True:
            if limit is not None:
                params["Limit"] = limit()
            response = self.db.call("query", **params)
            yield response.get("Items", [])
            if "LastEvaluatedKey" not in response:
                return
            params["ExclusiveStartKey"] = response["LastEvaluatedKey"]
