"""Conditions, key ranges and patches -> DynamoDB expression text, names and values."""

from __future__ import annotations

from decimal import Decimal

import pytest

from gql.errors import InputError
from gql.models import (
    AllOf,
    AnyOf,
    Compare,
    CompareOp,
    Condition,
    DatacountRange,
    InfoPatch,
    KeyOp,
    Not,
)
from gql.store.expressions import (
    MAX_COMPARISONS,
    MAX_CONDITION_DEPTH,
    Expressions,
    condition_expression,
    key_condition_expression,
    update_expression,
)

T1 = {"#n0": "info", "#n1": "temperature1"}
TS = {"#n0": "info", "#n1": "info_timestamp"}


def compile_condition(condition: Condition) -> tuple[str, dict[str, str], dict[str, object]]:
    ex = Expressions()
    text = condition_expression(condition, ex)
    return text, ex.names, dict(ex.values)


def refusal(condition: Condition) -> str:
    with pytest.raises(InputError) as caught:
        condition_expression(condition, Expressions())
    return str(caught.value)


def nested(depth: int) -> Condition:
    """A comparison under `depth - 1` NOTs: `depth` levels in all."""
    condition: Condition = Compare("temperature1", "gt", Decimal(1))
    for _ in range(depth - 1):
        condition = Not(condition)
    return condition


@pytest.mark.parametrize(
    ("op", "operator"),
    [("eq", "="), ("ne", "<>"), ("lt", "<"), ("lte", "<="), ("gt", ">"), ("gte", ">=")],
)
def test_comparison_compiles_to_its_operator(op: CompareOp, operator: str) -> None:
    assert compile_condition(Compare("temperature1", op, Decimal("23.74"))) == (
        f"#n0.#n1 {operator} :v0",
        T1,
        {":v0": {"N": "23.74"}},
    )


def test_string_comparison_sends_a_string_value() -> None:
    assert compile_condition(Compare("info_timestamp", "gte", "1612519200")) == (
        "#n0.#n1 >= :v0",
        TS,
        {":v0": {"S": "1612519200"}},
    )


def test_between_compiles_to_an_inclusive_range() -> None:
    assert compile_condition(Compare("temperature1", "between", (Decimal(20), Decimal(30)))) == (
        "#n0.#n1 BETWEEN :v0 AND :v1",
        T1,
        {":v0": {"N": "20"}, ":v1": {"N": "30"}},
    )


def test_between_with_equal_bounds_is_accepted() -> None:
    text, _, _ = compile_condition(Compare("temperature1", "between", (Decimal(5), Decimal(5))))

    assert text == "#n0.#n1 BETWEEN :v0 AND :v1"


def test_begins_with_compiles_to_the_function() -> None:
    assert compile_condition(Compare("info_timestamp", "begins_with", "1612")) == (
        "begins_with(#n0.#n1, :v0)",
        TS,
        {":v0": {"S": "1612"}},
    )


def test_exists_true_compiles_to_attribute_exists() -> None:
    assert compile_condition(Compare("temperature5", "exists", True)) == (
        "attribute_exists(#n0.#n1)",
        {"#n0": "info", "#n1": "temperature5"},
        {},
    )


def test_exists_false_compiles_to_attribute_not_exists() -> None:
    assert compile_condition(Compare("temperature5", "exists", False)) == (
        "attribute_not_exists(#n0.#n1)",
        {"#n0": "info", "#n1": "temperature5"},
        {},
    )


def test_all_of_joins_with_and_in_parentheses() -> None:
    condition = AllOf(
        (Compare("temperature1", "gt", Decimal(20)), Compare("temperature2", "lt", Decimal(30)))
    )

    assert compile_condition(condition) == (
        "(#n0.#n1 > :v0 AND #n0.#n2 < :v1)",
        {"#n0": "info", "#n1": "temperature1", "#n2": "temperature2"},
        {":v0": {"N": "20"}, ":v1": {"N": "30"}},
    )


