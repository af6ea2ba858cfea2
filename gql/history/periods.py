"""UTC-aligned periods of time, and how a time window is covered by them. Pure.

Rollups are kept per 5 minutes, hour, day, calendar month and calendar year, all in UTC; a
period of each level is the union of whole periods of the level below. A window [start, end)
is covered by the coarsest whole periods that fit in it, finer ones towards its edges, and at
each edge the part of a 5-minute period that is not whole: a span read as raw readings.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from enum import Enum

from gql.history.aggregates import EPOCH, MAX_TIME, MIN_TIME


class Level(Enum):
    """A kind of period; the value names it in stored keys."""

    FIVE_MINUTES = "5m"
    HOUR = "1h"
    DAY = "1d"
    MONTH = "1M"
    YEAR = "1y"

    @property
    def parent(self) -> Level | None:
        index = LEVELS.index(self)
        return LEVELS[index + 1] if index + 1 < len(LEVELS) else None

    @property
    def child(self) -> Level | None:
        index = LEVELS.index(self)
        return LEVELS[index - 1] if index > 0 else None


LEVELS = (Level.FIVE_MINUTES, Level.HOUR, Level.DAY, Level.MONTH, Level.YEAR)  # finest first
FINEST = Level.FIVE_MINUTES
_FIXED = {Level.FIVE_MINUTES: 300, Level.HOUR: 3600, Level.DAY: 86_400}


@dataclass(frozen=True, slots=True, order=True)
class Period:
    level: Level
    start: int  # epoch seconds of its first instant

    @property
    def end(self) -> int:
        return following(self.level, self.start)

    @property
    def parent(self) -> Period | None:
        level = self.level.parent
        return None if level is None else period_of(level, self.start)


def floor(level: Level, seconds: Decimal | int) -> int:
    """The start of the period of `level` that holds the instant."""
    whole = int(Decimal(seconds).to_integral_value(rounding=ROUND_FLOOR))
    size = _FIXED.get(level)
    if size is not None:
        return whole - whole % size
    if whole >= MAX_TIME:  # year 10000 is past what datetime holds; it starts a year anyway
        return MAX_TIME
    moment = EPOCH + timedelta(seconds=whole)
    moment = moment.replace(day=1, hour=0, minute=0, second=0)
    if level is Level.YEAR:
        moment = moment.replace(month=1)
    return _seconds(moment)


def following(level: Level, start: int) -> int:
    """The start of the period after the one that starts at `start`."""
    size = _FIXED.get(level)
    if size is not None:
        return start + size
    moment = EPOCH + timedelta(seconds=start)
    year, month = moment.year, moment.month
    if level is Level.YEAR:
        year += 1
    else:
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    if year > 9999:
        return MAX_TIME
    return _seconds(moment.replace(year=year, month=month))


def period_of(level: Level, seconds: Decimal | int) -> Period:
    return Period(level, floor(level, seconds))


def periods_between(level: Level, start: int, end: int) -> list[Period]:
    """The periods of `level` from the one that starts at `start` up to `end` (excluded)."""
    found = []
    while start < end:
        found.append(Period(level, start))
        start = following(level, start)
    return found


def children(period: Period) -> list[Period]:
    """The periods of the level below that make up `period`."""
    child = period.level.child
    assert child is not None, "a 5-minute period has no children"
    return periods_between(child, period.start, period.end)


@dataclass(frozen=True)
class Cover:
    """A window as whole periods plus spans [a, b) that each lie inside one 5-minute period."""

    periods: tuple[Period, ...] = ()
    spans: tuple[tuple[Decimal, Decimal], ...] = ()


def cover(start: Decimal, end: Decimal) -> Cover:
    """The coarsest whole periods in [start, end), and the edges that are not whole."""
    start, end = max(start, Decimal(MIN_TIME)), min(end, Decimal(MAX_TIME))
    if start >= end:
        return Cover()
    first = _ceiling(FINEST, start)
    last = floor(FINEST, end)
    if first >= last:  # no whole 5-minute period: the window is one or two partial ones
        if first > last:
            return Cover(spans=((start, end),))
        edges = ((start, Decimal(first)), (Decimal(first), end))
        return Cover(spans=tuple((a, b) for a, b in edges if a < b))
    spans = []
    if start < first:
        spans.append((start, Decimal(first)))
    if last < end:
        spans.append((Decimal(last), end))
    return Cover(tuple(_whole(first, last, len(LEVELS) - 1)), tuple(spans))


def _whole(start: int, end: int, index: int) -> list[Period]:
    # start and end are 5-minute boundaries; the coarsest level with a whole period in
    # [start, end) takes the middle, and the edges go to finer levels.
    if start >= end:
        return []
    for at in range(index, -1, -1):
        level = LEVELS[at]
        first, last = _ceiling(level, start), floor(level, end)
        if first < last:
            return [
                *_whole(start, first, at - 1),
                *periods_between(level, first, last),
                *_whole(last, end, at - 1),
            ]
    raise AssertionError("5-minute boundaries always hold a whole 5-minute period")


def _ceiling(level: Level, seconds: Decimal | int) -> int:
    """The first period start of `level` at or after the instant."""
    whole = int(Decimal(seconds).to_integral_value(rounding=ROUND_CEILING))
    start = floor(level, whole)
    return start if start == whole else following(level, start)


def _seconds(moment: datetime) -> int:
    delta = moment - EPOCH
    return delta.days * 86_400 + delta.seconds
