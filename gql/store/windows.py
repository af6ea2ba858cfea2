"""A page of a device's readings recorded within a window, read through the time index.

Pages stay in datacount order, as the contract says, while the index orders by time: the
window's readings are read through the index (only those; a filter and the datacount range
are applied by DynamoDB as it reads), sorted by datacount here, and the page is cut after the
cursor. That costs the window's size on every page, so it is done only while the window holds
at most `budget` readings; None tells the caller to walk the device in datacount order
instead (round 2's way, which reads the window's whole datacount range).

The index is eventually consistent and DynamoDB cannot read it consistently: a page that must
be consistent is never read here.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from gql.errors import StoreError
from gql.history import MAX_TIME, MIN_TIME, TimeWindow
from gql.models import Condition, DatacountRange, Order, Page, Reading, ReadingKey
from gql.store.client import INDEX_MISSING, DynamoDB
from gql.store.codec import from_item
from gql.store.expressions import Expressions, condition_expression
from gql.store.timeindex import ATTRIBUTE, INDEX

_OPERATORS = {"eq": "=", "lt": "<", "lte": "<=", "gt": ">", "gte": ">="}


class IndexUnavailableError(StoreError):
    """The table has no time index (yet), or DynamoDB is still building it."""


def window_bounds(window: TimeWindow) -> tuple[Decimal, Decimal]:
    """Inclusive bounds on recorded_at for a window: the exact timestamp decides the rest."""
    low = window.start if window.start is not None else Decimal(MIN_TIME)
    high = window.end if window.end is not None else Decimal(MAX_TIME)
    return low, high


def index_params(
    db: DynamoDB,
    device_id: str,
    window: TimeWindow,
    ex: Expressions,
    *,
    span: DatacountRange | None = None,
    filter: Condition | None = None,
    after: ReadingKey | None = None,
    order: Order = Order.ASC,
) -> dict[str, Any]:
    """A Query of the index for the device's readings in the window, filtered as asked."""
    low, high = window_bounds(window)
    key = f"{ex.name('device_id')} = {ex.value(device_id)}"
    key += f" AND {ex.name(ATTRIBUTE)} BETWEEN {ex.value(low)} AND {ex.value(high)}"
    filters = []
    if span is not None:
        filters.append(_datacount_filter(span, ex))
    if after is not None:
        beyond = ">" if order is Order.ASC else "<"
        filters.append(f"{ex.name('datacount')} {beyond} {ex.value(after.datacount)}")
    if filter is not None:
        filters.append(condition_expression(filter, ex))
    params: dict[str, Any] = {
        "TableName": db.table,
        "IndexName": INDEX,
        "KeyConditionExpression": key,
    }
    if filters:
        params["FilterExpression"] = " AND ".join(f"({f})" for f in filters)
    return params


def _datacount_filter(span: DatacountRange, ex: Expressions) -> str:
    # datacount is the table's sort key but not the index's: in a Query of the index it can
    # only be a filter.
    datacount = ex.name("datacount")
    if span.op == "between":
        assert isinstance(span.value, tuple)
        first, last = span.value
        return f"{datacount} BETWEEN {ex.value(first)} AND {ex.value(last)}"
    assert isinstance(span.value, int)
    return f"{datacount} {_OPERATORS[span.op]} {ex.value(span.value)}"


def window_page(
    db: DynamoDB,
    device_id: str,
    window: TimeWindow,
    *,
    span: DatacountRange | None,
    filter: Condition | None,
    order: Order,
    first: int,
    after: ReadingKey | None,
    budget: int,
) -> Page | None:
    """The page, or None when the window holds more than `budget` readings."""
    ex = Expressions()
    params = index_params(
        db, device_id, window, ex, span=span, filter=filter, after=after, order=order
    )
    params.update(ex.request())
    params["Limit"] = budget + 1
    found: list[Reading] = []
    evaluated = 0
    while True:
        try:
            response = db.call("query", **params)
        except StoreError as exc:
            if exc.reason == INDEX_MISSING:
                raise IndexUnavailableError(
                    "the time index cannot be read", reason=exc.reason
                ) from exc
            raise
        evaluated += int(response.get("ScannedCount", 0))
        found += [r for item in response.get("Items", []) if window.holds(r := from_item(item))]
        if "LastEvaluatedKey" not in response:
            break
        if evaluated > budget:
            return None
        params["ExclusiveStartKey"] = response["LastEvaluatedKey"]
        params["Limit"] = budget + 1 - evaluated
    found.sort(key=lambda r: r.datacount, reverse=order is Order.DESC)
    if len(found) > first:
        page = found[:first]
        return Page(page, resume=page[-1].key, has_more=True)
    return Page(found, resume=None, has_more=False)
