"""Device.stats and Device.series: the figures of a device's history, thin over the store."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import strawberry

from gql.errors import InputError
from gql.history import aggregates
from gql.models import ReadingKey
from gql.schema import inputs
from gql.schema.context import Context
from gql.schema.types import Reading
from gql.store.history import Cut, History, Stats

# The walk must end, and the answer be written, before the request's deadline: it plans to
# stop this long before it (a share of the time budget, at most MAX_HEADROOM seconds).
HEADROOM_SHARE = 0.1
MAX_HEADROOM = 0.25


def _float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


@strawberry.type(
    description="One temperature over some readings. count: the readings that have it; "
    "min, max and avg are null when count is 0. avg is the exact mean, rounded once."
)
class FieldStats:
    count: int
    min: float | None
    max: float | None
    avg: float | None

    @classmethod
    def of(cls, figures: aggregates.FieldFigures) -> FieldStats:
        average = figures.average
        return cls(
            count=figures.count,
            min=_float(figures.min),
            max=_float(figures.max),
            avg=None if average is None else float(average),
        )


@strawberry.type(description="Statistics over the readings of a device that match.")
class ReadingStats:
    count: int
    complete: bool = strawberry.field(
        description="False when the read budget ran out first: the figures then cover the "
        "readings read so far."
    )
    first_key: strawberry.Private[ReadingKey | None]
    last_key: strawberry.Private[ReadingKey | None]
    temperature1: FieldStats
    temperature2: FieldStats
    temperature3: FieldStats
    temperature4: FieldStats
    temperature5: FieldStats

    @strawberry.field(description="The matching reading with the lowest datacount.")
    async def first(self, info: strawberry.Info[Context]) -> Reading | None:
        return await _reading(info, self.first_key)

    @strawberry.field(description="The matching reading with the highest datacount.")
    async def last(self, info: strawberry.Info[Context]) -> Reading | None:
        return await _reading(info, self.last_key)

    @classmethod
    def of(cls, stats: Stats) -> ReadingStats:
        figures = stats.figures
        return cls(
            count=figures.count,
            complete=stats.complete,
            first_key=figures.first,
            last_key=figures.last,
            **{name: FieldStats.of(figures.of(name)) for name in _TEMPERATURES},
        )


@strawberry.type(description="The readings of one time bucket of a series.")
class SeriesBucket:
    start: datetime = strawberry.field(description="The bucket's lower bound (inclusive), UTC.")
    count: int
    temperature1: FieldStats
    temperature2: FieldStats
    temperature3: FieldStats
    temperature4: FieldStats
    temperature5: FieldStats

    @classmethod
    def of(cls, bucket: aggregates.Bucket) -> SeriesBucket:
        figures = bucket.figures
        return cls(
            start=aggregates.instant_of(bucket.start),
            count=figures.count,
            **{name: FieldStats.of(figures.of(name)) for name in _TEMPERATURES},
        )


_TEMPERATURES = ("temperature1", "temperature2", "temperature3", "temperature4", "temperature5")


async def _reading(info: strawberry.Info[Context], key: ReadingKey | None) -> Reading | None:
    # first and last are read whole only when asked for, both in one BatchGetItem.
    if key is None:
        return None
    found = await info.context.readings.load(key)
    return Reading.of(found) if found is not None else None


def _history(context: Context) -> History:
    return History(context.store.db, budget=context.services.history_read_budget)


def _deadline(context: Context) -> float:
    headroom = min(MAX_HEADROOM, context.services.request_timeout * HEADROOM_SHARE)
    return context.call_deadline() - headroom


async def device_stats(
    info: strawberry.Info[Context],
    device_id: str,
    datacount: inputs.DatacountCondition | None,
    recorded_at: inputs.TimeRange | None,
    filter: inputs.ReadingCondition | None,
) -> ReadingStats:
    device = inputs.device_id(device_id)
    span = inputs.to_range(datacount)
    window = inputs.to_window(recorded_at)
    condition = inputs.to_condition(filter, "filter")
    context = info.context
    stats = await context.run(
        _history(context).stats,
        device,
        deadline=_deadline(context),
        span=span,
        window=window,
        filter=condition,
    )
    return ReadingStats.of(stats)


async def device_series(
    info: strawberry.Info[Context],
    device_id: str,
    recorded_at: inputs.TimeRange,
    bucket_seconds: int,
    filter: inputs.ReadingCondition | None,
    datacount: inputs.DatacountCondition | None,
) -> list[SeriesBucket]:
    # Everything is checked, the number of buckets included, before anything is read.
    device = inputs.device_id(device_id)
    if recorded_at.from_ is None or recorded_at.to is None:
        raise InputError("recordedAt: a series needs both from and to")
    inputs.to_window(recorded_at)  # checks that from is before to
    start = aggregates.instant_seconds(recorded_at.from_)
    end = aggregates.instant_seconds(recorded_at.to)
    if bucket_seconds < 1:
        raise InputError(f"bucketSeconds: must be at least 1, got {bucket_seconds}")
    services = info.context.services
    buckets = aggregates.bucket_count(start, end, bucket_seconds)
    if buckets > services.series_max_buckets:
        raise InputError(
            f"bucketSeconds: recordedAt would make {buckets} buckets of {bucket_seconds} s; "
            f"a series has at most {services.series_max_buckets} buckets"
        )
    span = inputs.to_range(datacount)
    condition = inputs.to_condition(filter, "filter")
    context = info.context
    series = await context.run(
        _history(context).series,
        device,
        deadline=_deadline(context),
        start=start,
        end=end,
        seconds=bucket_seconds,
        span=span,
        filter=condition,
    )
    if series.cut is Cut.BUDGET:
        raise InputError(
            f"recordedAt: the series would read more than {services.history_read_budget} "
            "readings, the history read budget; narrow it with datacount"
        )
    if series.cut is Cut.TIME:
        raise InputError(
            "recordedAt: the series could not be read within the request's time budget of "
            f"{services.request_timeout:g} s; narrow it with datacount"
        )
    return [SeriesBucket.of(bucket) for bucket in series.buckets]