def test_any_of_joins_with_or_in_parentheses() -> None:
    condition = AnyOf(
        (Compare("temperature1", "gt", Decimal(20)), Compare("temperature2", "lt", Decimal(30)))
    )

    assert compile_condition(condition)[0] == "(#n0.#n1 > :v0 OR #n0.#n2 < :v1)"


def test_not_wraps_its_condition_in_parentheses() -> None:
    assert compile_condition(Not(Compare("temperature1", "eq", Decimal(20))))[0] == (
        "(NOT #n0.#n1 = :v0)"
    )


def test_group_of_one_needs_no_parentheses() -> None:
    assert compile_condition(AllOf((Compare("temperature1", "eq", Decimal(20)),)))[0] == (
        "#n0.#n1 = :v0"
    )


def test_nested_groups_keep_their_precedence() -> None:
    condition = AnyOf(
        (
            AllOf(
                (
                    Compare("temperature1", "gte", Decimal(20)),
                    Compare("temperature2", "exists", True),
                )
            ),
            Not(AnyOf((Compare("info_timestamp", "begins_with", "16"),))),
            Compare("temperature3", "between", (Decimal("-1.5"), Decimal("1.5"))),
        )
    )

    assert compile_condition(condition) == (
        "((#n0.#n1 >= :v0 AND attribute_exists(#n0.#n2))"
        " OR (NOT begins_with(#n0.#n3, :v1))"
        " OR #n0.#n4 BETWEEN :v2 AND :v3)",
        {
            "#n0": "info",
            "#n1": "temperature1",
            "#n2": "temperature2",
            "#n3": "info_timestamp",
            "#n4": "temperature3",
        },
        {
            ":v0": {"N": "20"},
            ":v1": {"S": "16"},
            ":v2": {"N": "-1.5"},
            ":v3": {"N": "1.5"},
        },
    )


def test_a_name_used_twice_reuses_its_placeholder() -> None:
    condition = AllOf(
        (Compare("temperature1", "gt", Decimal(20)), Compare("temperature1", "lt", Decimal(30)))
    )

    assert compile_condition(condition) == (
        "(#n0.#n1 > :v0 AND #n0.#n1 < :v1)",
        T1,
        {":v0": {"N": "20"}, ":v1": {"N": "30"}},
    )


def test_a_value_used_twice_gets_two_placeholders() -> None:
    condition = AnyOf(
        (Compare("temperature1", "eq", Decimal(20)), Compare("temperature2", "eq", Decimal(20)))
    )

    assert compile_condition(condition)[2] == {":v0": {"N": "20"}, ":v1": {"N": "20"}}


def test_expressions_of_one_request_share_their_placeholders() -> None:
    ex = Expressions()
    key = key_condition_expression("10001", None, ex)
    condition = condition_expression(Compare("temperature1", "gt", Decimal(20)), ex)

    assert (key, condition, ex.names, ex.values) == (
        "#n0 = :v0",
        "#n1.#n2 > :v1",
        {"#n0": "device_id", "#n1": "info", "#n2": "temperature1"},
        {":v0": {"S": "10001"}, ":v1": {"N": "20"}},
    )


@pytest.mark.parametrize(
    ("low", "high", "message"),
    [
        (Decimal(30), Decimal(20), "temperature1.between: the low bound 30 is above 20"),
        (Decimal("0.2"), Decimal("0.1"), "temperature1.between: the low bound 0.2 is above 0.1"),
    ],
)
def test_between_with_low_above_high_is_refused(low: Decimal, high: Decimal, message: str) -> None:
    assert refusal(Compare("temperature1", "between", (low, high))) == message


def test_string_between_with_low_above_high_is_refused() -> None:
    assert refusal(Compare("info_timestamp", "between", ("1612521000", "1612519200"))) == (
        "info_timestamp.between: the low bound 1612521000 is above 1612519200"
    )


def test_empty_all_of_is_refused() -> None:
    assert refusal(AllOf(())) == "condition: `and` needs at least one condition"


def test_empty_any_of_is_refused() -> None:
    assert refusal(AnyOf(())) == "condition: `or` needs at least one condition"


