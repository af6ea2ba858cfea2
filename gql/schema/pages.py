"""Pages of readings: arguments checked and the cursor verified, then one store page.

Plain values in and out: the connection types (gql/schema/types.py) are built from a `Listing`.
"""

from __future__ import annotations

from dataclasses import dataclass

from gql import models
from gql.cursor import scope_of
from gql.schema import inputs
from gql.schema.context import Context
from gql.schema.history import derived
from gql.store import IndexUnavailableError, window_page


@dataclass(frozen=True)
class Listing:
    """A page of readings, the scope its cursors are bound to, and whether it resumed one."""

    page: models.Page
    scope: str
    resumed: bool


async def device_page(
    context: Context,
    *,
    field: str,
    device_id: str,
    datacount: inputs.DatacountCondition | None,
    filter: inputs.ReadingCondition | None,
    order: models.Order,
    first: int,
    after: str | None,
    consistent: bool,
    recorded_at: inputs.TimeRange | None = None,
) -> Listing:
    # Every argument is checked, and the cursor verified, before DynamoDB is asked anything.
    device_id = inputs.device_id(device_id)
    span = inputs.to_range(datacount)
    condition = inputs.to_condition(filter, "filter")
    window = inputs.to_window(recorded_at)
    size = inputs.page_size(first)
    arguments = [device_id, repr(span), repr(condition), order.value, consistent]
    if window is not None:
        # Only with a window, so that cursors made before windows existed stay valid.
        arguments.append(repr(window))
    scope = scope_of(field, arguments)
    start = context.services.cursors.decode(after, scope) if after is not None else None
    if window is not None and not consistent and await derived(context) is not None:
        # Through the time index: only the window is read (gql/store/windows.py).
        try:
            indexed = await context.run(
                window_page,
                context.store.db,
                device_id,
                window,
                span=span,
                filter=condition,
                order=order,
                first=size,
                after=start,
                budget=context.services.read_budget,
            )
        except IndexUnavailableError:
            indexed = None
        if indexed is not None:
            return Listing(indexed, scope, after is not None)
    page = await context.run(
        context.store.query,
        device_id,
        span=span,
        filter=condition,
        order=order,
        first=size,
        after=start,
        consistent=consistent,
        budget=context.services.read_budget,
        window=window,
    )
    return Listing(page, scope, after is not None)


async def scan_page(
    context: Context,
    *,
    filter: inputs.ReadingCondition | None,
    first: int,
    after: str | None,
) -> Listing:
    condition = inputs.to_condition(filter, "filter")
    size = inputs.page_size(first)
    scope = scope_of("scanReadings", [repr(condition)])
    start = context.services.cursors.decode(after, scope) if after is not None else None
    page = await context.run(
        context.store.scan,
        filter=condition,
        first=size,
        after=start,
        budget=context.services.read_budget,
    )
    return Listing(page, scope, after is not None)
