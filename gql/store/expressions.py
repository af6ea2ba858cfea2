"""Conditions, filters, key ranges and patches -> DynamoDB expression text. Pure.

Every attribute name goes through a `#nN` placeholder and every value through a `:vN`
placeholder, so no caller's string ever becomes expression text, and reserved words such as
`timestamp`, `data` or `version` need no special care.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from gql.errors import InputError
from gql.models import (
    INFO_FIELDS,
    AllOf,
    Compare,
    Condition,
    DatacountRange,
    InfoPatch,
    Not,
)
from gql.store.codec import value_to_attribute
from gql.store.timeindex import ATTRIBUTE, index_attribute

# DynamoDB refuses expressions over 4 KB; these bounds keep a condition well inside that.
MAX_CONDITION_DEPTH = 8
MAX_COMPARISONS = 40

_OPERATORS = {"eq": "=", "ne": "<>", "lt": "<", "lte": "<=", "gt": ">", "gte": ">="}


@dataclass
class Expressions:
    """Placeholders shared by all the expressions of one request."""

    names: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, Any]] = field(default_factory=dict)

    def name(self, attribute: str) -> str:
        for placeholder, known in self.names.items():
            if known == attribute:
                return placeholder
        placeholder = f"#n{len(self.names)}"
        self.names[placeholder] = attribute
        return placeholder

    def path(self, *attributes: str) -> str:
        return ".".join(self.name(a) for a in attributes)

    def value(self, value: str | Decimal | int) -> str:
        return self.attribute(value_to_attribute(value))

    def attribute(self, attribute: dict[str, Any]) -> str:
        """A placeholder for a value already in DynamoDB's attribute-value form."""
        placeholder = f":v{len(self.values)}"
        self.values[placeholder] = attribute
        return placeholder

    def request(self) -> dict[str, Any]:
        """The ExpressionAttributeNames/Values parameters, leaving out empty ones."""
        params: dict[str, Any] = {}
        if self.names:
            params["ExpressionAttributeNames"] = dict(self.names)
        if self.values:
            params["ExpressionAttributeValues"] = dict(self.values)
        return params


def condition_expression(condition: Condition, ex: Expressions) -> str:
    counter = [0]
    return _condition(condition, ex, depth=1, counter=counter)


def _condition(condition: Condition, ex: Expressions, *, depth: int, counter: list[int]) -> str:
    if depth > MAX_CONDITION_DEPTH:
        raise InputError(f"condition is nested deeper than {MAX_CONDITION_DEPTH} levels")
    if isinstance(condition, Compare):
        counter[0] += 1
        if counter[0] > MAX_COMPARISONS:
            raise InputError(f"condition has more than {MAX_COMPARISONS} comparisons")
        return _compare(condition, ex)
    if isinstance(condition, Not):
        inner = _condition(condition.condition, ex, depth=depth + 1, counter=counter)
        return f"(NOT {inner})"
    joiner = " AND " if isinstance(condition, AllOf) else " OR "
    if not condition.conditions:
        kind = "and" if isinstance(condition, AllOf) else "or"
        raise InputError(f"condition: `{kind}` needs at least one condition")
    parts = [_condition(c, ex, depth=depth + 1, counter=counter) for c in condition.conditions]
    return parts[0] if len(parts) == 1 else "(" + joiner.join(parts) + ")"


def _compare(compare: Compare, ex: Expressions) -> str:
    if compare.field not in INFO_FIELDS:
        raise InputError(f"condition: unknown field {compare.field!r}")
    path = ex.path("info", compare.field)
    value = compare.value
    if compare.op == "exists":
        return f"attribute_exists({path})" if value else f"attribute_not_exists({path})"
    if compare.op == "between":
        assert isinstance(value, tuple)
        low, high = value
        if low > high:  # type: ignore[operator]
            raise InputError(f"{compare.field}.between: the low bound {low} is above {high}")
        return f"{path} BETWEEN {ex.value(low)} AND {ex.value(high)}"
    assert isinstance(value, str | Decimal)
    if compare.op == "begins_with":
        return f"begins_with({path}, {ex.value(value)})"
    return f"{path} {_OPERATORS[compare.op]} {ex.value(value)}"


def key_condition_expression(device_id: str, span: DatacountRange | None, ex: Expressions) -> str:
    text = f"{ex.name('device_id')} = {ex.value(device_id)}"
    if span is None:
        return text
    sort_key = ex.name("datacount")
    if span.op == "between":
        assert isinstance(span.value, tuple)
        low, high = span.value
        if low > high:
            raise InputError(f"datacount.between: the low bound {low} is above {high}")
        return f"{text} AND {sort_key} BETWEEN {ex.value(low)} AND {ex.value(high)}"
    assert isinstance(span.value, int)
    return f"{text} AND {sort_key} {_OPERATORS[span.op]} {ex.value(span.value)}"


def update_expression(patch: InfoPatch, ex: Expressions) -> str:
    """SET the patch's fields and bump `version`, REMOVE the fields given as null."""
    sets = [f"{ex.path('info', name)} = {ex.value(value)}" for name, value in patch.set.items()]
    timestamp = patch.set.get("info_timestamp")
    if isinstance(timestamp, str):
        sets.append(set_index(ex, timestamp))
    sets.append(bump_version(ex))
    text = "SET " + ", ".join(sets)
    if patch.remove:
        text += " REMOVE " + ", ".join(ex.path("info", name) for name in sorted(patch.remove))
    return text


def set_index(ex: Expressions, timestamp: str) -> str:
    """SET the time-index attribute for a reading stamped `timestamp` (gql/store/timeindex.py)."""
    return f"{ex.name(ATTRIBUTE)} = {ex.attribute(index_attribute(timestamp))}"


def bump_version(ex: Expressions) -> str:
    version = ex.name("version")
    return f"{version} = if_not_exists({version}, {ex.value(0)}) + {ex.value(1)}"
