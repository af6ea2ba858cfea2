"""History, pure: time windows, per-temperature figures and buckets. No I/O, no clock.

aggregates.py  exact (Decimal) tallies of readings, time windows and series buckets
"""

from gql.history.aggregates import (
    Bucket,
    Buckets,
    FieldFigures,
    Figures,
    Tally,
    TimeWindow,
    bucket_count,
    instant_of,
    instant_seconds,
)

__all__ = [
    "Bucket",
    "Buckets",
    "FieldFigures",
    "Figures",
    "Tally",
    "TimeWindow",
    "bucket_count",
    "instant_of",
    "instant_seconds",
]
