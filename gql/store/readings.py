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
from typing import TYPE_CHECKING, Any

from gql.errors import (
    ConditionFailedError,
    InputError,
    ReadingNotFoundError,
    ThrottledError,
)
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
from gql.store.codec import from_item, info_to_item, key_from_item, key_to_item, to_item
from gql.store.expressions import (
    Expressions,
    bump_version,
    condition_expression,
    key_condition_expression,
    update_expression,
)

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
        page = self.query(device_id, order=Order.DESC, first=1)
        return page.readings[0] if page.readings else None

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
    ) -> Page:
        """One page of a device's readings in datacount order."""
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
        return self._page("query", params, first, after, filter is not None, budget)

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
        return self._page("scan", params, first, after, filter is not None, budget)

    def _page(
        self,
        operation: str,
        params: dict[str, Any],
        first: int,
        after: ReadingKey | None,
        filtered: bool,
        budget: int | None,
    ) -> Page:
        # One reading more than asked makes hasNextPage exact. A filter is applied after
        # DynamoDB reads, so a filtered page reads on, in growing steps, until it is full or
        # the read budget is spent; the budget bounds what one request can cost.
        if first < 1:
            raise InputError(f"first: must be at least 1, got {first}")
        budget = self.read_budget if budget is None else budget
        readings: list[Reading] = []
        start = key_to_item(after) if after else None
        evaluated = 0
        step = first + 1
        while True:
            wanted = first + 1 - len(readings)
            limit = min(max(wanted, step), budget - evaluated) if filtered else wanted
            request = dict(params, Limit=limit)
            if start is not None:
                request["ExclusiveStartKey"] = start
            response = self.db.call(operation, **request)
            evaluated += int(response.get("ScannedCount", 0))
            readings.extend(from_item(item) for item in response.get("Items", []))
            start = response.get("LastEvaluatedKey")
            if len(readings) > first:
                page = readings[:first]
                return Page(page, resume=page[-1].key, has_more=True)
            if start is None:
                return Page(readings, resume=None, has_more=False)
            if filtered and evaluated >= budget:
                return Page(readings, resume=key_from_item(start), has_more=True, budget_spent=True)
            step *= 4

    # -- writes --------------------------------------------------------------------------

    def put(self, key: ReadingKey, info: ReadingInfo, *, if_not_exists: bool = False) -> Reading:
        """Write a reading whole; version becomes 1, or the old version + 1."""
        ex = Expressions()
        params: dict[str, Any] = {
            "TableName": self.table,
            "Key": key_to_item(key),
            "UpdateExpression": (
                f"SET {ex.name('info')} = {ex.attribute(info_to_item(info))}, {bump_version(ex)}"
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
            "ConditionExpression": self._guard(ex, expected_version, condition),
            "ReturnValues": "ALL_NEW",
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
        params.update(ex.request())
        try:
            response = self.db.call("update_item", **params)
        except ConditionFailedError as exc:
            applied = _applied_by_lost_attempt(exc, patch, expected_version)
            if applied is not None:
                return applied
            raise self._explain(key, exc, expected_version) from exc
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
            "ConditionExpression": self._guard(ex, expected_version, condition),
            "ReturnValues": "ALL_OLD",
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
        params.update(ex.request())
        try:
            response = self.db.call("delete_item", **params)
        except ConditionFailedError as exc:
            raise self._explain(key, exc, expected_version) from exc
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

    @staticmethod
    def _guard(ex: Expressions, expected_version: int | None, condition: Condition | None) -> str:
        # attribute_exists on the key makes a missing item fail the condition, so that update
        # never creates an item and both writes can report "not found".
        parts = [f"attribute_exists({ex.name('device_id')})"]
        if expected_version is not None:
            version = ex.name("version")
            # Items written outside this API have no version: expectedVersion 0 means that.
            parts.append(
                f"attribute_not_exists({version})"
                if expected_version == 0
                else f"{version} = {ex.value(expected_version)}"
            )
        if condition is not None:
            parts.append(condition_expression(condition, ex))
        return " AND ".join(parts)

    @staticmethod
    def _explain(
        key: ReadingKey, exc: ConditionFailedError, expected_version: int | None
    ) -> Exception:
        current = exc.current
        if current is None:
            return ReadingNotFoundError(key)
        if expected_version is not None and (current.version or 0) != expected_version:
            return ConditionFailedError(
                f"expected version {expected_version}, but the reading is at version "
                f"{current.version or 0}",
                current,
            )
        return ConditionFailedError("the condition did not hold for the current reading", current)

    def _backoff(self, attempt: int, what: str) -> None:
        if attempt >= MAX_BATCH_RETRIES:
            raise ThrottledError(f"{what}: DynamoDB left items unprocessed after {attempt} retries")
        self._sleep(min(0.05 * 2**attempt, 2.0))


def _applied_by_lost_attempt(
    exc: ConditionFailedError, patch: InfoPatch, expected_version: int | None
) -> Reading | None:
    """The reading, when a retried update failed only because its first attempt was applied."""
    current = exc.current
    if not exc.retried or current is None or expected_version is None:
        return None
    if (current.version or 0) != expected_version + 1:
        return None
    info = current.info
    patched = all(getattr(info, name) == value for name, value in patch.set.items())
    removed = all(getattr(info, name) is None for name in patch.remove)
    return current if patched and removed else None
