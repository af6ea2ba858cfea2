"""Time windows and the figures of a device's history (stats, chart buckets). Pure.

Timestamps are compared as exact numbers: `info_timestamp` is read as a Decimal of epoch
seconds, window bounds are turned into Decimals without going through a float, and bucket
indexes are computed with Fractions, so a reading exactly on a bound or a bucket edge always
lands on the same side. Sums are exact (Decimal; Fraction in the rare case a sum needs more
digits than SUM_DIGITS), and an average is the exact quotient, rounded once when it becomes a
float for the client.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Context, Decimal, Inexact, InvalidOperation
from fractions import Fraction

from gql.models import TEMPERATURES, Reading, ReadingKey

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
SUM_DIGITS = 400  # plenty for 38-digit temperatures; beyond it a sum goes on as a Fraction
_EXACT = Context(prec=SUM_DIGITS, Emin=-999_999, Emax=999_999, traps=[Inexact, InvalidOperation])


def epoch_seconds(timestamp: str) -> Decimal | None:
    """A stored infoTimestamp as epoch seconds; None when it is not a finite number."""
    try:
        seconds = Decimal(timestamp.strip())
    except (InvalidOperation, ValueError):
        return None
    return seconds if seconds.is_finite() else None


# Only instants a GraphQL DateTime can name (years 1 to 9999) are times: a timestamp beyond
# them has no recordedAt, so it is in no window, as a timestamp that is not a number.
MIN_TIME = -62_135_596_800  # 0001-01-01T00:00:00Z
MAX_TIME = 253_402_300_800  # 10000-01-01T00:00:00Z, the first instant that is not a time


def recorded_seconds(timestamp: str) -> Decimal | None:
    """A stored infoTimestamp as a time (epoch seconds); None when it is not one."""
    seconds = epoch_seconds(timestamp)
    if seconds is None or not MIN_TIME <= seconds < MAX_TIME:
        return None
    return seconds


def instant_seconds(moment: datetime) -> Decimal:
    """A datetime as exact epoch seconds (microseconds included); naive means UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    delta = moment - EPOCH
    return Decimal(delta.days * 86_400 + delta.seconds) + Decimal(delta.microseconds).scaleb(-6)


def instant_of(seconds: Decimal) -> datetime:
    """Epoch seconds (with at most microsecond precision) as a UTC datetime."""
    whole = int(seconds.to_integral_value(rounding="ROUND_FLOOR"))
    micros = int((seconds - whole).scaleb(6))
    return EPOCH + timedelta(seconds=whole, microseconds=micros)


@dataclass(frozen=True, slots=True)
class TimeWindow:
    """[start, end) in epoch seconds; either bound may be open."""

    start: Decimal | None = None
    end: Decimal | None = None

    def holds(self, reading: Reading) -> bool:
        """Whether the reading was recorded in the window; one without a time never is."""
        seconds = recorded_seconds(reading.info.info_timestamp)
        return seconds is not None and self.contains(seconds)

    def contains(self, seconds: Decimal) -> bool:
        if self.start is not None and seconds < self.start:
            return False
        return self.end is None or seconds < self.end


def exact_sum(total: Decimal | Fraction, value: Decimal | Fraction) -> Decimal | Fraction:
    """total + value, exactly: a Decimal while SUM_DIGITS suffice, else a Fraction."""
    if isinstance(total, Decimal) and isinstance(value, Decimal):
        try:
            return _EXACT.add(total, value)
        except (Inexact, InvalidOperation):
            pass
    return Fraction(total) + Fraction(value)


# -- figures ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FieldFigures:
    """count, min, max and the exact sum of one temperature over some readings."""

    count: int = 0
    min: Decimal | None = None
    max: Decimal | None = None
    total: Decimal | Fraction = Decimal(0)

    @property
    def average(self) -> Fraction | None:
        return Fraction(self.total) / self.count if self.count else None


