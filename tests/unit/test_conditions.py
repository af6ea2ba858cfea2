"""Conditions evaluated on a reading in Python, with DynamoDB's semantics (gql/conditions.py)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from gql.conditions import holds
from gql.models import AllOf, AnyOf, Compare, CompareOp, Condition, Not, Operand, Reading
from gql.models import ReadingInfo as Info
from gql.store.codec import from_item

# t1 = 23.5, t2 absent, timestamp "1612519200".
READING = Reading("d", 1, Info("1612519200", temperature1=Decimal("23.5")), version=1)


def t1(op: CompareOp, value: Operand) -> Compare:
    return Compare("temperature1", op, value)


def t2(op: CompareOp, value: Operand) -> Compare:
    return Compare("temperature2", op, value)


def ts(op: CompareOp, value: Operand) -> Compare:
    return Compare("info_timestamp", op, value)


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        (t1("eq", Decimal("23.5")), True),
        (t1("eq", Decimal("23.50")), True),  # numbers compare by value, not by text
        (t1("eq", Decimal("23.4")), False),
        (t1("ne", Decimal("23.4")), True),
        (t1("ne", Decimal("23.5")), False),
        (t1("lt", Decimal("23.5")), False),
        (t1("lt", Decimal("23.6")), True),
        (t1("lte", Decimal("23.5")), True),
        (t1("gt", Decimal("23.5")), False),
        (t1("gt", Decimal("-1")), True),
        (t1("gte", Decimal("23.5")), True),
        (t1("between", (Decimal("23.5"), Decimal("30"))), True),  # inclusive low
        (t1("between", (Decimal("10"), Decimal("23.5"))), True),  # inclusive high
        (t1("between", (Decimal("23.6"), Decimal("30"))), False),
        (t1("exists", True), True),
        (t1("exists", False), False),
    ],
)
def test_comparisons_on_a_present_number(condition: Condition, expected: bool) -> None:
    assert holds(condition, READING) is expected


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        (t2("ne", Decimal("1")), True),  # ne holds when the attribute is absent
        (t2("eq", Decimal("1")), False),
        (t2("lt", Decimal("1000")), False),
        (t2("lte", Decimal("1000")), False),
        (t2("gt", Decimal("-1000")), False),
        (t2("gte", Decimal("-1000")), False),
        (t2("between", (Decimal("-1000"), Decimal("1000"))), False),
        (t2("exists", True), False),
        (t2("exists", False), True),
        (Not(t2("lt", Decimal("1000"))), True),  # NOT of a failed comparison holds
    ],
)
def test_comparisons_on_an_absent_attribute(condition: Condition, expected: bool) -> None:
    assert holds(condition, READING) is expected


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        (ts("eq", "1612519200"), True),
        (ts("ne", "1612519200"), False),
        (ts("lt", "2"), True),  # strings compare as text: "16..." < "2"
        (ts("gt", "16125192000"), False),
        (ts("between", ("1612519200", "1612519200")), True),
        (ts("begins_with", "1612"), True),
        (ts("begins_with", "612"), False),
        (ts("exists", True), True),
        (ts("eq", Decimal("1612519200")), False),  # a number never equals a string
        (ts("ne", Decimal("1612519200")), True),
        (ts("lt", Decimal("9999999999")), False),  # nor is ordered against one
        (t1("begins_with", "23"), False),  # begins_with applies to strings only
    ],
)
def test_comparisons_on_strings_and_mixed_types(condition: Condition, expected: bool) -> None:
    assert holds(condition, READING) is expected


def test_a_missing_timestamp_is_absent() -> None:
    reading = Reading("d", 1, Info(""))
    assert holds(ts("exists", False), reading) is True
    assert holds(ts("ne", "x"), reading) is True
    assert holds(ts("lt", "z"), reading) is False


def test_and_or_not_nest() -> None:
    yes, no = t1("gt", Decimal("20")), t1("lt", Decimal("20"))
    assert holds(AllOf((yes, yes)), READING) is True
    assert holds(AllOf((yes, no)), READING) is False
    assert holds(AnyOf((no, yes)), READING) is True
    assert holds(AnyOf((no, no)), READING) is False
    assert holds(Not(no), READING) is True
    assert holds(Not(AnyOf((no, Not(yes)))), READING) is True


def test_a_legacy_string_temperature_compares_as_a_number() -> None:
    # What the tutorial's create_item.py writes: temperatures as strings.
    legacy = from_item(
        {
            "device_id": {"S": "d"},
            "datacount": {"N": "2"},
            "info": {"M": {"info_timestamp": {"S": "1"}, "temperature1": {"S": "23.74"}}},
        }
    )
    assert holds(t1("gt", Decimal("23.7")), legacy) is True
    assert holds(t1("eq", Decimal("23.74")), legacy) is True
    assert holds(t1("between", (Decimal("20"), Decimal("25"))), legacy) is True
    assert holds(t1("lt", Decimal("9")), legacy) is False
