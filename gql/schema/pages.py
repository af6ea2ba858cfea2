"""Relay connections over store pages, with signed cursors bound to the query that made them."""

from __future__ import annotations

import strawberry
from strawberry import relay

from gql import models
from gql.cursor import scope_of
from gql.schema import inputs
from gql.schema.context import Context
from gql.schema.types import Reading, ReadingConnection, ReadingEdge, SortOrder


async def device_readings(
    info: strawberry.Info[Context],
    *,
    field: str,
    device_id: str,
    datacount: inputs.DatacountCondition | None,
    filter: inputs.ReadingCondition | None,
    order: SortOrder,
    first: int,
    after: str | None,
    consistent: bool,
    recorded_at: inputs.TimeRange | None = None,
) -> ReadingConnection:
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
    start = info.context.services.cursors.decode(after, scope) if after is not None else None
    page = await info.context.run(
        info.context.store.query,
        device_id,
        span=span,
        filter=condition,
        order=models.Order(order.value),
        first=size,
        after=start,
        consistent=consistent,
        budget=info.context.services.read_budget,
        window=window,
    )
    return connection(info.context, page, scope, after is not None)


async def scan_readings(
    info: strawberry.Info[Context],
    *,
    filter: inputs.ReadingCondition | None,
    first: int,
    after: str | None,
) -> ReadingConnection:
    condition = inputs.to_condition(filter, "filter")
    size = inputs.page_size(first)
    scope = scope_of("scanReadings", [repr(condition)])
    start = info.context.services.cursors.decode(after, scope) if after is not None else None
    page = await info.context.run(
        info.context.store.scan,
        filter=condition,
        first=size,
        after=start,
        budget=info.context.services.read_budget,
    )
    return connection(info.context, page, scope, after is not None)


def connection(context: Context, page: models.Page, scope: str, resumed: bool) -> ReadingConnection:
    cursors = context.services.cursors
    issued = cursors.clock()  # one time for the whole page: its cursors expire together
    edges = [
        ReadingEdge(key=r.key, scope=scope, cursors=cursors, issued=issued, node=Reading.of(r))
        for r in page.readings
    ]
    # When the read budget ran out, the page ends where DynamoDB stopped reading, which may be
    # past its last reading: endCursor resumes from there, so no page is read twice.
    end = page.resume or (page.readings[-1].key if page.readings else None)
    return ReadingConnection(
        edges=edges,
        page_info=relay.PageInfo(
            has_next_page=page.has_more,
            has_previous_page=resumed,
            start_cursor=cursors.encode(edges[0].key, scope, now=issued) if edges else None,
            end_cursor=cursors.encode(end, scope, now=issued) if end is not None else None,
        ),
    )
