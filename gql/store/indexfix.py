"""Setting recorded_at on readings written by others (gql/store/timeindex.py).

Each write is conditional on the reading still having the timestamp it was seen with: if it
has another (or is gone), a later change is on its way and is fixed in its turn. The write
bumps no version: it changes no reading, only its place in the index. One UpdateItem each
(several at once when an executor is given): TransactWriteItems would cost twice the capacity.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Executor
from typing import Any

from gql.errors import ConditionFailedError
from gql.models import ReadingKey
from gql.store.client import DynamoDB
from gql.store.codec import key_to_item
from gql.store.expressions import Expressions
from gql.store.timeindex import ATTRIBUTE, IndexFix


def fix_index(
    db: DynamoDB, fixes: Sequence[IndexFix], executor: Executor | None = None
) -> set[ReadingKey]:
    """Apply the fixes (one per reading); returns the readings that had changed meanwhile."""
    if executor is None or len(fixes) < 4:
        return {fix.key for fix in fixes if not _apply(db, fix)}
    applied = list(executor.map(lambda fix: _apply(db, fix), fixes))
    return {fix.key for fix, done in zip(fixes, applied, strict=True) if not done}


def _apply(db: DynamoDB, fix: IndexFix) -> bool:
    ex = Expressions()
    path = ex.path("info", "info_timestamp")
    same_time = (
        f"attribute_not_exists({path})"
        if fix.timestamp is None
        else f"{path} = {ex.attribute(fix.timestamp)}"
    )
    params: dict[str, Any] = {
        "TableName": db.table,
        "Key": key_to_item(fix.key),
        "UpdateExpression": f"SET {ex.name(ATTRIBUTE)} = {ex.value(fix.value)}",
        "ConditionExpression": f"attribute_exists({ex.name('device_id')}) AND {same_time}",
        **ex.request(),
    }
    try:
        db.call("update_item", **params)
    except ConditionFailedError:
        return False
    return True
