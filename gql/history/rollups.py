"""Rollups: the figures of some readings, kept so that they can be combined exactly. Pure.

A rollup holds what stats and series report (count, and per temperature count, min, max and the
exact sum) plus what combining and the registry need: the lowest and highest datacount (stats'
first and last) and the earliest and latest time (a device's first and last recordedAt).
Combining rollups of disjoint sets of readings gives exactly the rollup of their union.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import TypeVar

from gql.history.aggregates import FieldFigures, Figures, Tally, exact_sum, recorded_seconds
from gql.models import TEMPERATURES, Reading, ReadingKey

T = TypeVar("T", int, Decimal)
_NO_FIELDS = tuple(FieldFigures() for _ in TEMPERATURES)


@dataclass(frozen=True, slots=True)
class Rollup:
    count: int = 0
    lowest: int | None = None  # datacount
    highest: int | None = None
    earliest: Decimal | None = None  # epoch seconds; None when no reading has a time
    latest: Decimal | None = None
    fields: tuple[FieldFigures, ...] = field(default=_NO_FIELDS)  # in TEMPERATURES order

    def of(self, name: str) -> FieldFigures:
        return self.fields[TEMPERATURES.index(name)]

    def figures(self, device_id: str) -> Figures:
        """As stats report it: first and last are the keys of the lowest and highest datacount."""
        first = None if self.lowest is None else ReadingKey(device_id, self.lowest)
        last = None if self.highest is None else ReadingKey(device_id, self.highest)
        return Figures(self.count, first, last, dict(zip(TEMPERATURES, self.fields, strict=True)))


def rollup_of(readings: Iterable[Reading]) -> Rollup:
    tally = Tally()
    times: list[Decimal] = []
    for reading in readings:
        tally.add(reading)
        seconds = recorded_seconds(reading.info.info_timestamp)
        if seconds is not None:
            times.append(seconds)
    figures = tally.figures()
    if not figures.count:
        return Rollup()
    assert figures.first is not None
    assert figures.last is not None
    return Rollup(
        count=figures.count,
        lowest=figures.first.datacount,
        highest=figures.last.datacount,
        earliest=min(times) if times else None,
        latest=max(times) if times else None,
        fields=tuple(figures.of(name) for name in TEMPERATURES),
    )


def combine(rollups: Iterable[Rollup]) -> Rollup:
    """The rollup of the union of the (disjoint) readings behind `rollups`."""
    parts = [r for r in rollups if r.count]
    if not parts:
        return Rollup()
    return Rollup(
        count=sum(r.count for r in parts),
        lowest=_least(r.lowest for r in parts),
        highest=_most(r.highest for r in parts),
        earliest=_least(r.earliest for r in parts),
        latest=_most(r.latest for r in parts),
        fields=tuple(
            _combine_field([r.fields[i] for r in parts]) for i in range(len(TEMPERATURES))
        ),
    )


def _combine_field(parts: list[FieldFigures]) -> FieldFigures:
    counted = [p for p in parts if p.count]
    if not counted:
        return FieldFigures()
    total: Decimal | Fraction = Decimal(0)
    for part in counted:
        total = exact_sum(total, part.total)
    return FieldFigures(
        count=sum(p.count for p in counted),
        min=_least(p.min for p in counted),
        max=_most(p.max for p in counted),
        total=total,
    )


def _least(values: Iterable[T | None]) -> T | None:
    present = [v for v in values if v is not None]
    return min(present) if present else None


def _most(values: Iterable[T | None]) -> T | None:
    present = [v for v in values if v is not None]
    return max(present) if present else None
