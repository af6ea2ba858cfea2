"""One page of a Query or Scan: `first` readings, read on through a filter within a budget."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gql.errors import InputError
from gql.models import Page, Reading, ReadingKey
from gql.store.client import DynamoDB
from gql.store.codec import from_item, key_from_item, key_to_item


def read_page(
    db: DynamoDB,
    operation: str,
    params: dict[str, Any],
    *,
    first: int,
    after: ReadingKey | None,
    filtered: bool,
    budget: int,
    keep: Callable[[Reading], bool] | None = None,
) -> Page:
    # One reading more than asked makes hasNextPage exact. A filter is applied after
    # DynamoDB reads, so a filtered page reads on, in growing steps, until it is full or
    # the read budget is spent; the budget bounds what one request can cost.
    # `keep` is a filter DynamoDB cannot evaluate (a time window on a string timestamp): it
    # is applied here to what each request returns, and is spent from the same budget.
    if first < 1:
        raise InputError(f"first: must be at least 1, got {first}")
    readings: list[Reading] = []
    start = key_to_item(after) if after else None
    evaluated = 0
    step = first + 1
    filtered = filtered or keep is not None
    while True:
        wanted = first + 1 - len(readings)
        limit = min(max(wanted, step), budget - evaluated) if filtered else wanted
        request = dict(params, Limit=limit)
        if start is not None:
            request["ExclusiveStartKey"] = start
        response = db.call(operation, **request)
        evaluated += int(response.get("ScannedCount", 0))
        found = (from_item(item) for item in response.get("Items", []))
        readings.extend(found if keep is None else filter(keep, found))
        start = response.get("LastEvaluatedKey")
        if len(readings) > first:
            page = readings[:first]
            return Page(page, resume=page[-1].key, has_more=True)
        if start is None:
            return Page(readings, resume=None, has_more=False)
        if filtered and evaluated >= budget:
            return Page(readings, resume=key_from_item(start), has_more=True, budget_spent=True)
        step *= 4
