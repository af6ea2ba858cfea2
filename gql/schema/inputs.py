"""The input types, and their conversion to the store's models with argument-named errors."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import strawberry

from gql import models
from gql.errors import InputError
from gql.history import TimeWindow, instant_seconds
from gql.store import to_number

MAX_DEVICE_ID_BYTES = 2048  # DynamoDB's limit for a partition key value
MAX_TIMESTAMP_LENGTH = 64


@strawberry.input(description="Exactly one operator on datacount.")
class DatacountCondition:
    eq: int | None = None
    lt: int | None = None
    lte: int | None = None
    gt: int | None = None
    gte: int | None = None
    between: list[int] | None = strawberry.field(
        default=None, description="[low, high], inclusive."
    )


@strawberry.input(description="Operators combine with AND.")
class StringComparison:
    eq: str | None = None
    ne: str | None = None
    lt: str | None = None
    lte: str | None = None
    gt: str | None = None
    gte: str | None = None
    between: list[str] | None = strawberry.field(
        default=None, description="[low, high], inclusive."
    )
    begins_with: str | None = None
    exists: bool | None = None


@strawberry.input(description="Operators combine with AND.")
class FloatComparison:
    eq: float | None = None
    ne: float | None = None
    lt: float | None = None
    lte: float | None = None
    gt: float | None = None
    gte: float | None = None
    between: list[float] | None = strawberry.field(
        default=None, description="[low, high], inclusive."
    )
    exists: bool | None = None


@strawberry.input(description="Fields combine with AND; and/or/not nest.")
class ReadingCondition:
    info_timestamp: StringComparison | None = None
    temperature1: FloatComparison | None = None
    temperature2: FloatComparison | None = None
    temperature3: FloatComparison | None = None
    temperature4: FloatComparison | None = None
    temperature5: FloatComparison | None = None
    and_: list[ReadingCondition] | None = strawberry.field(default=None, name="and")
    or_: list[ReadingCondition] | None = strawberry.field(default=None, name="or")
    not_: ReadingCondition | None = strawberry.field(default=None, name="not")


# The contract allows ReadingFilter to be the same input type as ReadingCondition.
ReadingFilter = ReadingCondition


@strawberry.input(
    description="Half-open [from, to) on info.infoTimestamp read as epoch seconds; either bound "
    "may be left out. A reading whose infoTimestamp is not a number is outside every window. "
    "A DateTime without an offset is UTC."
)
class TimeRange:
    from_: datetime | None = strawberry.field(default=None, name="from")
    to: datetime | None = None


@strawberry.input
class ReadingInfoInput:
    info_timestamp: str
    temperature1: float | None = None
    temperature2: float | None = None
    temperature3: float | None = None
    temperature4: float | None = None
    temperature5: float | None = None


@strawberry.input
class ReadingInput:
    device_id: strawberry.ID
    datacount: int
    info: ReadingInfoInput


@strawberry.input(
    description="Fields given are set; a field given as null is removed; fields left out are "
    "untouched."
)
class ReadingInfoPatch:
    info_timestamp: str | None = strawberry.UNSET
    temperature1: float | None = strawberry.UNSET
    temperature2: float | None = strawberry.UNSET
    temperature3: float | None = strawberry.UNSET
    temperature4: float | None = strawberry.UNSET
    temperature5: float | None = strawberry.UNSET


# -- conversions -------------------------------------------------------------------------------


def device_id(value: str, where: str = "deviceId") -> str:
    if not value:
        raise InputError(f"{where}: must not be empty")
    if len(value.encode()) > MAX_DEVICE_ID_BYTES:
        raise InputError(f"{where}: longer than DynamoDB's {MAX_DEVICE_ID_BYTES}-byte key limit")
    return value


def page_size(first: int, where: str = "first") -> int:
    if not 1 <= first <= 100:
        raise InputError(f"{where}: must be between 1 and 100, got {first}")
    return first


def temperature(value: float | Decimal, where: str) -> Decimal:
    # repr() of a float is its shortest round-tripping form: 23.74 -> Decimal("23.74").
    return to_number(repr(value) if isinstance(value, float) else value, where)


def timestamp(value: str, where: str) -> str:
    if not value or len(value) > MAX_TIMESTAMP_LENGTH:
        raise InputError(f"{where}: must be 1 to {MAX_TIMESTAMP_LENGTH} characters")
    return value


def to_range(
    condition: DatacountCondition | None, where: str = "datacount"
) -> models.DatacountRange | None:
    if condition is None:
        return None
    given = {
        op: getattr(condition, op)
        for op in ("eq", "lt", "lte", "gt", "gte", "between")
        if getattr(condition, op) is not None
    }
    if len(given) != 1:
        names = ", ".join(given) or "none"
        raise InputError(
            f"{where}: give exactly one operator (eq, lt, lte, gt, gte, between), got {names}"
        )
    ((op, value),) = given.items()
    if op == "between":
        if len(value) != 2:
            raise InputError(f"{where}.between: give exactly two values [low, high]")
        if value[0] > value[1]:
            raise InputError(f"{where}.between: the low bound {value[0]} is above {value[1]}")
        return models.DatacountRange("between", (value[0], value[1]))
    return models.DatacountRange(op, value)  # type: ignore[arg-type]


def to_window(value: TimeRange | None, where: str = "recordedAt") -> TimeWindow | None:
    if value is None:
        return None
    start = instant_seconds(value.from_) if value.from_ is not None else None
    end = instant_seconds(value.to) if value.to is not None else None
    if start is not None and end is not None and start >= end:
        raise InputError(f"{where}: from ({value.from_}) must be before to ({value.to})")
    return TimeWindow(start, end)


def to_condition(condition: ReadingCondition | None, where: str) -> models.Condition | None:
    """The condition as a model; None when it is empty (an empty condition always holds)."""
    if condition is None:
        return None
    parts: list[models.Condition] = []
    comparisons: dict[str, StringComparison | FloatComparison | None] = {
        "info_timestamp": condition.info_timestamp,
        **{name: getattr(condition, name) for name in models.TEMPERATURES},
    }
    for name, comparison in comparisons.items():
        if comparison is not None:
            parts.extend(_compares(name, comparison, f"{where}.{_camel(name)}"))
    for key, label in (("and_", "and"), ("or_", "or")):
        items = getattr(condition, key)
        if items is None:
            continue
        if not items:
            raise InputError(f"{where}.{label}: give at least one condition")
        converted = [to_condition(c, f"{where}.{label}[{i}]") for i, c in enumerate(items)]
        if any(c is None for c in converted):
            raise InputError(f"{where}.{label}: a condition in the list is empty")
        kind = models.AllOf if label == "and" else models.AnyOf
        parts.append(kind(tuple(c for c in converted if c is not None)))
    if condition.not_ is not None:
        inner = to_condition(condition.not_, f"{where}.not")
        if inner is None:
            raise InputError(f"{where}.not: the condition to negate is empty")
        parts.append(models.Not(inner))
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else models.AllOf(tuple(parts))


def _compares(
    name: str, comparison: StringComparison | FloatComparison, where: str
) -> list[models.Condition]:
    is_text = isinstance(comparison, StringComparison)
    result: list[models.Condition] = []
    for op in ("eq", "ne", "lt", "lte", "gt", "gte", "between", "begins_with", "exists"):
        value = getattr(comparison, op, None)
        if value is None:
            continue
        label = f"{where}.{_camel(op)}"
        if op == "exists":
            result.append(models.Compare(name, "exists", bool(value)))
        elif op == "between":
            if len(value) != 2:
                raise InputError(f"{label}: give exactly two values [low, high]")
            low, high = (v if is_text else temperature(v, label) for v in value)
            if low > high:
                raise InputError(f"{label}: the low bound {value[0]} is above {value[1]}")
            result.append(models.Compare(name, "between", (low, high)))
        else:
            operand = value if is_text else temperature(value, label)
            result.append(models.Compare(name, op, operand))
    if not result:
        raise InputError(f"{where}: give at least one operator")
    return result


def to_info(info: ReadingInfoInput, where: str = "reading.info") -> models.ReadingInfo:
    return models.ReadingInfo(
        info_timestamp=timestamp(info.info_timestamp, f"{where}.infoTimestamp"),
        **{
            name: temperature(value, f"{where}.{name}")
            for name in models.TEMPERATURES
            if (value := getattr(info, name)) is not None
        },
    )


def to_patch(patch: ReadingInfoPatch, where: str = "info") -> models.InfoPatch:
    values: dict[str, str | Decimal] = {}
    removed: set[str] = set()
    if patch.info_timestamp is None:
        raise InputError(f"{where}.infoTimestamp: cannot be removed, every reading has one")
    if patch.info_timestamp is not strawberry.UNSET:
        values["info_timestamp"] = timestamp(patch.info_timestamp, f"{where}.infoTimestamp")
    for name in models.TEMPERATURES:
        value = getattr(patch, name)
        if value is strawberry.UNSET:
            continue
        if value is None:
            removed.add(name)
        else:
            values[name] = temperature(value, f"{where}.{name}")
    return models.InfoPatch(set=values, remove=frozenset(removed))


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)
