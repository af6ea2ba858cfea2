"""Device.stats and Device.series: arguments checked, then the store's history reads.

Where the derived history is kept (a consumer or a rebuild has reported in the history table),
stats and series without filter or datacount are assembled from rollups (gql/store/assembly.py),
and those with a filter read the window's readings through the time index. With a datacount
range, and where no history is kept (a table no consumer ever derived), they walk the device's
readings in that range, as in round 2. Plain values in and out: the output types
(gql/schema/types.py, values.py) are built from them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from gql.errors import InputError, StoreError
from gql.history import Bucket, bucket_count, instant_seconds
from gql.schema import inputs
from gql.schema.context import Context
from gql.store import INDEX_MISSING, Assembly, Cut, History, HistoryTable, Series, Stats

T = TypeVar("T")

# The walk must end, and the answer be written, before the request's deadline: it plans to
# stop this long before it (a share of the time budget, at most MAX_HEADROOM seconds).
HEADROOM_SHARE = 0.1
MAX_HEADROOM = 0.25


def _history(context: Context) -> History:
    return History(context.store.db, budget=context.services.history_read_budget)


def _deadline(context: Context) -> float:
    headroom = min(MAX_HEADROOM, context.services.request_timeout * HEADROOM_SHARE)
    return context.call_deadline() - headroom


async def derived(context: Context) -> HistoryTable | None:
    """The history table when the derived history is kept there; None when it is not."""
    history = context.services.history
    if history is None or not await context.run(history.derived):
        return None
    return history


def _assembly(context: Context, history: HistoryTable) -> Assembly:
    return Assembly(context.store.db, history, budget=context.services.history_read_budget)


async def _through_index(read: Callable[[bool], Awaitable[T]], indexed: bool) -> T:
    """Read through the time index when asked; without it when the table has none (yet)."""
    if not indexed:
        return await read(False)
    try:
        return await read(True)
    except StoreError as exc:
        if exc.reason != INDEX_MISSING:
            raise
    return await read(False)


async def device_stats(
    context: Context,
    device_id: str,
    datacount: inputs.DatacountCondition | None,
    recorded_at: inputs.TimeRange | None,
    filter: inputs.ReadingCondition | None,
) -> Stats:
    device = inputs.device_id(device_id)
    span = inputs.to_range(datacount)
    window = inputs.to_window(recorded_at)
    condition = inputs.to_condition(filter, "filter")
    history = await derived(context)
    if history is not None and span is None and condition is None:
        assembly = _assembly(context, history)
        try:
            return await context.run(assembly.stats, device, window, deadline=_deadline(context))
        except StoreError as exc:
            if exc.reason != INDEX_MISSING:
                raise

    async def read(indexed: bool) -> Stats:
        return await context.run(
            _history(context).stats,
            device,
            deadline=_deadline(context),
            span=span,
            window=window,
            filter=condition,
            indexed=indexed,
        )

    # A datacount range narrows the device's own key: read there, the window checked here.
    return await _through_index(read, history is not None and window is not None and span is None)


async def device_series(
    context: Context,
    device_id: str,
    recorded_at: inputs.TimeRange,
    bucket_seconds: int,
    filter: inputs.ReadingCondition | None,
    datacount: inputs.DatacountCondition | None,
) -> list[Bucket]:
    # Everything is checked, the number of buckets included, before anything is read.
    device = inputs.device_id(device_id)
    if recorded_at.from_ is None or recorded_at.to is None:
        raise InputError("recordedAt: a series needs both from and to")
    inputs.to_window(recorded_at)  # checks that from is before to
    start = instant_seconds(recorded_at.from_)
    end = instant_seconds(recorded_at.to)
    if bucket_seconds < 1:
        raise InputError(f"bucketSeconds: must be at least 1, got {bucket_seconds}")
    services = context.services
    buckets = bucket_count(start, end, bucket_seconds)
    if buckets > services.series_max_buckets:
        raise InputError(
            f"bucketSeconds: recordedAt would make {buckets} buckets of {bucket_seconds} s; "
            f"a series has at most {services.series_max_buckets} buckets"
        )
    span = inputs.to_range(datacount)
    condition = inputs.to_condition(filter, "filter")
    history = await derived(context)

    async def read(indexed: bool) -> Series:
        if indexed and span is None and condition is None:
            assert history is not None
            assembly = _assembly(context, history)
            return await context.run(
                assembly.series, device, start, end, bucket_seconds, deadline=_deadline(context)
            )
        return await context.run(
            _history(context).series,
            device,
            deadline=_deadline(context),
            start=start,
            end=end,
            seconds=bucket_seconds,
            span=span,
            filter=condition,
            indexed=indexed,
        )

    series = await _through_index(read, history is not None and span is None)
    # From rollups, fewer or longer buckets aligned on UTC periods read less; raw readings
    # (a filter, datacount, or no derived history) are read less in a narrower range.
    narrow = (
        "use fewer buckets, or ones on whole UTC periods (5 minutes, hours, days)"
        if history is not None and span is None and condition is None
        else "narrow it with datacount"
    )
    if series.cut is Cut.BUDGET:
        raise InputError(
            f"recordedAt: the series would read more than {services.history_read_budget} "
            f"readings and rollups, the history read budget; {narrow}"
        )
    if series.cut is Cut.TIME:
        raise InputError(
            "recordedAt: the series could not be read within the request's time budget of "
            f"{services.request_timeout:g} s; {narrow}"
        )
    return list(series.buckets)
