"""UTC-aligned periods and the cover of a window by them (gql/history/periods.py)."""

from __future__ import annotations

import itertools
import random
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from gql.history import (
    LEVELS,
    MAX_TIME,
    MIN_TIME,
    Level,
    Period,
    children,
    cover,
    floor,
    following,
    period_of,
    recorded_seconds,
)


def at(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp())


@pytest.mark.parametrize(
    ("level", "instant", "start", "after"),
    [
        (Level.FIVE_MINUTES, "2021-02-05T10:07:59", "2021-02-05T10:05:00", "2021-02-05T10:10:00"),
        (Level.HOUR, "2021-02-05T10:59:59", "2021-02-05T10:00:00", "2021-02-05T11:00:00"),
        (Level.DAY, "2021-02-05T23:59:59", "2021-02-05T00:00:00", "2021-02-06T00:00:00"),
        (Level.MONTH, "2024-02-29T12:00:00", "2024-02-01T00:00:00", "2024-03-01T00:00:00"),
        (Level.MONTH, "2021-12-31T23:59:59", "2021-12-01T00:00:00", "2022-01-01T00:00:00"),
        (Level.YEAR, "2021-07-01T00:00:00", "2021-01-01T00:00:00", "2022-01-01T00:00:00"),
        (Level.DAY, "1969-12-31T23:00:00", "1969-12-31T00:00:00", "1970-01-01T00:00:00"),
        (Level.MONTH, "1900-02-14T00:00:00", "1900-02-01T00:00:00", "1900-03-01T00:00:00"),
    ],
)
def test_a_period_is_utc_aligned_and_calendar_months_and_years_are_calendar_ones(
    level: Level, instant: str, start: str, after: str
) -> None:
    assert floor(level, at(instant)) == at(start)
    assert following(level, at(start)) == at(after)


def test_a_fractional_instant_belongs_to_the_period_it_falls_in() -> None:
    assert floor(Level.FIVE_MINUTES, Decimal("299.999")) == 0
    assert floor(Level.FIVE_MINUTES, Decimal("-0.5")) == -300


def test_each_level_is_made_of_whole_periods_of_the_level_below() -> None:
    year = period_of(Level.YEAR, at("2024-06-01T00:00:00"))
    months = children(year)
    assert len(months) == 12
    assert [len(children(m)) for m in months[:3]] == [31, 29, 31]
    day = children(months[1])[0]
    assert len(children(day)) == 24
    assert len(children(children(day)[0])) == 12
    assert Period(Level.FIVE_MINUTES, at("2024-02-01T00:55:00")).parent == Period(
        Level.HOUR, at("2024-02-01T00:00:00")
    )


def test_only_instants_a_datetime_can_name_are_times() -> None:
    assert recorded_seconds("1612519200") == Decimal(1612519200)
    assert recorded_seconds(" 1612519200.25 ") == Decimal("1612519200.25")
    assert recorded_seconds(str(MIN_TIME)) == MIN_TIME
    assert recorded_seconds(str(MIN_TIME - 1)) is None
    assert recorded_seconds(str(MAX_TIME)) is None
    assert recorded_seconds("1e20") is None
    assert recorded_seconds("soon") is None
    assert following(Level.YEAR, floor(Level.YEAR, MAX_TIME - 1)) == MAX_TIME


def test_a_window_on_whole_days_is_covered_by_days_and_a_month() -> None:
    start, end = at("2021-01-30T00:00:00"), at("2021-03-02T00:00:00")

    found = cover(Decimal(start), Decimal(end))

    assert found.spans == ()
    levels = [p.level for p in found.periods]
    assert levels == [Level.DAY, Level.DAY, Level.MONTH, Level.DAY]
    assert found.periods[2] == Period(Level.MONTH, at("2021-02-01T00:00:00"))


def test_the_edges_that_are_not_whole_5_minute_periods_are_spans() -> None:
    start, end = Decimal(at("2021-02-05T10:03:30")), Decimal(at("2021-02-05T12:11:00")) + 1

    found = cover(start, end)

    assert found.spans == (
        (start, Decimal(at("2021-02-05T10:05:00"))),
        (Decimal(at("2021-02-05T12:10:00")), end),
    )
    assert [p.level for p in found.periods] == [Level.FIVE_MINUTES] * 11 + [
        Level.HOUR,
        Level.FIVE_MINUTES,
        Level.FIVE_MINUTES,
    ]


@pytest.mark.parametrize(
    ("start", "end", "spans"),
    [
        (10, 20, [(10, 20)]),
        (10, 310, [(10, 300), (300, 310)]),
        (0, 300, []),
        (5, 300, [(5, 300)]),
    ],
)
def test_a_window_inside_one_or_two_5_minute_periods_is_all_spans(
    start: int, end: int, spans: list[tuple[int, int]]
) -> None:
    found = cover(Decimal(start), Decimal(end))

    assert found.spans == tuple((Decimal(a), Decimal(b)) for a, b in spans)
    assert len(found.periods) == (1 if (start, end) == (0, 300) else 0)


def test_random_windows_are_partitioned_exactly_by_their_cover() -> None:
    rng = random.Random(16)
    base = at("2019-11-20T00:00:00")
    for _ in range(300):
        start = Decimal(base + rng.randrange(0, 3 * 366 * 86400)) + Decimal(rng.randrange(4)) / 4
        end = start + Decimal(rng.choice([1, 299, 300, 3601, 86400, 40 * 86400, 500 * 86400]))
        end += Decimal(rng.randrange(0, 100_000))
        found = cover(start, end)
        pieces = sorted(
            [(Decimal(p.start), Decimal(p.end)) for p in found.periods] + list(found.spans)
        )
        assert pieces[0][0] == start
        assert pieces[-1][1] == end
        assert all(a[1] == b[0] for a, b in itertools.pairwise(pieces))
        for a, b in found.spans:
            assert floor(Level.FIVE_MINUTES, a) == floor(Level.FIVE_MINUTES, b - Decimal("1e-9"))
        # Coarsest first: no run of periods could be replaced by their parent.
        whole = set(found.periods)
        for p in found.periods:
            parent = p.parent
            if parent is not None and parent.start >= start and parent.end <= end:
                assert not set(children(parent)) <= whole, (start, end, parent)


def test_windows_beyond_the_times_are_clamped() -> None:
    found = cover(Decimal(MIN_TIME - 10**6), Decimal(MAX_TIME + 10**6))

    assert found.spans == ()
    assert {p.level for p in found.periods} == {Level.YEAR}
    assert len(found.periods) == 9999
    assert cover(Decimal(MAX_TIME), Decimal(MAX_TIME + 5)).periods == ()


def test_levels_run_from_the_finest_to_the_coarsest() -> None:
    assert [level.value for level in LEVELS] == ["5m", "1h", "1d", "1M", "1y"]
    assert Level.FIVE_MINUTES.child is None
    assert Level.YEAR.parent is None
