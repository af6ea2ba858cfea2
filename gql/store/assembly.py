"""Device.stats and Device.series assembled from rollups, plus raw reads at the edges.

A window is clamped to the device's first and last time (its registry entry), then covered by
whole periods and spans (gql/history/periods.py): whole periods are read as rollups, each level
in runs of periods (a run is one Query), and each 5-minute period that a span cuts is read once
through the time index, its readings placed by their exact timestamps. So a query costs what
its window and buckets cost, not what the device holds. Without a window, stats is the
registry entry itself: one item.

Every item read, rollup or reading, counts against the read budget; the walk stops between
requests when it is spent, or when the request's time is nearly up (Cut).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

from gql.history import (
    FINEST,
    Bucket,
    Buckets,
    Level,
    Period,
    Rollup,
    TimeWindow,
    combine,
    cover,
    floor,
    recorded_seconds,
    rollup_of,
)
from gql.models import Reading
from gql.store.client import DynamoDB
from gql.store.codec import from_item
from gql.store.expressions import Expressions
from gql.store.history import Cut, Series, Stats
from gql.store.historytable import HistoryTable
from gql.store.parallel import Job, run_jobs
from gql.store.rolluptable import runs
from gql.store.windows import index_params

# Buckets shorter than the finest period are read raw: the window through the index at once.
RAW_BELOW_SECONDS = 300
MAX_RUNS = 16  # Queries per level of rollups, and of raw readings, in one assembly


class _Spent(Exception):
    def __init__(self, cut: Cut) -> None:
        self.cut = cut


@dataclass
class _Reads:
    """The budget of one query, in items and in time."""

    budget: int
    deadline: float
    clock: Callable[[], float]
    items: int = 0

    def next_limit(self) -> int:
        """The Limit of the next request: what is left of the budget, and one more to tell
        whether anything is left beyond it; _Spent when no request may be made."""
        if self.items >= self.budget:
            raise _Spent(Cut.BUDGET)
        if self.clock() >= self.deadline:
            raise _Spent(Cut.TIME)
        return self.budget - self.items + 1

    def share(self, jobs: int) -> int:
        """The Limit of each of `jobs` requests made at once: together no more than what is
        left of the budget (and one more each)."""
        whole = self.next_limit() - 1
        return whole // jobs + 1


def _add_rollups(
    parts: _Parts, reads: _Reads, page: list[tuple[Period, Rollup]], held: Mapping[Period, Rollup]
) -> None:
    reads.items += len(page)
    # A run may read the stale item of a period the registry entry holds: the entry wins.
    parts.rollups.update((period, rollup) for period, rollup in page if period not in held)


def _add_readings(parts: _Parts, reads: _Reads, page: tuple[int, list[Reading]]) -> None:
    scanned, readings = page
    reads.items += scanned
    for reading in readings:
        seconds = recorded_seconds(reading.info.info_timestamp)
        assert seconds is not None
        parts.readings.setdefault(floor(FINEST, seconds), []).append(reading)


@dataclass
class _Parts:
    """What has been read: rollups by period, readings by 5-minute period."""

    rollups: dict[Period, Rollup] = field(default_factory=dict)
    readings: dict[int, list[Reading]] = field(default_factory=dict)

    def span(self, start: Decimal, end: Decimal) -> Rollup:
        five = floor(FINEST, start)
        return rollup_of(
            r
            for r in self.readings.get(five, [])
            if (s := recorded_seconds(r.info.info_timestamp)) is not None and start <= s < end
        )

    def whole(self, periods: Iterable[Period]) -> Rollup:
        return combine(self.rollups.get(p, Rollup()) for p in periods)


class Assembly:
    def __init__(
        self,
        readings: DynamoDB,
        history: HistoryTable,
        *,
        budget: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.readings = readings
        self.history = history
        self.budget = budget
        self._clock = clock

    def stats(self, device_id: str, window: TimeWindow | None, *, deadline: float) -> Stats:
        entry = self.history.entries([device_id], with_open=True).get(device_id)
        if entry is None:
            return Stats(Rollup().figures(device_id), None)
        if window is None:
            return Stats(entry.total.figures(device_id), None)
        clamped = _clamp(window.start, window.end, entry.total)
        if clamped is None:
            return Stats(Rollup().figures(device_id), None)
        start, end = clamped
        parts = _Parts()
        reads = _Reads(self.budget, deadline, self._clock, items=1)  # the registry entry
        found = cover(start, end)
        try:
            self._read(device_id, entry.open, found.periods, found.spans, parts, reads)
        except _Spent as spent:
            rollup = combine(
                [parts.whole(found.periods), *(parts.span(a, b) for a, b in found.spans)]
            )
            return Stats(rollup.figures(device_id), spent.cut)
        rollup = combine([parts.whole(found.periods), *(parts.span(a, b) for a, b in found.spans)])
        return Stats(rollup.figures(device_id), None)

    def series(
        self, device_id: str, start: Decimal, end: Decimal, seconds: int, *, deadline: float
    ) -> Series:
        entry = self.history.entries([device_id], with_open=True).get(device_id)
        clamped = _clamp(start, end, entry.total) if entry is not None else None
        if entry is None or clamped is None:
            return Series([], None)
        low, high = clamped
        reads = _Reads(self.budget, deadline, self._clock, items=1)  # the registry entry
        if seconds < RAW_BELOW_SECONDS:
            return self._raw_series(device_id, start, end, seconds, low, high, reads)
        first = math.floor(Fraction(low - start) / seconds)
        last = math.ceil(Fraction(high - start) / seconds) - 1
        plans = []
        for index in range(first, last + 1):
            bucket_start = start + index * seconds
            bucket_end = min(bucket_start + seconds, end)
            plans.append((bucket_start, cover(max(bucket_start, low), min(bucket_end, high))))
        parts = _Parts()
        try:
            self._read(
                device_id,
                entry.open,
                [p for _, c in plans for p in c.periods],
                [s for _, c in plans for s in c.spans],
                parts,
                reads,
            )
        except _Spent as spent:
            return Series([], spent.cut)
        buckets = []
        for bucket_start, plan in plans:
            rollup = combine(
                [parts.whole(plan.periods), *(parts.span(a, b) for a, b in plan.spans)]
            )
            if rollup.count:
                buckets.append(Bucket(bucket_start, rollup.figures(device_id)))
        return Series(buckets, None)

    # -- reading ---------------------------------------------------------------------------

    def _read(
        self,
        device_id: str,
        held: Mapping[Period, Rollup],
        periods: Iterable[Period],
        spans: Iterable[tuple[Decimal, Decimal]],
        parts: _Parts,
        reads: _Reads,
    ) -> None:
        """Every rollup run and every cut 5-minute run, their first pages at once (parallel.py),
        the pages after those one at a time, so that the budget is never overrun. The periods
        the registry entry holds (`held`, gql/store/historycodec.py) are taken from it."""
        by_level: dict[Level, set[int]] = {}
        for period in periods:
            if period in held:
                parts.rollups[period] = held[period]
            else:
                by_level.setdefault(period.level, set()).add(period.start)
        jobs: list[Job] = []
        for level, starts in by_level.items():
            for run_start, run_end in _few_runs(level, starts):
                job = Job(reads.next_limit)
                job.start(
                    self.history.rollups(device_id, level, run_start, run_end, limit=job.limit),
                    lambda page: _add_rollups(parts, reads, page, held),
                )
                jobs.append(job)
        # The 5-minute periods cut by a span are read raw, a run of them per Query.
        for run_start, run_end in _few_runs(FINEST, {floor(FINEST, a) for a, _ in spans}):
            window = TimeWindow(Decimal(run_start), Decimal(run_end))
            job = Job(reads.next_limit)
            job.start(
                self._index_pages(device_id, window, job.limit),
                lambda page: _add_readings(parts, reads, page),
            )
            jobs.append(job)
        run_jobs(jobs, reads.share)

    def _index(self, device_id: str, window: TimeWindow, reads: _Reads) -> list[Reading]:
        found: list[Reading] = []
        for scanned, readings in self._index_pages(device_id, window, reads.next_limit):
            reads.items += scanned
            found += readings
        return found

    def _index_pages(
        self, device_id: str, window: TimeWindow, limit: Callable[[], int]
    ) -> Iterator[tuple[int, list[Reading]]]:
        """(items DynamoDB read, the readings in the window) of each page of the index."""
        ex = Expressions()
        params: dict[str, Any] = index_params(self.readings, device_id, window, ex)
        params.update(ex.request())
        while True:
            params["Limit"] = limit()
            response = self.readings.call("query", **params)
            yield (
                int(response.get("ScannedCount", 0)),
                [r for item in response.get("Items", []) if window.holds(r := from_item(item))],
            )
            if "LastEvaluatedKey" not in response:
                return
            params["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def _raw_series(
        self,
        device_id: str,
        start: Decimal,
        end: Decimal,
        seconds: int,
        low: Decimal,
        high: Decimal,
        reads: _Reads,
    ) -> Series:
        buckets = Buckets(start, end, seconds)
        try:
            for reading in self._index(device_id, TimeWindow(low, high), reads):
                buckets.add(reading)
        except _Spent as spent:
            return Series([], spent.cut)
        return Series(buckets.result(), None)


def _few_runs(level: Level, starts: set[int]) -> list[tuple[int, int]]:
    return runs(level, starts, 3, most=MAX_RUNS)


def _clamp(
    start: Decimal | None, end: Decimal | None, total: Rollup
) -> tuple[Decimal, Decimal] | None:
    """The window narrowed to the device's first and last time; None when nothing is left."""
    if total.earliest is None or total.latest is None:
        return None
    low = total.earliest if start is None else max(start, total.earliest)
    # The latest time is in the window: the bound is just past it.
    high = total.latest + 1 if end is None else min(end, total.latest + 1)
    return (low, high) if low < high else None
