"""The readings store: every read and write of the `Devices` table.

Writes are single UpdateItem/DeleteItem requests, so each one is atomic: `version` is bumped
in the same request that writes the data, and a failed condition changes nothing. Failed
conditions come back with the item as it stands (ReturnValuesOnConditionCheckFailure=ALL_OLD),
which saves a second read and lets "not found" be told apart from "condition failed".
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from functools import partial
from typing import TYPE_CHECKING, Any

from gql.errors import (
    ConditionFailedError,
    ThrottledError,
)
from gql.history import TimeWindow
from gql.models import (
    Condition,
    DatacountRange,
    InfoPatch,
    Order,
    Page,
    Reading,
    ReadingInfo,
    ReadingKey,
)
from gql.store.client import DynamoDB
from gql.store.codec import from_item, info_to_item, key_to_item, to_item
from gql.store.expressions import (
    Expressions,
    bump_version,
    condition_expression,
    key_condition_expression,
    set_index,
    update_expression,
)
from gql.store.guards import applied_by_lost_attempt, explain, guard
from gql.store.paging import read_page
from gql.store.parallel import at_once

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

BATCH_WRITE_SIZE = 25  # DynamoDB's limit per BatchWriteItem
BATCH_GET_SIZE = 100  # DynamoDB's limit per BatchGetItem
MAX_BATCH_RETRIES = 8


class ReadingStore:
    def __init__(
        self,
        client: DynamoDBClient,
        table: str = "Devices",
        *,
        lock: threading.Lock | None = None,
        read_budget: int = 1000,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.db = DynamoDB(client, table, lock=lock)
        self.table = table
        self.read_budget = read_budget
        self._sleep = sleep

    # -- reads ---------------------------------------------------------------------------

    def get(self, key: ReadingKey, *, consistent: bool = False) -> Reading | None:
        response = self.db.call(
            "get_item", TableName=self.table, Key=key_to_item(key), ConsistentRead=consistent
        )
        item = response.get("Item")
        return from_item(item) if item else None

    def batch_get(self, keys: Iterable[ReadingKey]) -> dict[ReadingKey, Reading]:
        """Readings by key, BATCH_GET_SIZE keys a request; missing keys are left out."""
        wanted = list(dict.fromkeys(keys))
        found: dict[ReadingKey, Reading] = {}
        for start in range(0, len(wanted), BATCH_GET_SIZE):
            chunk = wanted[start : start + BATCH_GET_SIZE]
            request: dict[str, Any] = {self.table: {"Keys": [key_to_item(k) for k in chunk]}}
            for attempt in range(MAX_BATCH_RETRIES + 1):
                response = self.db.call("batch_get_item", RequestItems=request)
                for item in response.get("Responses", {}).get(self.table, []):
                    reading = from_item(item)
                    found[reading.key] = reading
                request = response.get("UnprocessedKeys") or {}
                if not request:
                    break
                self._backoff(attempt, "batch read")
        return found

    def latest(self, device_id: str) -> Reading | None:
        """The device's reading of the highest datacount: one Query of one item (a page
        would ask for two, to tell whether more follow)."""
        ex = Expressions()
        condition = key_condition_expression(device_id, None, ex)
        response = self.db.call(
            "query",
            TableName=self.table,
            KeyConditionExpression=condition,
            ScanIndexForward=False,
            Limit=1,
            **ex.request(),
        )
        items = response.get("Items", [])
        return from_item(items[0]) if items else None

    def latest_many(self, device_ids: list[str]) -> dict[str, Reading]:
        """The newest reading of each device that has one: one Query each (DynamoDB has no
        batch Query), made at once; the first error is raised."""
        found = at_once("latest", [partial(self.latest, d) for d in device_ids], threads=32)
        return {d: r for d, r in zip(device_ids, found, strict=True) if r is not None}

    def query(
        self,
        device_id: str,
        *,
        span: DatacountRange | None = None,
        filter: Condition | None = None,
        order: Order = Order.ASC,
        first: int = 25,
        after: ReadingKey | None = None,
        consistent: bool = False,
        budget: int | None = None,
        window: TimeWindow | None = None,
    ) -> Page:
        """One page of a device's readings in datacount order, recorded within `window`."""
        ex = Expressions()
        params: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": key_condition_expression(device_id, span, ex),
            "ScanIndexForward": order is Order.ASC,
            "ConsistentRead": consistent,
        }
        if filter is not None:
            params["FilterExpression"] = condition_expression(filter, ex)
        params.update(ex.request())
        return read_page(
            self.db,
            "query",
            params,
            first=first,
            after=after,
            filtered=filter is not None,
            budget=self.read_budget if budget is None else budget,
            # DynamoDB compares the string timestamp only as a string: the window is ours.
            keep=window.holds if window is not None else None,
        )

    def scan(
        self,
        *,
        filter: Condition | None = None,
        first: int = 25,
        after: ReadingKey | None = None,
        budget: int | None = None,
    ) -> Page:
        """One page of every reading in the table, in DynamoDB's (hash) order."""
        ex = Expressions()
        params: dict[str, Any] = {"TableName": self.table}
        if filter is not None:
            params["FilterExpression"] = condition_expression(filter, ex)
        params.update(ex.request())
        return read_page(
            self.db,
            "scan",
            params,
            first=first,
            after=after,
            filtered=filter is not None,
            budget=self.read_budget if budget is None else budget,
        )

    # -- writes --------------------------------------------------------------------------

    def put(self, key: ReadingKey, info: ReadingInfo, *, if_not_exists: bool = False) -> Reading:
        """Write a reading whole; version becomes 1, or the old version + 1."""
        ex = Expressions()
        params: dict[str, Any] = {
            "TableName": self.table,
            "Key": key_to_item(key),
            "UpdateExpression": (
                f"SET {ex.name('info')} = {ex.attribute(info_to_item(info))}, "
                f"{set_index(ex, info.info_timestamp)}, {bump_version(ex)}"
            ),
            "ReturnValues": "ALL_NEW",
        }
        if if_not_exists:
            params["ConditionExpression"] = f"attribute_not_exists({ex.name('device_id')})"
            params["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
        params.update(ex.request())
        try:
            response = self.db.call("update_item", **params)
        except ConditionFailedError as exc:
            current = exc.current
            if (
                exc.retried
                and current is not None
                and current.info == info
                and current.version == 1
            ):
                # Our first attempt was applied but its answer was lost; botocore's retry then
                # found the reading it had written. That is this call's success.
                return current
            message = "a reading with this key already exists"
            raise ConditionFailedError(message, exc.current) from exc
        return from_item(response["Attributes"])

    def update(
        self,
        key: ReadingKey,
        patch: InfoPatch,
        *,
        expected_version: int | None = None,
        condition: Condition | None = None,
    ) -> Reading:
        """Patch `info` of an existing reading; never creates one."""
        ex = Expressions()
        params: dict[str, Any] = {
            "TableName": self.table,
            "Key": key_to_item(key),
            "UpdateExpression": update_expression(patch, ex),
            "ConditionExpression": guard(ex, expected_version, condition),
            "ReturnValues": "ALL_NEW",
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
        params.update(ex.request())
        try:
            response = self.db.call("update_item", **params)
        except ConditionFailedError as exc:
            applied = applied_by_lost_attempt(exc, patch, expected_version)
            if applied is not None:
                return applied
            raise explain(key, exc, expected_version) from exc
        return from_item(response["Attributes"])

    def delete_if(
        self,
        key: ReadingKey,
        *,
        condition: Condition | None = None,
        expected_version: int | None = None,
    ) -> Reading:
        """Delete a reading when the condition holds; returns the reading deleted."""
        ex = Expressions()
        params: dict[str, Any] = {
            "TableName": self.table,
            "Key": key_to_item(key),
            "ConditionExpression": guard(ex, expected_version, condition),
            "ReturnValues": "ALL_OLD",
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
        params.update(ex.request())
        try:
            response = self.db.call("delete_item", **params)
        except ConditionFailedError as exc:
            raise explain(key, exc, expected_version) from exc
        return from_item(response["Attributes"])

    def batch_put(
        self, readings: Iterable[Reading], *, progress: Callable[[int], None] | None = None
    ) -> int:
        """Write readings as they are, BATCH_WRITE_SIZE a request; returns how many were sent."""
        # A key twice in one request is refused by DynamoDB: the later reading wins.
        unique = list({r.key: r for r in readings}.values())
        for start in range(0, len(unique), BATCH_WRITE_SIZE):
            chunk = unique[start : start + BATCH_WRITE_SIZE]
            request: dict[str, Any] = {
                self.table: [{"PutRequest": {"Item": to_item(r)}} for r in chunk]
            }
            for attempt in range(MAX_BATCH_RETRIES + 1):
                response = self.db.call("batch_write_item", RequestItems=request)
                request = response.get("UnprocessedItems") or {}
                if not request:
                    break
                self._backoff(attempt, "batch write")
            if progress is not None:
                progress(len(chunk))
        return len(unique)

    # -- helpers -------------------------------------------------------------------------

    def _backoff(self, attempt: int, what: str) -> None:
        if attempt >= MAX_BATCH_RETRIES:
            raise ThrottledError(f"{what}: DynamoDB left items unprocessed after {attempt} retries")
        self._sleep(min(0.05 * 2**attempt, 2.0))