def test_empty_group_nested_in_a_valid_one_is_refused() -> None:
    condition = AllOf((Compare("temperature1", "gt", Decimal(1)), AnyOf(())))

    assert refusal(condition) == "condition: `or` needs at least one condition"


@pytest.mark.parametrize("field", ["device_id", "datacount", "version", "humidity", "info"])
def test_comparison_on_a_field_outside_info_is_refused(field: str) -> None:
    assert refusal(Compare(field, "eq", "x")) == f"condition: unknown field {field!r}"


def test_condition_at_the_depth_limit_is_accepted() -> None:
    text, _, _ = compile_condition(nested(MAX_CONDITION_DEPTH))

    assert text == "(NOT " * (MAX_CONDITION_DEPTH - 1) + "#n0.#n1 > :v0" + ")" * (
        MAX_CONDITION_DEPTH - 1
    )


def test_condition_deeper_than_the_limit_is_refused() -> None:
    assert refusal(nested(MAX_CONDITION_DEPTH + 1)) == "condition is nested deeper than 8 levels"


def test_condition_with_the_most_comparisons_allowed_is_accepted() -> None:
    condition = AnyOf(tuple(Compare("temperature1", "eq", Decimal(n)) for n in range(40)))

    assert len(compile_condition(condition)[2]) == MAX_COMPARISONS


def test_condition_with_too_many_comparisons_is_refused() -> None:
    condition = AnyOf(tuple(Compare("temperature1", "eq", Decimal(n)) for n in range(41)))

    assert refusal(condition) == "condition has more than 40 comparisons"


def test_comparisons_are_counted_across_nested_groups() -> None:
    half = tuple(Compare("temperature1", "eq", Decimal(n)) for n in range(21))

    assert refusal(AllOf((AnyOf(half), Not(AnyOf(half))))) == (
        "condition has more than 40 comparisons"
    )


@pytest.mark.parametrize(
    "value", ["); DROP TABLE Devices; --", "#n0", ":v0", "info.temperature1", "' OR 1=1"]
)
def test_a_callers_string_only_ever_becomes_a_value(value: str) -> None:
    assert compile_condition(Compare("info_timestamp", "eq", value)) == (
        "#n0.#n1 = :v0",
        TS,
        {":v0": {"S": value}},
    )


def test_a_callers_device_id_only_ever_becomes_a_value() -> None:
    ex = Expressions()

    assert key_condition_expression("x OR attribute_exists(#n0)", None, ex) == "#n0 = :v0"
    assert ex.values == {":v0": {"S": "x OR attribute_exists(#n0)"}}


def test_every_attribute_name_is_a_placeholder() -> None:
    # info_timestamp, version and data are reserved words; no name is written out.
    ex = Expressions()
    texts = [
        key_condition_expression("10001", DatacountRange("gte", 2), ex),
        condition_expression(
            AllOf(tuple(Compare(f, "exists", True) for f in ("info_timestamp", "temperature1"))),
            ex,
        ),
        update_expression(
            InfoPatch(set={"info_timestamp": "1"}, remove=frozenset({"temperature2"})), ex
        ),
    ]

    assert sorted(ex.names.values()) == [
        "datacount",
        "device_id",
        "info",
        "info_timestamp",
        "recorded_at",
        "temperature1",
        "temperature2",
        "version",
    ]
    assert [t for t in texts for n in ex.names.values() if n in t] == []
    assert [t for t in texts if "data" in t] == []


def test_key_condition_without_a_range_names_the_partition_only() -> None:
    ex = Expressions()

    assert key_condition_expression("10001", None, ex) == "#n0 = :v0"
    assert (ex.names, ex.values) == ({"#n0": "device_id"}, {":v0": {"S": "10001"}})


