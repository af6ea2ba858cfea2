"""History, pure: time windows, per-temperature figures, periods and rollups. No I/O, no clock.

aggregates.py  exact (Decimal) tallies of readings, time windows and series buckets
periods.py     UTC-aligned periods (5 minutes to a year) and the cover of a window by them
rollups.py     the figures of some readings, combined exactly
"""

from gql.history.aggregates import (
    MAX_TIME,
    MIN_TIME,
    Bucket,
    Buckets,
    FieldFigures,
    Figures,
    Tally,
    TimeWindow,
    bucket_count,
    exact_sum,
    instant_of,
    instant_seconds,
    recorded_seconds,
)
from gql.history.periods import (
    FINEST,
    LEVELS,
    Cover,
    Level,
    Period,
    children,
    cover,
    floor,
    following,
    period_of,
    periods_between,
)
from gql.history.rollups import Rollup, combine, rollup_of

__all__ = [
    "FINEST",
    "LEVELS",
    "MAX_TIME",
    "MIN_TIME",
    "Bucket",
    "Buckets",
    "Cover",
    "FieldFigures",
    "Figures",
    "Level",
    "Period",
    "Rollup",
    "Tally",
    "TimeWindow",
    "bucket_count",
    "children",
    "combine",
    "cover",
    "exact_sum",
    "floor",
    "following",
    "instant_of",
    "instant_seconds",
    "period_of",
    "periods_between",
    "recorded_seconds",
    "rollup_of",
]
