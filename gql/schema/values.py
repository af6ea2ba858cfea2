"""The leaf output types: a reading's info, figures over readings, and the sort order.

No field of these leads back to a reading, so every other schema module may import them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from enum import Enum

import strawberry

from gql import models
from gql.history import Bucket, FieldFigures, instant_of

TEMPERATURES = ("temperature1", "temperature2", "temperature3", "temperature4", "temperature5")


@strawberry.enum(description="Order of readings by datacount.")
class SortOrder(Enum):
    ASC = "ASC"
    DESC = "DESC"


def _float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def moment(seconds: Decimal | float) -> datetime:
    """Epoch seconds as a DateTime, rounded to the microsecond as Reading.info.recordedAt is."""
    return datetime.fromtimestamp(float(seconds), tz=UTC)


@strawberry.type(description="The `info` map of a reading.")
class ReadingInfo:
    info_timestamp: str = strawberry.field(description='As stored, e.g. "1612519200".')
    temperature1: float | None
    temperature2: float | None
    temperature3: float | None
    temperature4: float | None
    temperature5: float | None

    @strawberry.field(description="infoTimestamp (epoch seconds) as an instant; null if not one.")
    def recorded_at(self) -> datetime | None:
        try:
            return moment(Decimal(self.info_timestamp.strip()))
        except (ArithmeticError, ValueError, OverflowError, OSError):
            return None

    @classmethod
    def of(cls, info: models.ReadingInfo) -> ReadingInfo:
        return cls(
            info_timestamp=info.info_timestamp,
            temperature1=_float(info.temperature1),
            temperature2=_float(info.temperature2),
            temperature3=_float(info.temperature3),
            temperature4=_float(info.temperature4),
            temperature5=_float(info.temperature5),
        )


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
    def of(cls, figures: FieldFigures) -> FieldStats:
        average = figures.average
        return cls(
            count=figures.count,
            min=_float(figures.min),
            max=_float(figures.max),
            avg=None if average is None else float(average),
        )


@strawberry.type(description="How current the derived history (registry, rollups, time index) is.")
class HistoryStatus:
    up_to: datetime | None = strawberry.field(
        description="Every change DynamoDB recorded up to this instant is reflected in devices, "
        "stats and series."
    )
    backlog: int = strawberry.field(
        description="Changes recorded but not yet reflected (0 when caught up)."
    )
    consuming: bool = strawberry.field(
        description="False when no consumer has reported within GQL_HISTORY_STALE_SECONDS "
        "(default 60); an idle consumer that polls and finds nothing still reports."
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
    def of(cls, bucket: Bucket) -> SeriesBucket:
        figures = bucket.figures
        return cls(
            start=instant_of(bucket.start),
            count=figures.count,
            **{name: FieldStats.of(figures.of(name)) for name in TEMPERATURES},
        )
