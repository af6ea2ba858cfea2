"""Setting recorded_at on readings written by others (gql/store/timeindex.py).

Each write is conditional on the reading still having the timestamp it was seen with: if it
has another (or is gone), a later change is on its way and is fixed in its turn. The write
bumps no version: it changes no reading, only its place in the index. Up to 100 go in one
TransactWriteItems; when some conditions fail, those readings are left out and the rest sent
again (a cancelled transaction wrote nothing).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from gql.errors import StoreError, ThrottledError, TransactionCanceledError
from gql.models import ReadingKey
from gql.store.client import DynamoDB
from gql.store.codec import key_to_item
from gql.store.expressions import Expressions
from gql.store.timeindex import ATTRIBUTE, IndexFix

TRANSACTION_ITEMS = 100
MAX_CONFLICTS = 8


def fix_index(
    db: DynamoDB, fixes: Sequence[IndexFix], *, sleep: Callable[[float], None] = time.sleep
) -> set[ReadingKey]:
    """Apply the fixes (one per reading); returns the readings that had changed meanwhile."""
    changed: set[ReadingKey] = set()
    for start in range(0, len(fixes), TRANSACTION_ITEMS):
        pending = list(fixes[start : start + TRANSACTION_ITEMS])
        conflicts = 0
        while pending:
            try:
                db.call("transact_write_items", TransactItems=[_update(db, f) for f in pending])
            except TransactionCanceledError as exc:
                failed = {
                    i for i, code in enumerate(exc.reasons) if code == "ConditionalCheckFailed"
                }
                others = {c for c in exc.reasons if c not in ("None", "", "ConditionalCheckFailed")}
                if others - {"TransactionConflict"}:
                    raise StoreError(
                        f"the index fix was cancelled ({', '.join(sorted(others))})"
                    ) from exc
                if not failed:  # another transaction held one of the readings: try again
                    conflicts += 1
                    if conflicts > MAX_CONFLICTS:
                        raise ThrottledError(
                            "readings kept changing while their index was set"
                        ) from exc
                    sleep(min(0.02 * 2**conflicts, 1.0))
                    continue
                changed |= {pending[i].key for i in failed}
                pending = [f for i, f in enumerate(pending) if i not in failed]
                continue
            pending = []
    return changed


def _update(db: DynamoDB, fix: IndexFix) -> dict[str, Any]:
    ex = Expressions()
    path = ex.path("info", "info_timestamp")
    same_time = (
        f"attribute_not_exists({path})"
        if fix.timestamp is None
        else f"{path} = {ex.attribute(fix.timestamp)}"
    )
    return {
        "Update": {
            "TableName": db.table,
            "Key": key_to_item(fix.key),
            "UpdateExpression": f"SET {ex.name(ATTRIBUTE)} = {ex.value(fix.value)}",
            "ConditionExpression": f"attribute_exists({ex.name('device_id')}) AND {same_time}",
            **ex.request(),
        }
    }
