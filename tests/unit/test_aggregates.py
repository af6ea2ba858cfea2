"""gql/history/aggregates.py: time windows, stats and buckets, against exact values."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from fractions import Fraction

import pytest

from gql.history.aggregates import (
    Buckets,
    FieldFigures,
    TimeWindow,
    bucket_count,
    epoch_seconds,
    instant_of,
    instant_seconds,
    series,
    summarize,
)
from gql.models import Reading, ReadingInfo, ReadingKey


def reading(datacount: int, timestamp: str = "100", **temperatures: str) -> Reading:
    info = ReadingInfo(timestamp, **{k: Decimal(v) for k, v in temperatures.items()})
    return Reading("d", datacount, info)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1612519200", Decimal(1612519200)),
        (" 1612519200 ", Decimal(1612519200)),
        ("1612519200.25", Decimal("1612519200.25")),
        ("-5", Decimal(-5)),
        ("1e3", Decimal(1000)),
        ("", None),
        ("yesterday", None),
        ("NaN", None),
        ("Infinity", None),
        ("2021-02-05T10:00:00Z", None),
    ],
)
def test_epoch_seconds_reads_numbers_only(text: str, expected: Decimal | None) -> None:
    assert epoch_seconds(text) == expected


def test_instant_seconds_is_exact_to_the_microsecond() -> None:
    moment = datetime(2021, 2, 5, 10, 0, 0, 123456, tzinfo=UTC)

    assert instant_seconds(moment) == Decimal("1612519200.123456")


def test_instant_seconds_honours_the_offset_and_reads_naive_as_utc() -> None:
    plus_two = datetime(2021, 2, 5, 12, 0, tzinfo=timezone(timedelta(hours=2)))

    assert instant_seconds(plus_two) == Decimal(1612519200)
    assert instant_seconds(datetime(2021, 2, 5, 10, 0)) == Decimal(1612519200)


def test_instant_of_turns_epoch_seconds_back_into_a_utc_datetime() -> None:
    assert instant_of(Decimal("1612519200.5")) == datetime(2021, 2, 5, 10, 0, 0, 500000, tzinfo=UTC)
    assert instant_of(Decimal("-0.25")) == datetime(1969, 12, 31, 23, 59, 59, 750000, tzinfo=UTC)


def test_window_is_half_open() -> None:
    window = TimeWindow(Decimal(100), Decimal(200))

    assert window.holds(reading(1, "100"))
    assert window.holds(reading(2, "199.999999"))
    assert not window.holds(reading(3, "200"))
    assert not window.holds(reading(4, "99.9"))


def test_window_bounds_are_optional_but_a_non_numeric_timestamp_is_never_inside() -> None:
    assert TimeWindow(None, Decimal(200)).holds(reading(1, "-1e9"))
    assert TimeWindow(Decimal(100), None).holds(reading(1, "1e10"))
    assert not TimeWindow().holds(reading(1, "soon"))
    assert TimeWindow().holds(reading(1, "0"))


def test_a_number_past_what_a_datetime_names_is_not_a_time_and_in_no_window() -> None:
    # Its recordedAt is null (year 33658), so it is treated as a timestamp that is not a number:
    # the time index and the rollups hold times only (round 3).
    assert not TimeWindow(Decimal(100), None).holds(reading(1, "1e12"))
    assert not TimeWindow().holds(reading(1, "-1e12"))


def test_summarize_counts_each_temperature_on_its_own() -> None:
    figures = summarize(
        [
            reading(5, temperature1="23.74", temperature2="10"),
            reading(2, temperature1="-1.5"),
            reading(9, temperature1="0.1"),
        ]
    )

    assert figures.count == 3
    assert (figures.first, figures.last) == (ReadingKey("d", 2), ReadingKey("d", 9))
    assert figures.of("temperature1") == FieldFigures(
        3, Decimal("-1.5"), Decimal("23.74"), Decimal("22.34")
    )
    assert figures.of("temperature2") == FieldFigures(1, Decimal(10), Decimal(10), Decimal(10))
    assert figures.of("temperature3") == FieldFigures()
    assert figures.of("temperature3").average is None


def test_average_is_the_exact_quotient() -> None:
    figures = summarize([reading(n, temperature1=v) for n, v in enumerate(["0.1", "0.2", "0.4"])])

    assert figures.of("temperature1").average == Fraction(7, 30)
    assert float(figures.of("temperature1").average or 0) == 7 / 30


def test_sums_keep_every_digit() -> None:
    # 38 significant digits each: a float, or Decimal's default 28 digits, would round.
    values = ["12345678901234567890.123456789012345678", "0.000000000000000001"]
    figures = summarize([reading(n, temperature1=v) for n, v in enumerate(values)])

    assert figures.of("temperature1").total == Decimal("12345678901234567890.123456789012345679")


def test_sums_too_wide_for_decimal_go_on_exactly() -> None:
    values = ["1e200", "1e-200", "-1e200"]
    figures = summarize([reading(n, temperature1=v) for n, v in enumerate(values)])

    assert Fraction(figures.of("temperature1").total) == Fraction(1, 10**200)


def test_empty_summary() -> None:
    figures = summarize([])

    assert (figures.count, figures.first, figures.last) == (0, None, None)


@pytest.mark.parametrize(
    ("start", "end", "seconds", "expected"),
    [
        ("0", "60", 60, 1),
        ("0", "61", 60, 2),
        ("0", "3600", 60, 60),
        ("0.5", "60.5", 60, 1),
        ("0", "0.000001", 3600, 1),
        ("0", "86400", 1, 86400),
    ],
)
def test_bucket_count_covers_the_window(start: str, end: str, seconds: int, expected: int) -> None:
    assert bucket_count(Decimal(start), Decimal(end), seconds) == expected


def test_buckets_at_the_window_edges() -> None:
    readings = [
        reading(1, "100", temperature1="1"),  # exactly at from: bucket 0
        reading(2, "159.999", temperature1="2"),  # last instant of bucket 0
        reading(3, "160", temperature1="3"),  # exactly on a boundary: bucket 1
        reading(4, "260", temperature1="4"),  # exactly at to: outside
        reading(5, "99", temperature1="5"),  # before from: outside
        reading(6, "not a time", temperature1="6"),
        reading(7, "250", temperature1="7"),  # bucket 2, which is cut short by `to`
    ]

    buckets = series(readings, Decimal(100), Decimal(260), 60)

    assert [(b.start, b.figures.count) for b in buckets] == [
        (Decimal(100), 2),
        (Decimal(160), 1),
        (Decimal(220), 1),
    ]
    assert buckets[0].figures.of("temperature1") == FieldFigures(
        2, Decimal(1), Decimal(2), Decimal(3)
    )
    assert buckets[2].figures.last == ReadingKey("d", 7)


def test_empty_buckets_are_left_out_and_the_rest_are_oldest_first() -> None:
    readings = [reading(1, "1000"), reading(2, "10"), reading(3, "12")]

    buckets = series(readings, Decimal(0), Decimal(3600), 10)

    assert [(b.start, b.figures.count) for b in buckets] == [
        (Decimal(10), 2),
        (Decimal(1000), 1),
    ]


def test_bucket_add_says_whether_the_reading_was_counted() -> None:
    buckets = Buckets(Decimal(0), Decimal(10), 5)

    assert buckets.add(reading(1, "9.5"))
    assert not buckets.add(reading(2, "10"))
    assert not buckets.add(reading(3, "x"))


def test_buckets_refuse_a_length_below_one_second() -> None:
    with pytest.raises(ValueError, match="at least one second"):
        Buckets(Decimal(0), Decimal(10), 0)
