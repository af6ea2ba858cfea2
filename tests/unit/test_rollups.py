"""Rollups of readings and their exact combination (gql/history/rollups.py)."""

from __future__ import annotations

import random
from decimal import Decimal

from gql.history import FieldFigures, Rollup, combine, rollup_of
from gql.models import Reading, ReadingInfo, ReadingKey


def reading(datacount: int, timestamp: str, **temperatures: str) -> Reading:
    info = ReadingInfo(timestamp, **{k: Decimal(v) for k, v in temperatures.items()})
    return Reading("d", datacount, info)


def test_a_rollup_holds_counts_extremes_exact_sums_and_the_key_and_time_range() -> None:
    readings = [
        reading(7, "1612519260", temperature1="23.74", temperature2="1"),
        reading(3, "1612519200.5", temperature1="-0.26"),
        reading(9, "not a time", temperature1="0.1"),
    ]

    rollup = rollup_of(readings)

    assert rollup.count == 3
    assert (rollup.lowest, rollup.highest) == (3, 9)
    assert (rollup.earliest, rollup.latest) == (Decimal("1612519200.5"), Decimal(1612519260))
    assert rollup.of("temperature1") == FieldFigures(
        3, Decimal("-0.26"), Decimal("23.74"), Decimal("23.58")
    )
    assert rollup.of("temperature2") == FieldFigures(1, Decimal(1), Decimal(1), Decimal(1))
    assert rollup.of("temperature5") == FieldFigures()
    figures = rollup.figures("d")
    assert (figures.first, figures.last) == (ReadingKey("d", 3), ReadingKey("d", 9))


def test_no_readings_make_an_empty_rollup_without_times() -> None:
    assert rollup_of([]) == Rollup()
    assert rollup_of([reading(1, "soon")]).earliest is None


def test_combining_rollups_of_parts_gives_the_rollup_of_the_whole() -> None:
    rng = random.Random(3)
    readings = [
        reading(
            n,
            str(1_600_000_000 + rng.randrange(10**6)) if rng.random() > 0.1 else "n/a",
            **{
                f"temperature{k}": str(Decimal(rng.randrange(-5000, 5000)) / 100)
                for k in range(1, 6)
                if rng.random() > 0.2
            },
        )
        for n in range(400)
    ]
    rng.shuffle(readings)
    cuts = sorted(rng.sample(range(1, 400), 9))
    parts = [readings[a:b] for a, b in zip([0, *cuts], [*cuts, 400], strict=True)]

    assert combine(rollup_of(p) for p in parts) == rollup_of(readings)


def test_combining_keeps_digits_a_float_would_lose() -> None:
    big = reading(1, "1", temperature1="12345678901234567890123456789012345678")
    small = reading(2, "2", temperature1="0.00000000000000000000000000000000000001")

    total = combine([rollup_of([big]), rollup_of([small]), Rollup()]).of("temperature1").total

    assert total == Decimal(
        "12345678901234567890123456789012345678.00000000000000000000000000000000000001"
    )
