"""Every item of the table, or of one device, page by page: for exports and migrations.

A page at a time, so that a walk of any table holds one page in memory, never the table.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from gql.models import Reading
from gql.store.client import DynamoDB
from gql.store.codec import Item, from_item
from gql.store.expressions import Expressions

PAGE_SIZE = 500


def item_pages(
    db: DynamoDB,
    *,
    device_id: str | None = None,
    consistent: bool = False,
    page_size: int | None = PAGE_SIZE,
    attributes: list[list[str]] | None = None,
) -> Iterator[list[Item]]:
    """Raw items, one DynamoDB page at a time: a Scan, or a Query of one device. `attributes`
    (paths, e.g. ["info", "info_timestamp"]) projects them; page_size None: 1 MB pages."""
    params: dict[str, Any] = {"TableName": db.table}
    if page_size is not None:
        params["Limit"] = page_size
    if consistent:
        params["ConsistentRead"] = True
    ex = Expressions()
    operation = "scan"
    if device_id is not None:
        operation = "query"
        params["KeyConditionExpression"] = f"{ex.name('device_id')} = {ex.value(device_id)}"
    if attributes is not None:
        params["ProjectionExpression"] = ", ".join(ex.path(*path) for path in attributes)
    params.update(ex.request())
    while True:
        response = db.call(operation, **params)
        items: list[Item] = response.get("Items", [])
        if items:
            yield items
        start = response.get("LastEvaluatedKey")
        if start is None:
            return
        params["ExclusiveStartKey"] = start


def reading_pages(
    db: DynamoDB, *, device_id: str | None = None, page_size: int = PAGE_SIZE
) -> Iterator[list[Reading]]:
    """Readings, one page at a time; a device's in datacount order, the table's in hash order."""
    for items in item_pages(db, device_id=device_id, page_size=page_size):
        yield [from_item(item) for item in items]
