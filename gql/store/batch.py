"""Batches of whole readings written in one transaction: all of them, or none.

Each reading is written as `ReadingStore.put` writes it: `info` whole, `version` the old
value + 1 (1 for a new reading). TransactWriteItems returns no attributes, so the versions
the caller is told cannot come back from the write itself. Instead the current versions are
read first (one consistent BatchGetItem), and every action is conditional on the version it
read (or on the reading being absent, or present without a version); the new versions are
then known, and the condition makes them true. A condition that fails there means another
writer changed a reading between the read and the transaction: the batch is read and sent
again, up to CONFLICT_ATTEMPTS times. With `if_not_exists`, the only condition is the
caller's (the reading must be absent), no read is needed, and a failure is the caller's.

A transaction cancelled for any other reason (throttling, a conflicting transaction) wrote
nothing and becomes the error of that reason.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from gql.errors import (
    BackendUnavailableError,
    ConditionFailedError,
    StoreError,
    ThrottledError,
    TransactionCanceledError,
)
from gql.models import Reading, ReadingKey
from gql.store.client import DynamoDB
from gql.store.codec import info_to_item, key_from_item, key_to_item
from gql.store.expressions import Expressions, set_index

MAX_READINGS = 100  # DynamoDB's limit of actions per transaction
CONFLICT_ATTEMPTS = 4
MAX_READ_RETRIES = 8
NOT_WRITTEN = "not written: another reading in the batch failed"
EXISTS = "a reading with this key already exists"

# The outcome of one reading: the reading as written, or why it was not.
Outcome = Reading | ConditionFailedError

_THROTTLED = {"ThrottlingError", "ProvisionedThroughputExceeded", "RequestLimitExceeded"}

# What the table holds for a key: absent (the key is missing from the dict), a reading
# without a version (None), or the version.
Versions = dict[ReadingKey, int | None]


class AtomicBatch:
    """Writes readings in one transaction; `put` returns one outcome per reading, in order."""

    def __init__(
        self,
        db: DynamoDB,
        *,
        attempts: int = CONFLICT_ATTEMPTS,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.db = db
        self.attempts = attempts
        self._sleep = sleep

    def put(self, readings: Sequence[Reading], *, if_not_exists: bool = False) -> list[Outcome]:
        if not readings:
            return []
        if len(readings) > MAX_READINGS:
            raise ValueError(f"at most {MAX_READINGS} readings per transaction")
        for _ in range(self.attempts):
            versions: Versions = {} if if_not_exists else self.versions([r.key for r in readings])
            try:
                self._write(readings, versions, if_not_exists=if_not_exists)
            except TransactionCanceledError as exc:
                failed = _failed_conditions(exc)
                if if_not_exists:
                    if _applied_by_lost_attempt(readings, exc):
                        return [_written(r, {}) for r in readings]
                    return _refused(readings, exc, failed)
                # Not the caller's condition (there is none): a reading changed since it was
                # read. Read again and retry.
                continue
            return [_written(r, versions) for r in readings]
        raise ThrottledError(
            f"the readings kept changing while the batch was written ({self.attempts} attempts); "
            "nothing was written; retry later"
        )

    def versions(self, keys: Sequence[ReadingKey]) -> Versions:
        """The current version of each key, read consistently; absent keys are left out."""
        found: Versions = {}
        names = {"#d": "device_id", "#c": "datacount", "#v": "version"}
        request: dict[str, Any] = {
            self.db.table: {
                "Keys": [key_to_item(k) for k in keys],
                "ConsistentRead": True,
                "ProjectionExpression": "#d, #c, #v",
                "ExpressionAttributeNames": names,
            }
        }
        for attempt in range(MAX_READ_RETRIES + 1):
            if attempt:
                self._sleep(min(0.05 * 2**attempt, 2.0))
            response = self.db.call("batch_get_item", RequestItems=request)
            for item in response.get("Responses", {}).get(self.db.table, []):
                key = key_from_item(item)
                version = item.get("version", {}).get("N")
                found[key] = int(Decimal(version)) if version is not None else None
            request = response.get("UnprocessedKeys") or {}
            if not request:
                return found
        raise ThrottledError("batch read: DynamoDB left keys unprocessed; retry later")

    def _write(
        self, readings: Sequence[Reading], versions: Versions, *, if_not_exists: bool
    ) -> None:
        actions = [
            {"Update": self._update(r, versions, if_not_exists=if_not_exists)} for r in readings
        ]
        self.db.call("transact_write_items", TransactItems=actions)

    def _update(
        self, reading: Reading, versions: Versions, *, if_not_exists: bool
    ) -> dict[str, Any]:
        ex = Expressions()
        key = reading.key
        version = ex.name("version")
        if if_not_exists or key not in versions:
            condition = f"attribute_not_exists({ex.name('device_id')})"
        elif versions[key] is None:
            condition = (
                f"attribute_exists({ex.name('device_id')}) AND attribute_not_exists({version})"
            )
        else:
            condition = f"{version} = {ex.value(versions[key] or 0)}"
        new_version = ex.value(_next_version(key, versions))
        return {
            "TableName": self.db.table,
            "Key": key_to_item(key),
            "UpdateExpression": (
                f"SET {ex.name('info')} = {ex.attribute(info_to_item(reading.info))}, "
                f"{set_index(ex, reading.info.info_timestamp)}, {version} = {new_version}"
            ),
            "ConditionExpression": condition,
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
            **ex.request(),
        }


def _next_version(key: ReadingKey, versions: Versions) -> int:
    return (versions.get(key) or 0) + 1


def _written(reading: Reading, versions: Versions) -> Reading:
    return Reading(
        reading.device_id, reading.datacount, reading.info, _next_version(reading.key, versions)
    )


def _failed_conditions(exc: TransactionCanceledError) -> set[int]:
    """The indexes whose condition failed; any other reason of cancelling is raised."""
    failed: set[int] = set()
    for index, code in enumerate(exc.reasons):
        if code in ("None", ""):
            continue
        if code == "ConditionalCheckFailed":
            failed.add(index)
        else:
            raise _cancelled_by(code, index) from exc
    if not failed:
        raise BackendUnavailableError("the database cancelled the batch; nothing was written")
    return failed


def _cancelled_by(code: str, index: int) -> StoreError:
    if code in _THROTTLED:
        return ThrottledError("the database is throttling requests; nothing was written; retry")
    if code == "TransactionConflict":
        # Another transaction was writing readings[index]: retrying later is what helps.
        return ThrottledError(
            f"readings[{index}]: another transaction was writing this reading; nothing was "
            "written; retry"
        )
    if code == "ValidationError":
        # Our own request was malformed: masked as an internal error, logged by the schema.
        return StoreError(f"readings[{index}]: the database refused the action ({code})")
    return BackendUnavailableError(
        f"the database cancelled the batch ({code}); nothing was written; retry later"
    )


def _applied_by_lost_attempt(readings: Sequence[Reading], exc: TransactionCanceledError) -> bool:
    # DynamoDB makes a retried transaction idempotent (botocore sends the same
    # ClientRequestToken), but a backend that does not (moto) finds every reading as the
    # first, applied, attempt wrote it: that is this call's success.
    return exc.retried and all(
        current is not None and current == Reading(r.device_id, r.datacount, r.info, 1)
        for r, current in zip(readings, exc.current, strict=True)
    )


def _refused(
    readings: Sequence[Reading], exc: TransactionCanceledError, failed: set[int]
) -> list[Outcome]:
    outcomes: list[Outcome] = []
    for index in range(len(readings)):
        if index in failed:
            outcomes.append(ConditionFailedError(EXISTS, exc.current[index]))
        else:
            outcomes.append(ConditionFailedError(NOT_WRITTEN, None))
    return outcomes