@dataclass(frozen=True, slots=True)
class Figures:
    """What stats and each series bucket report over a set of readings."""

    count: int = 0
    first: ReadingKey | None = None  # the lowest datacount
    last: ReadingKey | None = None  # the highest datacount
    fields: dict[str, FieldFigures] = field(default_factory=dict)

    def of(self, name: str) -> FieldFigures:
        return self.fields.get(name, FieldFigures())


class _FieldTally:
    __slots__ = ("count", "max", "min", "total")

    def __init__(self) -> None:
        self.count = 0
        self.min: Decimal | None = None
        self.max: Decimal | None = None
        self.total: Decimal | Fraction = Decimal(0)

    def add(self, value: Decimal) -> None:
        self.count += 1
        if self.min is None or value < self.min:
            self.min = value
        if self.max is None or value > self.max:
            self.max = value
        self.total = exact_sum(self.total, value)

    def figures(self) -> FieldFigures:
        return FieldFigures(self.count, self.min, self.max, self.total)


class Tally:
    """Figures built one reading at a time, so pages can be summed as they arrive."""

    def __init__(self) -> None:
        self.count = 0
        self.first: ReadingKey | None = None
        self.last: ReadingKey | None = None
        self._fields = {name: _FieldTally() for name in TEMPERATURES}

    def add(self, reading: Reading) -> None:
        self.count += 1
        key = reading.key
        if self.first is None or key.datacount < self.first.datacount:
            self.first = key
        if self.last is None or key.datacount > self.last.datacount:
            self.last = key
        info = reading.info
        for name, tally in self._fields.items():
            value = getattr(info, name)
            if value is not None:
                tally.add(value)

    def figures(self) -> Figures:
        fields = {name: tally.figures() for name, tally in self._fields.items()}
        return Figures(self.count, self.first, self.last, fields)


def summarize(readings: Iterable[Reading]) -> Figures:
    tally = Tally()
    for reading in readings:
        tally.add(reading)
    return tally.figures()


# -- buckets ---------------------------------------------------------------------------------


def bucket_count(start: Decimal, end: Decimal, seconds: int) -> int:
    """How many buckets of `seconds` cover [start, end): the last one may be cut short."""
    span = Fraction(end) - Fraction(start)
    return max(0, -(-span.numerator // (span.denominator * seconds)))


@dataclass(frozen=True, slots=True)
class Bucket:
    start: Decimal  # epoch seconds: the window's start + index * seconds
    figures: Figures


class Buckets:
    """Readings sorted into consecutive buckets of `seconds` from `start`, up to `end`."""

    def __init__(self, start: Decimal, end: Decimal, seconds: int) -> None:
        if seconds < 1:
            raise ValueError("a bucket must be at least one second long")
        self.window = TimeWindow(start, end)
        self.seconds = seconds
        self._start = Fraction(start)
        self._tallies: dict[int, Tally] = {}

    def add(self, reading: Reading) -> bool:
        """Count the reading in its bucket; False (and ignored) when it is outside the window."""
        seconds = recorded_seconds(reading.info.info_timestamp)
        if seconds is None or not self.window.contains(seconds):
            return False
        index = int((Fraction(seconds) - self._start) // self.seconds)
        tally = self._tallies.get(index)
        if tally is None:
            tally = self._tallies[index] = Tally()
        tally.add(reading)
        return True

    def result(self) -> list[Bucket]:
        """The buckets that hold a reading, oldest first."""
        start = self.window.start
        assert start is not None
        return [
            Bucket(_EXACT.add(start, index * self.seconds), self._tallies[index].figures())
            for index in sorted(self._tallies)
        ]


def series(readings: Iterable[Reading], start: Decimal, end: Decimal, seconds: int) -> list[Bucket]:
    buckets = Buckets(start, end, seconds)
    for reading in readings:
        buckets.add(reading)
    return buckets.result()