@pytest.mark.parametrize(
    ("op", "operator"), [("eq", "="), ("lt", "<"), ("lte", "<="), ("gt", ">"), ("gte", ">=")]
)
def test_key_condition_compares_datacount_as_a_number(op: KeyOp, operator: str) -> None:
    ex = Expressions()

    assert key_condition_expression("10001", DatacountRange(op, 3), ex) == (
        f"#n0 = :v0 AND #n1 {operator} :v1"
    )
    assert (ex.names, ex.values) == (
        {"#n0": "device_id", "#n1": "datacount"},
        {":v0": {"S": "10001"}, ":v1": {"N": "3"}},
    )


def test_key_condition_between_is_an_inclusive_range() -> None:
    ex = Expressions()

    assert key_condition_expression("10001", DatacountRange("between", (2, 5)), ex) == (
        "#n0 = :v0 AND #n1 BETWEEN :v1 AND :v2"
    )
    assert ex.values == {":v0": {"S": "10001"}, ":v1": {"N": "2"}, ":v2": {"N": "5"}}


def test_key_condition_between_with_low_above_high_is_refused() -> None:
    # DynamoDB refuses such a range with a ValidationException, which would surface as an
    # internal error instead of bad input; a condition's `between` is refused here already.
    with pytest.raises(InputError, match="datacount"):
        key_condition_expression("10001", DatacountRange("between", (5, 2)), Expressions())


def test_update_sets_removes_and_bumps_the_version() -> None:
    ex = Expressions()
    patch = InfoPatch(
        set={"temperature1": Decimal("33.74"), "info_timestamp": "1612522800"},
        remove=frozenset({"temperature5", "temperature4"}),
    )

    # A new timestamp moves the time index's copy of it too (gql/store/timeindex.py).
    assert update_expression(patch, ex) == (
        "SET #n0.#n1 = :v0, #n0.#n2 = :v1, #n3 = :v2, #n4 = if_not_exists(#n4, :v3) + :v4"
        " REMOVE #n0.#n5, #n0.#n6"
    )
    assert ex.names == {
        "#n0": "info",
        "#n1": "temperature1",
        "#n2": "info_timestamp",
        "#n3": "recorded_at",
        "#n4": "version",
        "#n5": "temperature4",
        "#n6": "temperature5",
    }
    assert ex.values == {
        ":v0": {"N": "33.74"},
        ":v1": {"S": "1612522800"},
        ":v2": {"N": "1612522800"},
        ":v3": {"N": "0"},
        ":v4": {"N": "1"},
    }


def test_an_update_that_leaves_the_timestamp_leaves_the_time_index_alone() -> None:
    ex = Expressions()

    text = update_expression(InfoPatch(set={"temperature1": Decimal(1)}), ex)

    assert "recorded_at" not in ex.names.values()
    assert text == "SET #n0.#n1 = :v0, #n2 = if_not_exists(#n2, :v1) + :v2"


def test_empty_patch_only_bumps_the_version() -> None:
    ex = Expressions()

    assert update_expression(InfoPatch(), ex) == "SET #n0 = if_not_exists(#n0, :v0) + :v1"
    assert (ex.names, ex.values) == ({"#n0": "version"}, {":v0": {"N": "0"}, ":v1": {"N": "1"}})


def test_patch_that_only_removes_still_bumps_the_version() -> None:
    ex = Expressions()

    assert update_expression(InfoPatch(remove=frozenset({"temperature3"})), ex) == (
        "SET #n0 = if_not_exists(#n0, :v0) + :v1 REMOVE #n1.#n2"
    )
    assert ex.names == {"#n0": "version", "#n1": "info", "#n2": "temperature3"}


def test_request_parameters_carry_names_and_values() -> None:
    ex = Expressions()
    key_condition_expression("10001", None, ex)

    assert ex.request() == {
        "ExpressionAttributeNames": {"#n0": "device_id"},
        "ExpressionAttributeValues": {":v0": {"S": "10001"}},
    }


def test_request_parameters_leave_out_empty_names_and_values() -> None:
    assert Expressions().request() == {}


def test_request_parameters_leave_out_values_when_there_are_none() -> None:
    ex = Expressions()
    condition_expression(Compare("temperature1", "exists", True), ex)

    assert ex.request() == {"ExpressionAttributeNames": T1}
