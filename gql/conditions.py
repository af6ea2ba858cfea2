"""A condition evaluated on a reading in Python, with DynamoDB's condition semantics. Pure.

Used where DynamoDB cannot evaluate the condition for us: filters of live changes, which come
from the table's stream (or from the embedded store) and are matched in the server.

The rules are DynamoDB's: `ne` holds when the attribute is absent, every other comparison
fails on an absent attribute, values of different types are never equal (so `ne` holds) and
never ordered, `between` is inclusive, strings compare by their UTF-8 bytes (which orders
like Python's code points). One difference, on purpose: the reading has been decoded, so a
legacy temperature stored as a string ("23.74") compares as the number it holds.
"""

from __future__ import annotations

from decimal import Decimal

from gql.models import AllOf, AnyOf, Compare, Condition, Not, Operand, Reading


def holds(condition: Condition, reading: Reading) -> bool:
    """Whether `condition` holds for `reading`."""
    if isinstance(condition, AllOf):
        return all(holds(c, reading) for c in condition.conditions)
    if isinstance(condition, AnyOf):
        return any(holds(c, reading) for c in condition.conditions)
    if isinstance(condition, Not):
        return not holds(condition.condition, reading)
    return _compare(condition, _attribute(reading, condition.field))


def _attribute(reading: Reading, field: str) -> str | Decimal | None:
    value: str | Decimal | None = getattr(reading.info, field, None)
    # The codec reads a missing info_timestamp as "": for conditions it is absent.
    return None if value == "" else value


def _compare(compare: Compare, value: str | Decimal | None) -> bool:
    op, operand = compare.op, compare.value
    if op == "exists":
        return (value is not None) is bool(operand)
    if op == "ne":
        return value is None or not _same_type(value, operand) or value != operand
    if value is None:
        return False
    if op == "begins_with":
        return isinstance(value, str) and isinstance(operand, str) and value.startswith(operand)
    if op == "between":
        if not isinstance(operand, tuple):
            return False
        low, high = operand
        return _same_type(value, low) and _same_type(value, high) and low <= value <= high  # type: ignore[operator]
    if not _same_type(value, operand):
        return False
    if op == "eq":
        return value == operand
    if op == "lt":
        return value < operand  # type: ignore[operator]
    if op == "lte":
        return value <= operand  # type: ignore[operator]
    if op == "gt":
        return value > operand  # type: ignore[operator]
    if op == "gte":
        return value >= operand  # type: ignore[operator]
    raise ValueError(f"unknown comparison {op!r}")


def _same_type(value: str | Decimal, operand: Operand) -> bool:
    if isinstance(value, str):
        return isinstance(operand, str)
    return isinstance(operand, Decimal | int) and not isinstance(operand, bool)
